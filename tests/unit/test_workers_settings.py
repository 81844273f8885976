"""``WORKERS``: one process by default, up to 16, refused where workers cannot share the work."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.settings import MAX_WORKERS, WORKER_VARIABLE, worker_environment
from tests.settings import settings_of

SHARED_GRAPH = "http://127.0.0.1:3980"
"""A sandbox tenant every worker reaches (not one embedded in each process)."""


def test_one_plain_process_by_default() -> None:
    settings = settings_of()
    assert settings.workers == 1
    assert settings.worker_index is None


def test_workers_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKERS", "4")
    monkeypatch.setenv("GRAPH_BASE_URL", SHARED_GRAPH)
    assert settings_of().workers == 4


@pytest.mark.parametrize("workers", [0, -1, MAX_WORKERS + 1, "two", "1.5"])
def test_out_of_bounds_or_not_a_number_is_refused_naming_the_setting(workers: object) -> None:
    with pytest.raises(ValidationError, match="workers"):
        settings_of(workers=workers, graph_base_url=SHARED_GRAPH)


def test_up_to_the_bound_is_accepted() -> None:
    assert settings_of(workers=MAX_WORKERS, graph_base_url=SHARED_GRAPH).workers == MAX_WORKERS


def test_delegated_approvals_need_one_worker() -> None:
    """A reviewer's token lives in the worker they signed in to; the decision may run elsewhere."""
    delegated = {
        "client_id": "a",
        "client_secret": "s3cr3t-value",
        "tenant_id": "c",
        "approval_mode": "delegated",
    }
    assert settings_of(**delegated).workers == 1
    with pytest.raises(ValidationError, match=r"WORKERS=2 cannot be used with APPROVAL_MODE="):
        settings_of(**delegated, workers=2)


def test_an_embedded_sandbox_tenant_cannot_be_shared() -> None:
    with pytest.raises(ValidationError, match=r"WORKERS=3 needs one sandbox tenant"):
        settings_of(workers=3)
    assert settings_of(workers=3, graph_base_url=SHARED_GRAPH).workers == 3


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite://"])
def test_an_in_memory_store_cannot_be_shared(url: str) -> None:
    with pytest.raises(ValidationError, match="in-memory SQLite"):
        settings_of(workers=2, graph_base_url=SHARED_GRAPH, database_url=url)


def test_production_with_app_only_approvals_may_run_workers() -> None:
    settings = settings_of(client_id="a", client_secret="s3cr3t-value", tenant_id="c", workers=8)
    assert settings.workers == 8


def test_each_worker_learns_which_it_is_from_the_supervisors_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environment = worker_environment(2)
    assert environment[WORKER_VARIABLE] == "2"
    monkeypatch.setenv(WORKER_VARIABLE, environment[WORKER_VARIABLE])
    assert settings_of().worker_index == 2
    monkeypatch.setenv(WORKER_VARIABLE, str(MAX_WORKERS + 1))
    with pytest.raises(ValidationError):
        settings_of()
