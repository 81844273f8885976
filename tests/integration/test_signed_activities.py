"""Outside sandbox mode only activities with a valid Bot Framework token reach a handler.

A local identity server publishes OpenID metadata and the key set of an RSA key
made here, and the bot runs with (test) credentials and its metadata URLs
pointed at it. Every refused request must get 401 with nothing posted to the
recording connector and nothing written to the store; the valid token must be
handled. MSAL only reaches token endpoints over https, so a stand-in issues the
bot's own outgoing app tokens; every other call stays on 127.0.0.1.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import msal
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import func, select

from bot.store.tables import Base
from sandbox.seed import TENANT_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, running_bot
from tests.integration.diagnosis_rig import LYNNE, personal_message

BOT_APP_ID = "5b0e5a3c-7d4e-4a63-9d0b-6f1c2e3a4b5c"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
TRUSTED_KID = "trusted-key"
OUTGOING_APP_TOKEN = "local-app-token"


@dataclass
class IdentityServer:
    """OpenID metadata and key sets, as login.botframework.com and Entra publish them."""

    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    url: str = ""
    requests: list[str] = field(default_factory=list)

    @property
    def bot_metadata_url(self) -> str:
        return f"{self.url}/botframework/v1/.well-known/openidconfiguration"

    def app(self) -> web.Application:
        routes = web.RouteTableDef()
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        key_set = {"keys": [{**jwk, "kid": TRUSTED_KID, "use": "sig", "alg": "RS256"}]}

        @routes.get("/botframework/v1/.well-known/openidconfiguration")
        async def bot_metadata(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            return web.json_response(
                {
                    "issuer": BOT_FRAMEWORK_ISSUER,
                    "jwks_uri": f"{self.url}/botframework/v1/.well-known/keys",
                }
            )

        @routes.get("/botframework/v1/.well-known/keys")
        async def bot_keys(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            return web.json_response(key_set)

        @routes.get("/{tenant}/v2.0/.well-known/openid-configuration")
        async def entra_v2_metadata(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            tenant = request.match_info["tenant"]
            return web.json_response(
                {"issuer": f"{self.url}/{tenant}/v2.0", "jwks_uri": f"{self.url}/entra/keys"}
            )

        @routes.get("/{tenant}/.well-known/openid-configuration")
        async def entra_v1_metadata(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            tenant = request.match_info["tenant"]
            return web.json_response(
                {"issuer": f"{self.url}/sts/{tenant}/", "jwks_uri": f"{self.url}/entra/keys"}
            )

        @routes.get("/entra/keys")
        async def entra_keys(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            return web.json_response(key_set)

        app = web.Application()
        app.router.add_routes(routes)
        return app


class LocalConfidentialClient(msal.ConfidentialClientApplication):  # type: ignore[misc]
    """Stands in for MSAL, whose authority must be https, so app tokens stay local."""

    def __init__(self, *_args: object, **_kwargs: object) -> None:
        """No authority discovery: nothing leaves this machine."""

    def acquire_token_for_client(self, *_args: object, **_kwargs: object) -> dict[str, Any]:
        return {"access_token": OUTGOING_APP_TOKEN, "token_type": "Bearer", "expires_in": 3600}

    def remove_tokens_for_client(self) -> None:
        """Nothing is cached here."""


@pytest.fixture
def local_msal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(msal, "ConfidentialClientApplication", LocalConfidentialClient)
    monkeypatch.setattr(
        "microsoft_agents.authentication.msal.msal_auth.ConfidentialClientApplication",
        LocalConfidentialClient,
    )


@pytest.fixture
async def identity() -> AsyncIterator[IdentityServer]:
    server = IdentityServer()
    runner = web.AppRunner(server.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield server
    await runner.cleanup()


def production_overrides(identity: IdentityServer) -> dict[str, Any]:
    return {
        "client_id": BOT_APP_ID,
        "client_secret": "test-only-secret",
        "tenant_id": TENANT_ID,
        "authority_host": identity.url,
        "bot_openid_metadata_url": identity.bot_metadata_url,
    }


def token(
    identity: IdentityServer,
    service_url: str,
    *,
    key: rsa.RSAPrivateKey | None = None,
    kid: str = TRUSTED_KID,
    algorithm: str = "RS256",
    **claims: Any,
) -> str:
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": BOT_FRAMEWORK_ISSUER,
        "aud": BOT_APP_ID,
        "serviceurl": service_url,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + 3600,
        "jti": uuid.uuid4().hex,
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    signing_key: Any = key or identity.key
    if algorithm == "none":
        signing_key = None
    return jwt.encode(payload, signing_key, algorithm=algorithm, headers={"kid": kid})


async def post(bot: BotRig, body: dict[str, Any], authorization: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    async with bot.http.post(f"{bot.url}/api/messages", json=body, headers=headers) as response:
        return response.status


async def stored_rows(bot: BotRig) -> int:
    async with bot.services.sessions() as session:
        total = 0
        for table in Base.metadata.sorted_tables:
            total += await session.scalar(select(func.count()).select_from(table)) or 0
        return total


def refused_cases(identity: IdentityServer, service_url: str) -> dict[str, str | None]:
    rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    hour_ago = int(time.time()) - 3600
    return {
        "no Authorization header": None,
        "empty Authorization header": "",
        "expired": "Bearer " + token(identity, service_url, exp=hour_ago, nbf=hour_ago - 60),
        "not yet valid": "Bearer " + token(identity, service_url, nbf=int(time.time()) + 3600),
        "wrong audience": "Bearer " + token(identity, service_url, aud=str(uuid.uuid4())),
        "no audience": "Bearer " + token(identity, service_url, aud=None),
        "wrong issuer": "Bearer " + token(identity, service_url, iss="https://api.example.com"),
        "no expiry": "Bearer " + token(identity, service_url, exp=None),
        "unknown key id": "Bearer " + token(identity, service_url, key=rogue, kid="rogue-key"),
        "known key id, other key": "Bearer " + token(identity, service_url, key=rogue),
        "unsigned (alg none)": "Bearer " + token(identity, service_url, algorithm="none"),
        "other service": "Bearer " + token(identity, "https://smba.example.com/amer/"),
        "no serviceurl claim": "Bearer " + token(identity, service_url, serviceurl=None),
        "malformed token": "Bearer not.a.token",
        "not a JWT at all": "Bearer garbage",
        "basic scheme": "Basic dXNlcjpwYXNz",
        "bearer without token": "Bearer ",
    }


async def test_only_valid_tokens_reach_a_handler(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    identity: IdentityServer,
    local_msal: None,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    overrides = production_overrides(identity)
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, **overrides
    ) as bot:
        assert bot.services.settings.accepts_unsigned_activities is False
        rows_before = await stored_rows(bot)
        for case, authorization in refused_cases(identity, connector.url).items():
            body = personal_message("help", connector.url, LYNNE, "en-US")
            assert await post(bot, body, authorization) == 401, case
            assert connector.calls == [], case
            assert await stored_rows(bot) == rows_before, case

        body = personal_message("help", connector.url, LYNNE, "en-US")
        assert await post(bot, body, "Bearer " + token(identity, connector.url)) in {200, 202}
        assert len(connector.posts()) == 1  # the help card
        assert await stored_rows(bot) > rows_before  # the personal chat is remembered

    assert all(
        path.startswith(("/botframework/", "/entra/", f"/{TENANT_ID}/"))
        for path in identity.requests
    )
    assert "/botframework/v1/.well-known/keys" in identity.requests


async def test_unreadable_signing_keys_refuse_with_503_and_no_handler(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    identity: IdentityServer,
    local_msal: None,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    overrides = {
        **production_overrides(identity),
        "bot_openid_metadata_url": f"{identity.url}/nothing-here",
        "authority_host": f"{identity.url}/nothing-here",
    }
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, **overrides
    ) as bot:
        rows_before = await stored_rows(bot)
        body = personal_message("help", connector.url, LYNNE, "en-US")
        assert await post(bot, body, "Bearer " + token(identity, connector.url)) == 503
        assert await post(bot, body, None) == 401
        assert connector.calls == []
        assert await stored_rows(bot) == rows_before


async def test_unsigned_activities_with_credentials_only_when_dangerously_allowed(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    identity: IdentityServer,
    local_msal: None,
    clock: ManualClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    overrides = {**production_overrides(identity), "allow_unsigned_activities_dangerous": True}
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, **overrides
    ) as bot:
        body = personal_message("help", connector.url, LYNNE, "en-US")
        assert await post(bot, body, None) in {200, 202}
        assert len(connector.posts()) == 1
        # A token that is sent is still checked.
        forged = "Bearer " + token(identity, connector.url, aud=str(uuid.uuid4()))
        assert await post(bot, body, forged) == 401
        assert len(connector.posts()) == 1
    assert "ALLOW_UNSIGNED_ACTIVITIES_DANGEROUS" in caplog.text
