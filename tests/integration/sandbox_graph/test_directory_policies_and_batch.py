"""The sandbox's auth, query rules, policies, directory, Teams and $batch over real HTTP."""

from __future__ import annotations

import base64
import json
from typing import Any

import aiohttp
import pytest

from sandbox.seed import (
    ADELE_ID,
    ALEX_ID,
    CONSENT_REVIEWERS_GROUP_ID,
    ISAIAH_ID,
    MEGAN_ID,
    TEAMS_APP_EXTERNAL_ID,
)
from sandbox.server import SandboxHandle
from tests.integration.sandbox_graph.graph_calls import (
    GRAPH_APP_ID,
    REQUESTS,
    assert_odata_error,
    fetch,
)


async def test_graph_requires_a_bearer_token(sandbox: SandboxHandle) -> None:
    async with aiohttp.ClientSession(sandbox.url) as anonymous:
        for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
            status, body, response = await fetch(anonymous, "GET", "/v1.0/users", headers=headers)
            assert_odata_error(status, body, 401, "InvalidAuthenticationToken")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.graph_contract_violations
@pytest.mark.parametrize(
    ("url", "params", "code"),
    [
        (REQUESTS, {"$filter": "reason eq 'x'"}, "BadRequest"),
        (REQUESTS, {"$filter": "userConsentRequests/any(u:u/status eq"}, "BadRequest"),
        (REQUESTS, {"$orderby": "appDisplayName"}, "BadRequest"),
        ("/v1.0/servicePrincipals", {"$filter": "tags/any(t:t eq 'x')"}, "BadRequest"),
        ("/v1.0/servicePrincipals", {"$select": "noSuchProperty"}, "BadRequest"),
        ("/v1.0/users", {"$top": "0"}, "BadRequest"),
        ("/v1.0/no/such/thing", {}, "BadRequest"),
    ],
)
async def test_unsupported_queries_are_odata_400s(
    graph: aiohttp.ClientSession, url: str, params: dict[str, str], code: str
) -> None:
    status, body, _ = await fetch(graph, "GET", url, params=params)
    assert_odata_error(status, body, 400, code)


async def test_advanced_directory_query_needs_its_prerequisites(
    graph: aiohttp.ClientSession,
) -> None:
    tenant_filter = {"$filter": "appOwnerOrganizationId ne f8cdef31-a31e-4b4a-93e4-5f571e91255a"}
    status, refused, _ = await fetch(graph, "GET", "/v1.0/servicePrincipals", params=tenant_filter)
    assert_odata_error(status, refused, 400, "Request_UnsupportedQuery")
    status, body, _ = await fetch(
        graph,
        "GET",
        "/v1.0/servicePrincipals",
        params={**tenant_filter, "$count": "true", "$select": "displayName,publisherName"},
        headers={"ConsistencyLevel": "eventual"},
    )
    assert status == 200
    names = {sp["displayName"] for sp in body["value"]}
    assert "Pipeline CRM Sidebar" in names
    assert "Microsoft Graph" not in names
    assert body["@odata.count"] == len(body["value"])
    _, starts, _ = await fetch(
        graph,
        "GET",
        "/v1.0/servicePrincipals",
        params={"$filter": "startswith(displayName,'office 365')"},
    )
    assert len(starts["value"]) == 2


async def test_batch_dispatches_and_counts_one_call(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    ids = [
        sandbox.tenant.create_request(app, "isaiah@example.com", "needed")["appConsentRequestId"]
        for app in ("OneCal", "Zeliq", "Carerix")
    ]
    sandbox.tenant.calls.reset()
    requests = [
        {
            "id": str(n),
            "method": "GET",
            "url": f"/identityGovernance/appConsent/appConsentRequests/{i}/userConsentRequests",
        }
        for n, i in enumerate([*ids, "missing"])
    ]
    status, body, _ = await fetch(graph, "POST", "/v1.0/$batch", json={"requests": requests})

    assert status == 200
    by_id = {r["id"]: r for r in body["responses"]}
    assert [by_id[str(n)]["status"] for n in range(4)] == [200, 200, 200, 404]
    assert by_id["0"]["body"]["value"][0]["createdBy"]["user"]["id"] == ISAIAH_ID
    calls = sandbox.tenant.calls.snapshot()
    assert calls["total"] == 1
    assert calls["routes"] == {"POST /$batch": 1}
    assert sum(calls["batched"].values()) == 4
    too_many = [{"id": str(n), "method": "GET", "url": "/users"} for n in range(21)]
    status, refused, _ = await fetch(graph, "POST", "/v1.0/$batch", json={"requests": too_many})
    assert_odata_error(status, refused, 400, "BadRequest")


async def test_request_policy_put_works_and_patch_fails(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    url = "/v1.0/policies/adminConsentRequestPolicy"
    _, before, _ = await fetch(graph, "GET", url)
    assert before["isEnabled"] is True
    assert len(before["reviewers"]) == 3

    status, patched, _ = await fetch(graph, "PATCH", url, json={"isEnabled": False})
    assert_odata_error(status, patched, 405, "Request_BadRequest")
    new_policy = {**before, "isEnabled": False, "requestDurationInDays": 14}
    new_policy.pop("@odata.context")
    status, _, _ = await fetch(graph, "PUT", url, json=new_policy)
    assert status == 204
    _, after, _ = await fetch(graph, "GET", url)
    assert (after["isEnabled"], after["requestDurationInDays"]) == (False, 14)
    assert after["version"] == before["version"] + 1
    bad = {**new_policy, "isEnabled": True, "reviewers": [{"query": "/users/nobody"}]}
    status, refused, _ = await fetch(graph, "PUT", url, json=bad)
    assert status == 404
    assert refused["error"]["code"] == "Request_ResourceNotFound"


async def test_authorization_policy_reflects_user_consent_setting(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    url = "/v1.0/policies/authorizationPolicy"

    def self_consent(body: Any) -> list[str]:
        assigned = body["defaultUserRolePermissions"]["permissionGrantPoliciesAssigned"]
        return [p for p in assigned if p.lower().startswith("managepermissiongrantsforself.")]

    _, off, _ = await fetch(graph, "GET", url)
    assert off["defaultUserRolePermissions"]["permissionGrantPoliciesAssigned"]  # RSC entries
    assert self_consent(off) == []
    sandbox.tenant.set_consent_settings(user_consent="low")
    _, low, _ = await fetch(graph, "GET", url)
    assert self_consent(low) == ["ManagePermissionGrantsForSelf.microsoft-user-default-low"]
    _, beta, _ = await fetch(graph, "GET", url.replace("v1.0", "beta"))
    assert self_consent(beta["value"][0]) == self_consent(low)
    _, policies, _ = await fetch(graph, "GET", "/v1.0/policies/permissionGrantPolicies")
    assert "microsoft-user-default-legacy" in {p["id"] for p in policies["value"]}


async def test_scope_catalogue_and_low_risk_classifications(graph: aiohttp.ClientSession) -> None:
    url = f"/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')"
    _, graph_sp, _ = await fetch(graph, "GET", url, params={"$select": "oauth2PermissionScopes"})
    assert set(graph_sp) == {"@odata.context", "id", "oauth2PermissionScopes"}
    scopes = {s["value"]: s for s in graph_sp["oauth2PermissionScopes"]}
    assert len(scopes) >= 40
    assert scopes["User.Read"]["id"] == "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
    assert scopes["User.Read.All"]["type"] == "Admin"
    assert scopes["Calendars.ReadWrite"]["type"] == "User"
    classified_url = f"/v1.0/servicePrincipals/{graph_sp['id']}/delegatedPermissionClassifications"
    _, classified, _ = await fetch(graph, "GET", classified_url)
    assert {c["permissionName"] for c in classified["value"]} == {
        "User.Read",
        "openid",
        "profile",
        "email",
        "offline_access",
    }


async def test_roles_groups_and_reviewers(graph: aiohttp.ClientSession) -> None:
    select = {"$select": "id,displayName,roleTemplateId"}

    async def roles(user: str) -> set[str]:
        url = f"/v1.0/users/{user}/transitiveMemberOf/microsoft.graph.directoryRole"
        _, body, _ = await fetch(graph, "GET", url, params=select)
        return {r["roleTemplateId"] for r in body["value"]}

    assert await roles(ALEX_ID) == {"62e90394-69f5-4237-9190-012177145e10"}
    assert await roles("meganb@example.com") == {"158c047a-c907-4556-b7ef-446551a6b5f7"}
    assert await roles(ISAIAH_ID) == set()

    check = {"groupIds": [CONSENT_REVIEWERS_GROUP_ID, "00000000-1111-2222-3333-444444444444"]}
    _, isaiah, _ = await fetch(
        graph, "POST", f"/v1.0/users/{ISAIAH_ID}/checkMemberGroups", json=check
    )
    _, adele, _ = await fetch(
        graph, "POST", f"/v1.0/users/{ADELE_ID}/checkMemberGroups", json=check
    )
    assert isaiah["value"] == [CONSENT_REVIEWERS_GROUP_ID]
    assert adele["value"] == []

    members_url = (
        f"/v1.0/groups/{CONSENT_REVIEWERS_GROUP_ID}/transitiveMembers/microsoft.graph.user"
    )
    _, members, _ = await fetch(graph, "GET", members_url)
    assert [u["mail"] for u in members["value"]] == ["isaiahl@example.com"]
    role_filter = {"$filter": "roleDefinitionId eq '158c047a-c907-4556-b7ef-446551a6b5f7'"}
    _, assignments, _ = await fetch(
        graph, "GET", "/v1.0/roleManagement/directory/roleAssignments", params=role_filter
    )
    assert [a["principalId"] for a in assignments["value"]] == [MEGAN_ID]
    _, by_upn, _ = await fetch(
        graph, "GET", "/v1.0/users", params={"$filter": "userPrincipalName eq 'lynner@example.com'"}
    )
    assert by_upn["value"][0]["preferredLanguage"] == "fr-FR"


async def test_teams_installation_and_chat(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    _, catalog, _ = await fetch(
        graph,
        "GET",
        "/v1.0/appCatalogs/teamsApps",
        params={"$filter": f"externalId eq '{TEAMS_APP_EXTERNAL_ID}'"},
    )
    [app] = catalog["value"]
    installed_url = f"/v1.0/users/{MEGAN_ID}/teamwork/installedApps"
    query = {"$expand": "teamsApp", "$filter": f"teamsApp/externalId eq '{TEAMS_APP_EXTERNAL_ID}'"}
    _, before, _ = await fetch(graph, "GET", installed_url, params=query)
    assert before["value"] == []

    bind = {
        "teamsApp@odata.bind": f"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{app['id']}"
    }
    assert (await fetch(graph, "POST", installed_url, json=bind))[0] == 201
    status, again, _ = await fetch(graph, "POST", installed_url, json=bind)
    assert status == 409
    assert again["error"]["code"] == "Conflict"
    _, after, _ = await fetch(graph, "GET", installed_url, params=query)
    [installation] = after["value"]
    assert installation["teamsApp"]["externalId"] == TEAMS_APP_EXTERNAL_ID

    chat_url = f"{installed_url}/{installation['id']}/chat"
    _, chat, _ = await fetch(graph, "GET", chat_url)
    assert chat["id"].startswith(f"19:{MEGAN_ID}_")
    assert chat["id"].endswith("@unq.gbl.spaces")
    sandbox.tenant.set_bot_blocked("meganb@example.com")
    status, blocked, _ = await fetch(graph, "GET", chat_url)
    assert_odata_error(status, blocked, 403, "MessageWritesBlocked")


async def test_batch_accepts_the_python_batch_helper_format(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    """Absolute URLs, depends_on, list-valued headers and base64 bodies, as msgraph-core sends."""
    grant_body = base64.b64encode(json.dumps({"groupIds": [CONSENT_REVIEWERS_GROUP_ID]}).encode())
    requests = [
        {
            "id": "a",
            "method": "GET",
            "url": f"{sandbox.url}/v1.0/users/{ISAIAH_ID}?$select=displayName",
            "headers": {"Accept": ["application/json"]},
        },
        {
            "id": "b",
            "method": "POST",
            "url": f"/v1.0/users/{ISAIAH_ID}/checkMemberGroups",
            "body": grant_body.decode(),
            "headers": {"Content-Type": "application/json"},
            "depends_on": ["a"],
        },
        {"id": "c", "method": "GET", "url": "/users/nobody"},
        {"id": "d", "method": "GET", "url": "/users", "dependsOn": ["c"]},
    ]
    status, body, _ = await fetch(graph, "POST", "/v1.0/$batch", json={"requests": requests})
    assert status == 200
    by_id = {r["id"]: r for r in body["responses"]}
    assert by_id["a"]["body"]["displayName"] == "Isaiah Langer"
    assert by_id["b"]["body"]["value"] == [CONSENT_REVIEWERS_GROUP_ID]
    assert (by_id["c"]["status"], by_id["d"]["status"]) == (404, 424)


@pytest.mark.graph_contract_violations
async def test_requests_inside_a_batch_are_held_to_the_metadata(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    """A batch is no way around the contract: each inner request is checked like a direct one."""
    requests = [
        {"id": "good", "method": "GET", "url": f"/users/{ISAIAH_ID}?$select=displayName"},
        {"id": "bad", "method": "GET", "url": "/oauth2PermissionGrants?$select=noSuchProperty"},
        {"id": "empty", "method": "GET", "url": "/users//memberOf"},
    ]
    status, body, _ = await fetch(graph, "POST", "/v1.0/$batch", json={"requests": requests})
    assert status == 200
    by_id = {r["id"]: r for r in body["responses"]}
    assert by_id["good"]["status"] == 200
    assert by_id["bad"]["status"] == 400
    assert "noSuchProperty" in by_id["bad"]["body"]["error"]["message"]
    assert by_id["empty"]["status"] == 400
    _, contract, _ = await fetch(graph, "GET", "/_sandbox/contract")
    refused = {v["path"] for v in contract["violations"]}
    assert refused == {"/oauth2PermissionGrants", "/users//memberOf"}
