"""The bot's own tokens through MSAL from the sandbox's token endpoint, for each credential kind.

``app_tokens_for`` is what the running bot uses: a client secret, a
certificate (client assertion signed with the private key) or a user-assigned
managed identity (App Service endpoint). Each gets a Graph token carrying the
registration's application permissions; MSAL's cache serves it again without
another token request until MSAL's renewal point, and then MSAL asks the
sandbox over HTTP for a new one, before the first expires. The secret's
client also exchanges a user's Teams SSO token on their behalf.

``clock`` moves the time MSAL reads (``time.time``) and the sandbox identity
platform's clock together, so hours pass without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest

from bot.infra.app_tokens import AppTokens, TokenError, app_tokens_for
from config.settings import Settings
from sandbox.seed import BOT_APP_ID, MEGAN_ID, TENANT_ID
from sandbox.server import SandboxHandle
from tests.certificates import certificate_pem, new_key, self_signed, write_pem
from tests.integration.identity_rig import GRANT_PERMISSION, SECRET, https_sandbox

__all__ = ["https_sandbox"]  # fixture

GRAPH = "https://graph.microsoft.com"


def settings_for(sandbox: SandboxHandle, **credential: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        client_id=BOT_APP_ID,
        tenant_id=TENANT_ID,
        authority_host=sandbox.url,
        graph_base_url=sandbox.url,
        **credential,  # type: ignore[arg-type]
    )


@pytest.fixture
def trusted(https_sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> SandboxHandle:
    assert https_sandbox.ca_file
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", https_sandbox.ca_file)
    return https_sandbox


class ShiftedClock:
    """The real time plus ``offset`` seconds."""

    def __init__(self, real: Callable[[], float]) -> None:
        self._real = real
        self.offset = 0.0

    def __call__(self) -> float:
        return self._real() + self.offset


@pytest.fixture
def clock(trusted: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> ShiftedClock:
    shifted = ShiftedClock(time.time)
    monkeypatch.setattr(time, "time", shifted)
    monkeypatch.setattr(trusted.tenant.identity, "clock", shifted)
    return shifted


def claims(token: str) -> dict[str, Any]:
    found: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return found


async def reused_until(
    sandbox: SandboxHandle, tokens: AppTokens, clock: ShiftedClock, renews_after: float
) -> str:
    """The first token, served again from MSAL's cache until just before its renewal point."""
    first = await tokens.token(GRAPH)
    assert await tokens.token(GRAPH) == first
    clock.offset = renews_after - 5
    assert await tokens.token(GRAPH) == first
    assert len(sandbox.tenant.identity.token_requests) == 1  # the others came from the cache
    assert claims(first)["appid"] == BOT_APP_ID
    return first


async def renewed_before_expiry(
    sandbox: SandboxHandle, tokens: AppTokens, clock: ShiftedClock, first: str, renews_after: float
) -> None:
    """Past the renewal point MSAL asks the sandbox over HTTP, and then serves the new token."""
    clock.offset = renews_after + 5
    renewed = await tokens.token(GRAPH)
    assert len(sandbox.tenant.identity.token_requests) == 2
    assert renewed != first
    assert clock() < claims(first)["exp"]  # the first one had not expired yet
    assert claims(renewed)["exp"] > claims(first)["exp"]
    assert await tokens.token(GRAPH) == renewed
    assert len(sandbox.tenant.identity.token_requests) == 2


async def roles_reused_then_renewed(
    sandbox: SandboxHandle, tokens: AppTokens, clock: ShiftedClock, *, renews_after: float
) -> list[str]:
    try:
        first = await reused_until(sandbox, tokens, clock, renews_after)
        await renewed_before_expiry(sandbox, tokens, clock, first, renews_after)
    finally:
        tokens.close()
    roles: list[str] = claims(first)["roles"]
    return roles


MSAL_RENEWS_WITH_SECONDS_LEFT = 300
"""MSAL renews a cached token in its last five minutes (the sandbox sends no ``refresh_in``)."""


def renewal_point(sandbox: SandboxHandle) -> float:
    return sandbox.tenant.identity.token_lifetime_seconds - MSAL_RENEWS_WITH_SECONDS_LEFT


async def test_client_secret(trusted: SandboxHandle, clock: ShiftedClock) -> None:
    trusted.tenant.identity.register_client(BOT_APP_ID, secret=SECRET, app_roles=[GRANT_PERMISSION])
    tokens = app_tokens_for(settings_for(trusted, client_secret=SECRET))
    roles = await roles_reused_then_renewed(
        trusted, tokens, clock, renews_after=renewal_point(trusted)
    )
    assert roles == [GRANT_PERMISSION]


async def test_on_behalf_of_a_signed_in_user(trusted: SandboxHandle) -> None:
    trusted.tenant.identity.register_client(
        BOT_APP_ID,
        secret=SECRET,
        app_roles=[GRANT_PERMISSION],
        delegated_scopes=[GRANT_PERMISSION],
    )
    sso = trusted.tenant.identity.sso_token("meganb@example.com", BOT_APP_ID, base_url=trusted.url)
    tokens = app_tokens_for(settings_for(trusted, client_secret=SECRET))
    try:
        assert tokens.can_act_for_users
        app_only = await tokens.token(GRAPH)
        delegated = await tokens.for_user(sso, [f"{GRAPH}/{GRANT_PERMISSION}"])
        with pytest.raises(TokenError, match=r"invalid_grant \(AADSTS65001\)"):
            await tokens.for_user(sso, [f"{GRAPH}/Mail.Read"])
    finally:
        tokens.close()
    assert claims(app_only)["idtyp"] == "app"
    user = claims(delegated)
    assert (user["idtyp"], user["oid"], user["scp"]) == ("user", MEGAN_ID, GRANT_PERMISSION)
    assert [r.grant_type for r in trusted.tenant.identity.token_requests] == [
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
    ]


async def test_a_wrong_secret_is_refused_naming_the_entra_error(trusted: SandboxHandle) -> None:
    trusted.tenant.identity.register_client(BOT_APP_ID, secret=SECRET)
    tokens = app_tokens_for(settings_for(trusted, client_secret="not-the-secret"))
    try:
        with pytest.raises(TokenError, match=r"invalid_client \(AADSTS7000215\)") as refused:
            await tokens.token(GRAPH)
    finally:
        tokens.close()
    assert "not-the-secret" not in str(refused.value)


async def test_certificate(trusted: SandboxHandle, clock: ShiftedClock, tmp_path: Path) -> None:
    key = new_key()
    certificate = self_signed(key)
    trusted.tenant.identity.register_client(
        BOT_APP_ID, certificate_pem=certificate_pem(certificate), app_roles=[GRANT_PERMISSION]
    )
    path = write_pem(tmp_path / "bot.pem", key, certificate)
    tokens = app_tokens_for(settings_for(trusted, client_certificate_path=str(path)))
    try:
        first = await reused_until(trusted, tokens, clock, renewal_point(trusted))
    finally:
        tokens.close()
    # Not renewed here: the sandbox checks a client assertion's "iat" against the real time,
    # so one MSAL signs at the moved clock is refused. Renewal is MSAL's, alike for every
    # credential; the client secret and the managed identity show it.
    assert claims(first)["roles"] == [GRANT_PERMISSION]


async def test_a_certificate_the_app_does_not_know_is_refused(
    trusted: SandboxHandle, tmp_path: Path
) -> None:
    registered = self_signed(new_key())
    trusted.tenant.identity.register_client(BOT_APP_ID, certificate_pem=certificate_pem(registered))
    other = new_key()
    path = write_pem(tmp_path / "other.pem", other, self_signed(other))
    tokens = app_tokens_for(settings_for(trusted, client_certificate_path=str(path)))
    try:
        with pytest.raises(TokenError, match="invalid_client"):
            await tokens.token(GRAPH)
    finally:
        tokens.close()


async def test_user_assigned_managed_identity(
    trusted: SandboxHandle, clock: ShiftedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    trusted.tenant.identity.enable_managed_identity(
        BOT_APP_ID, identity_header="app-service-header", app_roles=[GRANT_PERMISSION]
    )
    # App Service tokens live a day; MSAL renews those of two hours or more at half-life.
    trusted.tenant.identity.token_lifetime_seconds = 24 * 3600
    monkeypatch.setenv("IDENTITY_ENDPOINT", trusted.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", "app-service-header")
    tokens = app_tokens_for(settings_for(trusted, use_managed_identity=True))
    assert not tokens.can_act_for_users
    roles = await roles_reused_then_renewed(trusted, tokens, clock, renews_after=12 * 3600)
    assert roles == [GRANT_PERMISSION]
