"""Importing the bot loads no part of what its first request does not need.

``python app.py`` answers ``/healthz`` as soon as ``app`` is imported and the
listener is open: the store (SQLAlchemy), the scheduler and the sides are
imported afterwards, and what only a Graph call through the SDK (msgraph-sdk,
kiota's HTTP layer, httpx), a migration (Alembic) or a production token (MSAL)
uses is imported when that first happens. Checked in a fresh interpreter,
since this test process has imported them long ago.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFERRED = (
    "msgraph",
    "msgraph_core",
    "kiota_http",
    "httpx",
    "alembic",
    "sqlalchemy",
    "apscheduler",
    "msal",
    "requests",
)


def imported_by(statement: str) -> list[str]:
    """The deferred packages a fresh interpreter has loaded after ``statement``."""
    program = (
        f"import sys\n{statement}\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & {set(DEFERRED)!r})))"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", program],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.split()


@pytest.fixture(scope="module")
def loaded_by_app() -> list[str]:
    return imported_by("import app")


def test_importing_the_app_imports_neither_the_graph_sdk_nor_the_store(
    loaded_by_app: list[str],
) -> None:
    """``python app.py`` answers ``/healthz`` once this much is imported; the rest comes later."""
    assert [name for name in loaded_by_app if name not in {"msal", "requests"}] == []


def test_importing_the_app_does_not_import_msal(loaded_by_app: list[str]) -> None:
    assert [name for name in loaded_by_app if name in {"msal", "requests"}] == []


def test_the_store_imports_alembic_only_to_migrate() -> None:
    assert "alembic" not in imported_by("import bot.store.database")


def test_the_bots_tokens_import_msal_only_when_made() -> None:
    loaded = imported_by("import bot.infra.app_tokens, bot.infra.graph_auth")
    assert {"msal", "requests"}.isdisjoint(loaded)
