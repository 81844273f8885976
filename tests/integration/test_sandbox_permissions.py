"""The sandbox enforces each endpoint's documented permissions on the bot's local token.

What the tenant granted the bot is a control (``/_sandbox/permissions``,
``./run sandbox permissions``); Graph's answers follow it: 403
``Authorization_RequestDenied`` for a call no granted permission allows, and
directory roles with only ``id`` and ``@odata.type`` when the app may not read
them (Graph's "limited information").
"""

from __future__ import annotations

from typing import Any

import aiohttp

from sandbox.seed import ALEX_ID, BOT_APPLICATION_PERMISSIONS

LOCAL = {"Authorization": "Bearer sandbox-local-token"}
ROLES_OF_ALEX = f"/v1.0/users/{ALEX_ID}/transitiveMemberOf/microsoft.graph.directoryRole"


async def _get(http: aiohttp.ClientSession, path: str) -> tuple[int, dict[str, Any]]:
    async with http.get(path, headers=LOCAL) as response:
        return response.status, await response.json()


async def _grant(http: aiohttp.ClientSession, names: list[str]) -> list[str]:
    async with http.post("/_sandbox/permissions", json={"application": names}) as response:
        assert response.status == 200
        granted: list[str] = (await response.json())["application"]
        return granted


async def test_the_bot_holds_the_least_privilege_set_by_default(
    http: aiohttp.ClientSession,
) -> None:
    async with http.get("/_sandbox/permissions") as response:
        assert set((await response.json())["application"]) == BOT_APPLICATION_PERMISSIONS
    status, body = await _get(http, ROLES_OF_ALEX)
    assert status == 200
    assert all(role.get("roleTemplateId") for role in body["value"])


async def test_a_call_no_granted_permission_allows_is_refused(
    http: aiohttp.ClientSession,
) -> None:
    await _grant(http, sorted(BOT_APPLICATION_PERMISSIONS - {"ConsentRequest.Read.All"}))
    status, body = await _get(http, "/v1.0/identityGovernance/appConsent/appConsentRequests")
    assert status == 403
    assert body["error"]["code"] == "Authorization_RequestDenied"
    # Any other token (development, older tests) is still the all-powerful local caller.
    foreign = {"Authorization": "Bearer some-development-token"}
    async with http.get(
        "/v1.0/identityGovernance/appConsent/appConsentRequests", headers=foreign
    ) as response:
        assert response.status == 200


async def test_roles_the_app_may_not_read_come_back_with_only_id_and_type(
    http: aiohttp.ClientSession,
) -> None:
    await _grant(http, sorted(BOT_APPLICATION_PERMISSIONS - {"RoleManagement.Read.Directory"}))
    status, body = await _get(http, ROLES_OF_ALEX)
    assert status == 200
    assert body["value"]
    assert all(set(role) <= {"id", "@odata.type"} for role in body["value"])


async def test_bad_permission_names_are_refused(http: aiohttp.ClientSession) -> None:
    async with http.post("/_sandbox/permissions", json={"application": ["Not a name"]}) as answer:
        assert answer.status == 400
    async with http.get("/_sandbox/permissions") as response:
        assert set((await response.json())["application"]) == BOT_APPLICATION_PERMISSIONS
