"""The sandbox's identity platform, driven through MSAL as the bot drives Entra.

Client credentials (secret and certificate), on-behalf-of from a Teams SSO
token, and the App Service managed identity, with the AADSTS errors the bot
has to recognise. Discovery and the JWKS are checked over raw HTTP.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import jwt
import msal
import pytest
import requests

from sandbox.seed import BOT_APP_ID, MEGAN_ID, TENANT_ID
from sandbox.server import SandboxHandle, start_sandbox
from tests.integration.identity_rig import (
    GRANT_PERMISSION,
    GRAPH,
    AppFactory,
    claims,
    client_certificate,
    http,
    https_sandbox,
    msal_apps,
    register_bot,
    sso_token,
)

__all__ = ["http", "https_sandbox", "msal_apps"]  # fixtures


async def _for_client(
    app: msal.ConfidentialClientApplication, scope: str = f"{GRAPH}/.default"
) -> dict[str, Any]:
    def acquire() -> dict[str, Any]:
        result: dict[str, Any] = app.acquire_token_for_client([scope])
        return result

    return await asyncio.to_thread(acquire)


async def test_discovery_documents_name_this_server(
    https_sandbox: SandboxHandle, http: aiohttp.ClientSession
) -> None:
    base = https_sandbox.url
    async with http.get(f"/{TENANT_ID}/v2.0/.well-known/openid-configuration") as response:
        v2 = await response.json()
    assert v2["issuer"] == f"{base}/{TENANT_ID}/v2.0"
    assert v2["token_endpoint"] == f"{base}/{TENANT_ID}/oauth2/v2.0/token"
    assert v2["authorization_endpoint"] == f"{base}/{TENANT_ID}/oauth2/v2.0/authorize"
    assert v2["jwks_uri"] == f"{base}/{TENANT_ID}/discovery/v2.0/keys"
    assert v2["id_token_signing_alg_values_supported"] == ["RS256"]
    async with http.get(f"/{TENANT_ID}/.well-known/openid-configuration") as response:
        assert (await response.json())["issuer"] == f"{base}/{TENANT_ID}/"
    async with http.get("/contoso.example/v2.0/.well-known/openid-configuration") as response:
        assert response.status == 400
        refused = await response.json()
    assert refused["error"] == "invalid_tenant"
    assert refused["error_codes"] == [90002]
    assert refused["error_description"].startswith("AADSTS90002: Tenant 'contoso.example'")


async def test_client_secret_gives_an_app_token_with_the_registered_roles_and_is_cached(
    https_sandbox: SandboxHandle, http: aiohttp.ClientSession, msal_apps: AppFactory
) -> None:
    register_bot(https_sandbox)
    app = await msal_apps()

    first = await _for_client(app)
    again = await _for_client(app)

    assert first["token_type"] == "Bearer"
    assert again["token_source"] == "cache"
    assert len(https_sandbox.tenant.identity.token_requests) == 1
    [served] = https_sandbox.tenant.identity.token_requests
    assert (served.grant_type, served.client_id) == ("client_credentials", BOT_APP_ID)
    async with http.get(f"/{TENANT_ID}/discovery/v2.0/keys") as response:
        [key] = (await response.json())["keys"]
    assert key["use"] == "sig"
    assert key["kty"] == "RSA"
    # A resource server validates with the published key, as the bot does with Entra's.
    token = jwt.decode(
        first["access_token"],
        jwt.PyJWK(key).key,
        algorithms=["RS256"],
        audience=GRAPH,
        issuer=f"{https_sandbox.url}/{TENANT_ID}/v2.0",
    )
    assert token["roles"] == [GRANT_PERMISSION]
    assert token["idtyp"] == "app"
    assert token["appid"] == token["azp"] == BOT_APP_ID
    assert token["tid"] == TENANT_ID
    bot_sp = https_sandbox.tenant.apps.sp_for_app(BOT_APP_ID)
    assert bot_sp is not None
    assert token["oid"] == bot_sp.id
    assert token["exp"] - token["iat"] == 3599


async def test_app_without_roles_gets_no_roles_claim(
    https_sandbox: SandboxHandle, msal_apps: AppFactory
) -> None:
    register_bot(https_sandbox, app_roles=())
    app = await msal_apps()
    result = await _for_client(app, "https://api.botframework.com/.default")
    token = claims(result["access_token"])
    assert "roles" not in token
    assert token["aud"] == "https://api.botframework.com"


@pytest.mark.parametrize("sha1", [True, False], ids=["x5t-RS256", "x5t#S256-PS256"])
async def test_certificate_credential(
    https_sandbox: SandboxHandle, sha1: bool, msal_apps: AppFactory
) -> None:
    certificate = client_certificate()
    register_bot(https_sandbox, certificate_pem=certificate.certificate_pem.encode())
    app = await msal_apps(certificate.msal_credential(sha1=sha1))
    result = await _for_client(app)
    assert claims(result["access_token"])["roles"] == [GRANT_PERMISSION]


async def test_certificate_registered_through_the_control_surface(
    https_sandbox: SandboxHandle, http: aiohttp.ClientSession, msal_apps: AppFactory
) -> None:
    certificate = client_certificate()
    body = {
        "client_id": "11111111-2222-4333-8444-555555555555",
        "certificate_pem": certificate.certificate_pem,
        "app_roles": ["Application.Read.All"],
    }
    async with http.post("/_sandbox/identity/clients", json=body) as response:
        assert response.status == 201
    app = await msal_apps(certificate.msal_credential(), body["client_id"])
    result = await _for_client(app)
    assert claims(result["access_token"])["roles"] == ["Application.Read.All"]


async def test_another_certificate_is_refused(
    https_sandbox: SandboxHandle, msal_apps: AppFactory
) -> None:
    register_bot(https_sandbox, certificate_pem=client_certificate().certificate_pem.encode())
    app = await msal_apps(client_certificate("impostor").msal_credential())
    result = await _for_client(app)
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [700027]


async def test_wrong_secret_and_unknown_client_are_refused_as_entra_does(
    https_sandbox: SandboxHandle, msal_apps: AppFactory
) -> None:
    register_bot(https_sandbox)
    wrong = await msal_apps("not-the-secret")
    unknown = await msal_apps("x", "99999999-0000-4000-8000-000000000000")

    bad_secret = await _for_client(wrong)
    no_client = await _for_client(unknown)

    assert bad_secret["error"] == "invalid_client"
    assert bad_secret["error_description"].startswith("AADSTS7000215: Invalid client secret")
    assert no_client["error"] == "invalid_client"
    assert no_client["error_codes"] == [700016]
    assert {"timestamp", "trace_id", "correlation_id"} <= set(no_client)
    assert https_sandbox.tenant.identity.token_requests == []


async def _on_behalf_of(
    app: msal.ConfidentialClientApplication, assertion: str, scopes: list[str]
) -> dict[str, Any]:
    def acquire() -> dict[str, Any]:
        result: dict[str, Any] = app.acquire_token_on_behalf_of(assertion, scopes)
        return result

    return await asyncio.to_thread(acquire)


async def test_on_behalf_of_a_teams_sso_token(
    https_sandbox: SandboxHandle, http: aiohttp.ClientSession, msal_apps: AppFactory
) -> None:
    register_bot(https_sandbox)
    app = await msal_apps()
    assertion = await sso_token(http, "meganb@example.com")
    sso = claims(assertion)
    assert (sso["aud"], sso["scp"], sso["oid"]) == (BOT_APP_ID, "access_as_user", MEGAN_ID)

    result = await _on_behalf_of(app, assertion, [f"{GRAPH}/{GRANT_PERMISSION}"])

    token = claims(result["access_token"])
    assert token["scp"] == GRANT_PERMISSION
    assert token["oid"] == MEGAN_ID
    assert token["upn"] == token["preferred_username"] == "meganb@example.com"
    assert token["name"] == "Megan Bowen"
    assert token["aud"] == GRAPH
    assert token["azp"] == token["appid"] == BOT_APP_ID
    assert result["id_token_claims"]["oid"] == MEGAN_ID
    served = https_sandbox.tenant.identity.token_requests[-1]
    assert served.grant_type == "urn:ietf:params:oauth:grant-type:jwt-bearer"


async def test_on_behalf_of_refuses_expired_and_foreign_assertions(
    https_sandbox: SandboxHandle, http: aiohttp.ClientSession, msal_apps: AppFactory
) -> None:
    register_bot(https_sandbox)
    app = await msal_apps()
    expired = await sso_token(http, "meganb@example.com", expired=True)
    other = await start_sandbox()  # same tenant id, its own signing key
    try:
        foreign = other.tenant.identity.sso_token(
            "meganb@example.com", BOT_APP_ID, base_url=https_sandbox.url
        )
    finally:
        await other.close()
    for_someone_else = await sso_token(
        http, "meganb@example.com", client_id="22222222-0000-4000-8000-000000000000"
    )

    for assertion in (expired, foreign, for_someone_else):
        result = await _on_behalf_of(app, assertion, [f"{GRAPH}/User.Read"])
        assert result["error"] == "invalid_grant"
        assert result["error_codes"] == [50013]


async def test_on_behalf_of_an_unconsented_scope_needs_consent(
    https_sandbox: SandboxHandle, http: aiohttp.ClientSession, msal_apps: AppFactory
) -> None:
    register_bot(https_sandbox, delegated_scopes=("User.Read",))
    app = await msal_apps()
    assertion = await sso_token(http, "meganb@example.com")

    result = await _on_behalf_of(app, assertion, [f"{GRAPH}/{GRANT_PERMISSION}"])

    assert result["error"] == "invalid_grant"
    assert result["error_codes"] == [65001]
    assert result["suberror"] == "consent_required"


def _managed_identity_token(
    sandbox: SandboxHandle, identity: dict[str, Any], resource: str = GRAPH
) -> dict[str, Any]:
    session = requests.Session()
    session.verify = sandbox.ca_file or True
    client = msal.ManagedIdentityClient(identity, http_client=session)
    try:
        result: dict[str, Any] = client.acquire_token_for_client(resource=resource)
    finally:
        session.close()
    return result


async def test_managed_identity_on_app_service(
    https_sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    identity = https_sandbox.tenant.identity
    identity.enable_managed_identity(
        BOT_APP_ID, identity_header="hdr-1", app_roles=[GRANT_PERMISSION]
    )
    identity.enable_managed_identity(
        "33333333-0000-4000-8000-000000000000", identity_header="hdr-2"
    )
    monkeypatch.setenv("IDENTITY_ENDPOINT", https_sandbox.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", "hdr-1")

    system = await asyncio.to_thread(
        _managed_identity_token, https_sandbox, msal.SystemAssignedManagedIdentity()
    )
    token = claims(system["access_token"])
    assert token["roles"] == [GRANT_PERMISSION]
    assert token["appid"] == BOT_APP_ID
    assert token["aud"] == GRAPH

    monkeypatch.setenv("IDENTITY_HEADER", "hdr-2")
    user_assigned = await asyncio.to_thread(
        _managed_identity_token,
        https_sandbox,
        msal.UserAssignedManagedIdentity(client_id="33333333-0000-4000-8000-000000000000"),
    )
    assert "roles" not in claims(user_assigned["access_token"])
    assert [r.grant_type for r in identity.token_requests] == ["managed_identity"] * 2


async def test_managed_identity_refuses_a_wrong_header(
    https_sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    https_sandbox.tenant.identity.enable_managed_identity(BOT_APP_ID, identity_header="right")
    monkeypatch.setenv("IDENTITY_ENDPOINT", https_sandbox.identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", "wrong")

    result = await asyncio.to_thread(
        _managed_identity_token, https_sandbox, msal.SystemAssignedManagedIdentity()
    )

    assert "access_token" not in result
    assert "401" in result["error_description"]
    assert https_sandbox.tenant.identity.token_requests == []
