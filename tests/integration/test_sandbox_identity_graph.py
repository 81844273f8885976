"""Sandbox Graph checks the tokens its identity platform issues.

Writing a delegated permission grant needs ``DelegatedPermissionGrant.ReadWrite.All``:
as an application permission for an app-only token, or as a delegated
permission of a user who holds a consent-granting directory role. The grant
records who wrote it, so a test can tell "approved on behalf of Megan" from
"approved by the bot's own identity".
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import jwt
import msal
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.seed import ADELE_ID, BOT_APP_ID, MEGAN_ID
from sandbox.server import SandboxHandle
from tests.integration.identity_rig import (
    GRANT_PERMISSION,
    GRAPH,
    AppFactory,
    claims,
    http,
    https_sandbox,
    msal_apps,
    register_bot,
    sso_token,
)

__all__ = ["http", "https_sandbox", "msal_apps"]  # fixtures
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


def _new_grant(sandbox: SandboxHandle) -> dict[str, Any]:
    client = sandbox.tenant.app_properties("Pipeline CRM Sidebar")["servicePrincipalId"]
    graph = sandbox.tenant.apps.sp_for_app(GRAPH_APP_ID)
    assert graph is not None
    return {
        "clientId": client,
        "consentType": "AllPrincipals",
        "resourceId": graph.id,
        "scope": "User.Read",
    }


async def _post_grant(
    http: aiohttp.ClientSession, sandbox: SandboxHandle, token: str
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.post(
        "/v1.0/oauth2PermissionGrants", json=_new_grant(sandbox), headers=headers
    ) as response:
        body: dict[str, Any] = await response.json()
        return response.status, body


async def _app_token(app: msal.ConfidentialClientApplication) -> str:
    result = await asyncio.to_thread(app.acquire_token_for_client, [f"{GRAPH}/.default"])
    token: str = result["access_token"]
    return token


async def _delegated_token(
    app: msal.ConfidentialClientApplication, http: aiohttp.ClientSession, user: str
) -> str:
    assertion = await sso_token(http, user)
    result = await asyncio.to_thread(
        app.acquire_token_on_behalf_of, assertion, [f"{GRAPH}/{GRANT_PERMISSION}"]
    )
    token: str = result["access_token"]
    return token


def _granted_by(sandbox: SandboxHandle) -> list[str]:
    return [
        g["grantedBy"]
        for g in sandbox.tenant.grants()
        if g["clientDisplayName"] == "Pipeline CRM Sidebar" and g["consentType"] == "AllPrincipals"
    ]


async def test_app_token_needs_the_grant_permission(
    https_sandbox: SandboxHandle, http: aiohttp.ClientSession, msal_apps: AppFactory
) -> None:
    register_bot(https_sandbox, app_roles=("Application.Read.All",))
    without = await _app_token(await msal_apps())

    status, refused = await _post_grant(http, https_sandbox, without)

    assert status == 403
    assert refused["error"]["code"] == "Authorization_RequestDenied"
    assert refused["error"]["message"] == "Insufficient privileges to complete the operation."
    assert _granted_by(https_sandbox) == []

    register_bot(https_sandbox, app_roles=(GRANT_PERMISSION,))
    with_role = await _app_token(await msal_apps())
    status, created = await _post_grant(http, https_sandbox, with_role)

    assert status == 201, created
    assert _granted_by(https_sandbox) == [BOT_APP_ID]


async def test_delegated_token_needs_a_consent_granting_role(
    https_sandbox: SandboxHandle, http: aiohttp.ClientSession, msal_apps: AppFactory
) -> None:
    register_bot(https_sandbox)
    app = await msal_apps()
    adele = await _delegated_token(app, http, "adelev@example.com")
    megan = await _delegated_token(app, http, "meganb@example.com")
    assert claims(adele)["oid"] == ADELE_ID

    status, refused = await _post_grant(http, https_sandbox, adele)
    assert status == 403
    assert refused["error"]["code"] == "Authorization_RequestDenied"

    status, created = await _post_grant(http, https_sandbox, megan)
    assert status == 201, created
    assert _granted_by(https_sandbox) == [MEGAN_ID]

    headers = {"Authorization": f"Bearer {adele}"}
    patch = {"scope": "User.Read openid"}
    async with http.patch(
        f"/v1.0/oauth2PermissionGrants/{created['id']}", json=patch, headers=headers
    ) as response:
        assert response.status == 403
    async with http.delete(
        f"/v1.0/oauth2PermissionGrants/{created['id']}", headers=headers
    ) as response:
        assert response.status == 403
    # Reads need no special permission.
    async with http.get(f"/v1.0/oauth2PermissionGrants/{created['id']}", headers=headers) as got:
        assert got.status == 200


async def test_a_batched_write_is_checked_like_a_direct_one(
    https_sandbox: SandboxHandle, http: aiohttp.ClientSession, msal_apps: AppFactory
) -> None:
    register_bot(https_sandbox, app_roles=())
    token = await _app_token(await msal_apps())
    batch = {
        "requests": [
            {
                "id": "1",
                "method": "POST",
                "url": "/oauth2PermissionGrants",
                "body": _new_grant(https_sandbox),
                "headers": {"Content-Type": "application/json"},
            }
        ]
    }
    headers = {"Authorization": f"Bearer {token}"}
    async with http.post("/v1.0/$batch", json=batch, headers=headers) as response:
        [inner] = (await response.json())["responses"]
    assert inner["status"] == 403


async def test_expired_and_forged_sandbox_tokens_are_refused(
    https_sandbox: SandboxHandle, http: aiohttp.ClientSession, msal_apps: AppFactory
) -> None:
    register_bot(https_sandbox)
    https_sandbox.tenant.identity.clock = lambda: time.time() - 7200
    expired = await _app_token(await msal_apps())
    https_sandbox.tenant.identity.clock = time.time
    forged_claims = claims(await _app_token(await msal_apps(client_id=BOT_APP_ID)))
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(forged_claims, other_key, algorithm="RS256")

    for token, message in (
        (expired, "Access token has expired or is not yet valid."),
        (forged, "Access token validation failure."),
    ):
        headers = {"Authorization": f"Bearer {token}"}
        async with http.get("/v1.0/oauth2PermissionGrants", headers=headers) as response:
            assert response.status == 401
            assert "Bearer" in response.headers["WWW-Authenticate"]
            error = (await response.json())["error"]
        assert error["code"] == "InvalidAuthenticationToken"
        assert error["message"] == message


async def test_the_local_token_is_the_bot_and_foreign_tokens_stay_all_powerful(
    https_sandbox: SandboxHandle, http: aiohttp.ClientSession
) -> None:
    status, _ = await _post_grant(http, https_sandbox, "sandbox-local-token")
    assert status == 201  # the bot's app holds DelegatedPermissionGrant.ReadWrite.All
    assert _granted_by(https_sandbox) == [BOT_APP_ID]

    https_sandbox.tenant.set_bot_permissions([])
    status, _ = await _post_grant(http, https_sandbox, "sandbox-local-token")
    assert status == 403
    status, _ = await _post_grant(http, https_sandbox, "a-development-token")
    assert status == 409  # allowed (not 403); the grant exists already
