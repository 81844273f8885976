"""Settings: sandbox mode without credentials, strict validation with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from config.settings import PUBLIC_GRAPH_URL, Mode
from tests.settings import settings_of


def test_no_credentials_means_sandbox_with_embedded_tenant() -> None:
    settings = settings_of()
    assert settings.mode is Mode.SANDBOX
    assert settings.port == 3978
    assert settings.poll_interval_seconds == 30
    assert settings.graph_base_url == PUBLIC_GRAPH_URL
    assert settings.runs_embedded_sandbox
    assert settings.effective_database_url == "sqlite+aiosqlite:///data/consent-desk.db"


def test_sandbox_against_another_graph_server_does_not_embed_one() -> None:
    settings = settings_of(graph_base_url="http://127.0.0.1:4000/")
    assert settings.mode is Mode.SANDBOX
    assert not settings.runs_embedded_sandbox
    assert settings.graph_base_url == "http://127.0.0.1:4000"


def test_full_credentials_mean_production() -> None:
    settings = settings_of(
        client_id="a", client_secret="s3cr3t-value", tenant_id="c", data_dir=Path("/x")
    )
    assert settings.mode is Mode.PRODUCTION
    assert not settings.runs_embedded_sandbox
    assert "s3cr3t-value" not in repr(settings)  # the secret is never printed


def test_partial_credentials_are_refused_with_the_missing_names() -> None:
    with pytest.raises(
        ValidationError,
        match=r"CLIENT_ID set but TENANT_ID, a credential \(CLIENT_SECRET, CLIENT_CERTIFICATE_PATH "
        r"or USE_MANAGED_IDENTITY\) missing",
    ):
        settings_of(client_id="a")
    with pytest.raises(
        ValidationError, match=r"CLIENT_SECRET set but CLIENT_ID, TENANT_ID missing"
    ):
        settings_of(client_secret="s3cr3t-value")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("graph_base_url", "graph.microsoft.com"),
        ("port", 0),
        ("poll_interval_seconds", 0),
        ("log_level", "LOUD"),
    ],
)
def test_bad_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        settings_of(**{field: value})


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLL_INTERVAL_SECONDS", "5")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://db/consent")
    settings = settings_of()
    assert settings.poll_interval_seconds == 5
    assert settings.effective_database_url == "postgresql+asyncpg://db/consent"


def test_only_the_channel_may_post_unless_agents_are_allow_listed() -> None:
    assert settings_of().allowed_callers == ()
    agents = settings_of(
        allowed_caller_app_ids=" 7C2E4D19-5A3B-4F6E-8D1C-2B9A0E7F6C54, ,"
        "3f1c9a52-8d7e-4b21-a6c4-9e0d2b7f1a38"
    )
    assert agents.allowed_callers == (
        "7c2e4d19-5a3b-4f6e-8d1c-2b9a0e7f6c54",
        "3f1c9a52-8d7e-4b21-a6c4-9e0d2b7f1a38",
    )
    with pytest.raises(ValidationError, match="ALLOWED_CALLER_APP_IDS: '\\*' is not an app"):
        settings_of(allowed_caller_app_ids="*")
