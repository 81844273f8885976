"""A local stand-in for the token issuers ``/api/messages`` meets, and tokens to post with.

``IdentityServer`` publishes OpenID metadata and key sets the way
login.botframework.com and an Entra tenant do: the Bot Framework key carries
``endorsements`` (the channel ids it vouches for), the tenant has its own key
and both its v1 and v2 issuers. Tests point the bot's metadata URLs at it, so
every token a test makes is really signed and really checked. MSAL only reaches
token endpoints over https, so a stand-in issues the bot's own outgoing app
tokens; every other call stays on 127.0.0.1.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
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
from tests.integration.botrig import BotRig

BOT_APP_ID = "5b0e5a3c-7d4e-4a63-9d0b-6f1c2e3a4b5c"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
TRUSTED_KID = "trusted-key"
TENANT_KID = "tenant-key"
OUTGOING_APP_TOKEN = "local-app-token"
ENDORSED_CHANNELS = ("msteams", "skype")


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class IdentityServer:
    """OpenID metadata and key sets, as login.botframework.com and Entra publish them."""

    key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    """The Bot Framework's signing key."""
    tenant_key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    """The Entra tenant's signing key (v1 and v2 issuers share the tenant's key set)."""
    url: str = ""
    requests: list[str] = field(default_factory=list)

    @property
    def bot_metadata_url(self) -> str:
        return f"{self.url}/botframework/v1/.well-known/openidconfiguration"

    def v2_issuer(self, tenant: str = TENANT_ID) -> str:
        return f"{self.url}/{tenant}/v2.0"

    def v1_issuer(self, tenant: str = TENANT_ID) -> str:
        return f"{self.url}/sts/{tenant}/"

    def app(self) -> web.Application:
        routes = web.RouteTableDef()
        bot_jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        bot_keys = {
            "keys": [
                {
                    **bot_jwk,
                    "kid": TRUSTED_KID,
                    "use": "sig",
                    "alg": "RS256",
                    "endorsements": list(ENDORSED_CHANNELS),
                }
            ]
        }
        tenant_jwk = RSAAlgorithm.to_jwk(self.tenant_key.public_key(), as_dict=True)
        tenant_keys = {"keys": [{**tenant_jwk, "kid": TENANT_KID, "use": "sig", "alg": "RS256"}]}

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
        async def bot_key_set(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            return web.json_response(bot_keys)

        @routes.get("/{tenant}/v2.0/.well-known/openid-configuration")
        async def entra_v2_metadata(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            tenant = request.match_info["tenant"]
            return web.json_response(
                {"issuer": self.v2_issuer(tenant), "jwks_uri": f"{self.url}/entra/keys"}
            )

        @routes.get("/{tenant}/.well-known/openid-configuration")
        async def entra_v1_metadata(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            tenant = request.match_info["tenant"]
            return web.json_response(
                {"issuer": self.v1_issuer(tenant), "jwks_uri": f"{self.url}/entra/keys"}
            )

        @routes.get("/entra/keys")
        async def entra_key_set(request: web.Request) -> web.Response:
            self.requests.append(request.path)
            return web.json_response(tenant_keys)

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
    service_url: str | None,
    *,
    key: rsa.RSAPrivateKey | None = None,
    kid: str = TRUSTED_KID,
    algorithm: str = "RS256",
    **claims: Any,
) -> str:
    """A Bot Framework channel token for ``service_url``; ``claims`` change or drop (None) some."""
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


def tenant_token(identity: IdentityServer, *, version: int, caller: str, **claims: Any) -> str:
    """A token the tenant's Entra issues, signed with its key: v1 names the caller in
    ``appid``, v2 in ``azp``. App-only unless ``claims`` add a user's ``scp``."""
    issued: dict[str, Any] = {
        "iss": identity.v1_issuer() if version == 1 else identity.v2_issuer(),
        "tid": TENANT_ID,
        "ver": f"{version}.0",
        "serviceurl": None,
        "oid": str(uuid.uuid4()),
        "idtyp": "app",
        **({"appid": caller} if version == 1 else {"azp": caller}),
    }
    issued.update(claims)
    return token(identity, None, key=identity.tenant_key, kid=TENANT_KID, **issued)


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
