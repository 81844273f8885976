"""The consent-situation switches and the sign-in simulator on the control surface, over HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from sandbox.seed_apps import ONECAL_APP_ID, PIPELINE_APP_ID
from sandbox.server import SandboxHandle

AUTH = {"Authorization": "Bearer sandbox-token"}
ADELE = "adelev@example.com"


async def call(
    http: aiohttp.ClientSession, method: str, url: str, body: Any = None, **kwargs: Any
) -> tuple[int, Any]:
    async with http.request(method, url, json=body, **kwargs) as response:
        return response.status, await response.json()


def app_url(name: str) -> str:
    return "/_sandbox/apps/" + quote(name, safe="")


async def test_risky_step_up_switch_reaches_both_authorization_policies(
    http: aiohttp.ClientSession,
) -> None:
    status, settings = await call(http, "GET", "/_sandbox/settings")
    assert (status, settings["risky_step_up"]) == (200, True)
    _, v1 = await call(http, "GET", "/v1.0/policies/authorizationPolicy", headers=AUTH)
    assert v1["allowUserConsentForRiskyApps"] is None

    status, settings = await call(http, "POST", "/_sandbox/settings", {"risky_step_up": False})
    assert (status, settings["risky_step_up"]) == (200, False)
    _, v1 = await call(http, "GET", "/v1.0/policies/authorizationPolicy", headers=AUTH)
    _, beta = await call(http, "GET", "/beta/policies/authorizationPolicy", headers=AUTH)
    assert v1["allowUserConsentForRiskyApps"] is True
    assert beta["value"][0]["allowUserConsentForRiskyApps"] is True


async def test_app_switches_round_trip(sandbox: SandboxHandle, http: aiohttp.ClientSession) -> None:
    status, onecal = await call(http, "GET", app_url("OneCal"))
    assert status == 200
    assert (onecal["appId"], onecal["servicePrincipal"]) == (ONECAL_APP_ID, "absent")

    changes = {"servicePrincipal": "present", "enabled": False, "assignmentRequired": True}
    status, changed = await call(http, "POST", app_url("OneCal"), changes)
    assert status == 200
    assert (changed["servicePrincipal"], changed["enabled"], changed["assignmentRequired"]) == (
        "present",
        False,
        True,
    )
    status, changed = await call(
        http, "POST", app_url(ONECAL_APP_ID), {"verified": False, "assignUsers": [ADELE]}
    )
    assert (changed["verified"], changed["assignedUsers"]) == (False, [ADELE])
    _, sp = await call(
        http, "GET", f"/v1.0/servicePrincipals(appId='{ONECAL_APP_ID}')", headers=AUTH
    )
    assert sp["accountEnabled"] is False
    assert sp["appRoleAssignmentRequired"] is True
    assert sp["verifiedPublisher"]["verifiedPublisherId"] is None

    _, changed = await call(http, "POST", app_url("OneCal"), {"unassignUsers": [ADELE]})
    assert changed["assignedUsers"] == []
    _, changed = await call(http, "POST", app_url("OneCal"), {"servicePrincipal": "absent"})
    assert changed["servicePrincipal"] == "absent"
    status, _ = await call(
        http, "GET", f"/v1.0/servicePrincipals(appId='{ONECAL_APP_ID}')", headers=AUTH
    )
    assert status == 404


async def test_admin_consent_and_classification_switches(
    sandbox: SandboxHandle, http: aiohttp.ClientSession
) -> None:
    status, granted = await call(
        http, "POST", app_url("Zeliq") + "/admin-consent", {"scopes": ["User.Read"]}
    )
    assert status == 200
    assert [g["scope"] for g in granted["grants"]] == ["User.Read"]
    status, granted = await call(http, "POST", app_url("Zeliq") + "/admin-consent")
    assert status == 200
    _, zeliq = await call(http, "GET", app_url("Zeliq"))
    assert set(zeliq["tenantWideGrantedScopes"]) == set(zeliq["requiredScopes"])

    status, classified = await call(
        http, "POST", "/_sandbox/classifications", {"scope": "Calendars.ReadWrite"}
    )
    assert status == 200
    assert "Calendars.ReadWrite" in classified["lowScopes"]
    sp_id = classified["servicePrincipalId"]
    _, listed = await call(
        http, "GET", f"/v1.0/servicePrincipals/{sp_id}/delegatedPermissionClassifications",
        headers=AUTH,
    )  # fmt: skip
    names = {c["permissionName"]: c for c in listed["value"]}
    assert names["Calendars.ReadWrite"]["classification"] == "low"
    assert names["Calendars.ReadWrite"]["permissionId"] == "1ec239c2-d7c9-4623-a91a-a9775856bb36"

    body = {"scope": "AllSites.Read", "resource": "Office 365 SharePoint Online", "low": True}
    _, sharepoint = await call(http, "POST", "/_sandbox/classifications", body)
    _, read_back = await call(
        http, "GET", "/_sandbox/classifications", params={"resource": sharepoint["resourceAppId"]}
    )
    assert read_back["lowScopes"] == ["AllSites.Read"]
    _, removed = await call(
        http, "POST", "/_sandbox/classifications", {"scope": "Calendars.ReadWrite", "low": False}
    )
    assert "Calendars.ReadWrite" not in removed["lowScopes"]


async def test_sign_in_simulator_follows_the_switches(
    sandbox: SandboxHandle, http: aiohttp.ClientSession
) -> None:
    attempt = {"app": "Pipeline CRM Sidebar", "user": "meganb@example.com"}
    status, seeded = await call(http, "POST", "/_sandbox/sign-in", attempt)
    assert status == 200
    assert (seeded["outcome"], seeded["aadsts"]) == ("approval_required", "AADSTS90095")
    assert seeded["reasons"] == ["user_consent_off", "admin_scopes:[User.Read.All]"]
    assert PIPELINE_APP_ID in seeded["errorText"]
    assert f"client_id={PIPELINE_APP_ID}" in seeded["consentUrl"]

    await call(http, "POST", "/_sandbox/settings", {"user_consent": "legacy"})
    scoped = {**attempt, "scopes": ["Mail.Read"]}
    _, risky = await call(http, "POST", "/_sandbox/sign-in", scoped)
    assert risky["reasons"] == ["risky_step_up"]
    await call(http, "POST", "/_sandbox/settings", {"risky_step_up": False})
    _, prompt = await call(http, "POST", "/_sandbox/sign-in", scoped)
    assert (prompt["outcome"], prompt["errorText"]) == ("consent_prompt", None)

    await call(http, "POST", "/_sandbox/settings", {"requests_enabled": False})
    _, refused = await call(http, "POST", "/_sandbox/sign-in", attempt)
    assert (refused["outcome"], refused["aadsts"]) == ("need_admin_approval", "AADSTS90094")
    await call(http, "POST", app_url("Pipeline CRM Sidebar"), {"enabled": False})
    _, disabled = await call(http, "POST", "/_sandbox/sign-in", attempt)
    assert (disabled["outcome"], disabled["aadsts"]) == ("app_disabled", "AADSTS7000112")


BAD_INPUT = [
    ("POST", app_url("OneCal"), {}, 400, "Nothing to change"),
    ("POST", app_url("OneCal"), {"verified": "yes"}, 400, "verified"),
    ("POST", app_url("OneCal"), {"servicePrincipal": "gone"}, 400, "servicePrincipal"),
    ("POST", app_url("OneCal"), {"assignUsers": "adelev@example.com"}, 400, "assignUsers"),
    ("POST", app_url("OneCal"), {"colour": "blue"}, 400, "colour"),
    ("POST", app_url("OneCal"), {"enabled": False}, 409, "no service principal"),
    ("POST", app_url("Northwind Expenses"), {"verified": False, "assignUsers": ["x"]}, 404,
     "Unknown user 'x'"),
    ("POST", app_url("Northwind Expenses"), {"servicePrincipal": "absent", "enabled": True},
     400, "same change"),
    ("GET", app_url("Nope"), None, 404, "Unknown app 'Nope'"),
    ("POST", app_url("OneCal") + "/admin-consent", {"scopes": ["Mail.Send"]}, 400,
     "does not ask for"),
    ("POST", app_url("OneCal") + "/admin-consent", {"scopes": "User.Read"}, 400, "scopes"),
    ("POST", "/_sandbox/classifications", {"scope": "User.Read.All"}, 400, "admin consent"),
    ("POST", "/_sandbox/classifications", {"scope": "Nope.Read"}, 400, "not defined"),
    ("POST", "/_sandbox/classifications", {"scope": "User.Read", "resource": "Zeliq"}, 404,
     "Unknown resource API"),
    ("POST", "/_sandbox/classifications", {"scope": "User.Read", "low": "no"}, 400, "low"),
    ("POST", "/_sandbox/classifications", {}, 400, "scope"),
    ("POST", "/_sandbox/settings", {"risky_step_up": "off"}, 400, "risky_step_up"),
    ("POST", "/_sandbox/sign-in", {"app": "OneCal"}, 400, "user"),
    ("POST", "/_sandbox/sign-in", {"app": "OneCal", "user": ADELE, "scopes": []}, 400,
     "at least one scope"),
    ("POST", "/_sandbox/sign-in", {"app": "OneCal", "user": ADELE, "scopes": "User.Read"}, 400,
     "scopes"),
    ("POST", "/_sandbox/sign-in", {"app": "OneCal", "user": "nobody"}, 404, "Unknown user"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url", "body", "status", "message"), BAD_INPUT)
async def test_bad_switch_input_is_refused_and_changes_nothing(
    sandbox: SandboxHandle,
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    body: Any,
    status: int,
    message: str,
) -> None:
    tenant = sandbox.tenant
    apps = ("OneCal", "Northwind Expenses", "Zeliq")

    def snapshot() -> Any:
        return (
            [tenant.app_properties(a) for a in apps],
            tenant.grants(),
            tenant.classifications(),
            tenant.consent_settings(),
        )

    before = snapshot()
    got, payload = await call(http, method, url, body)
    assert got == status
    assert message in payload["error"]
    assert snapshot() == before
