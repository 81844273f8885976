"""The bot's own tokens through MSAL from the sandbox's token endpoint, for each credential kind.

``app_tokens_for`` is what the running bot uses: a client secret, a
certificate (client assertion signed with the private key) or a user-assigned
managed identity (App Service endpoint). Each gets a Graph token carrying the
registration's application permissions, and a second ask is served from the
cache without another token request.
"""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest

from bot.infra.app_tokens import AppTokens, TokenError, app_tokens_for
from config.settings import Settings
from sandbox.seed import BOT_APP_ID, TENANT_ID
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


async def roles_twice(sandbox: SandboxHandle, tokens: AppTokens) -> list[str]:
    try:
        first = await tokens.token(GRAPH)
        assert await tokens.token(GRAPH) == first
    finally:
        tokens.close()
    claims = jwt.decode(first, options={"verify_signature": False})
    assert claims["appid"] == BOT_APP_ID
    assert len(sandbox.tenant.identity.token_requests) == 1  # the second came from the cache
    roles: list[str] = claims["roles"]
    return roles


async def test_client_secret(trusted: SandboxHandle) -> None:
    trusted.tenant.identity.register_client(BOT_APP_ID, secret=SECRET, app_roles=[GRANT_PERMISSION])
    tokens = app_tokens_for(settings_for(trusted, client_secret=SECRET))
    assert await roles_twice(trusted, tokens) == [GRANT_PERMISSION]


async def test_a_wrong_secret_is_refused_naming_the_entra_error(trusted: SandboxHandle) -> None:
    trusted.tenant.identity.register_client(BOT_APP_ID, secret=SECRET)
    tokens = app_tokens_for(settings_for(trusted, client_secret="not-the-secret"))
    try:
        with pytest.raises(TokenError, match=r"invalid_client \(AADSTS7000215\)") as refused:
            await tokens.token(GRAPH)
    finally:
        tokens.close()
    assert "not-the-secret" not in str(refused.value)


async def test_certificate(trusted: SandboxHandle, tmp_path: Path) -> None:
    key = new_key()
    certificate = self_signed(key)
    trusted.tenant.identity.register_client(
        BOT_APP_ID, certificate_pem=certificate_pem(certificate), app_roles=[GRANT_PERMISSION]
    )
    path = write_pem(tmp_path / "bot.pem", key, certificate)
    tokens = app_tokens_for(settings_for(trusted, client_certificate_path=str(path)))
    assert await roles_twice(trusted, tokens) == [GRANT_PERMISSION]


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
    trusted: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    trusted.tenant.identity.enable_managed_identity(
        BOT_APP_ID, identity_header="app-service-header", app_roles=[GRANT_PERMISSION]
    )
    monkeypatch.setenv("IDENTITY_ENDPOINT", trusted.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", "app-service-header")
    tokens = app_tokens_for(settings_for(trusted, use_managed_identity=True))
    assert not tokens.can_act_for_users
    assert await roles_twice(trusted, tokens) == [GRANT_PERMISSION]
