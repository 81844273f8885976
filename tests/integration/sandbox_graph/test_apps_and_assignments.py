"""The Graph reads behind "why can't I connect <app>?", over real HTTP.

App role assignments from both ends, the service principal properties the
consent rules depend on, and the tenant-wide grant lookup.
"""

from __future__ import annotations

import aiohttp

from sandbox.seed import ADELE_ID, PATTI_ID, TENANT_ID
from sandbox.seed_apps import (
    EXPENSES_APP_ID,
    PDF_CONVERTER_APP_ID,
    PIPELINE_APP_ID,
    WHITEBOARD_APP_ID,
)
from sandbox.server import SandboxHandle
from tests.integration.sandbox_graph.graph_calls import assert_odata_error, fetch, read_all

ADELE, PATTI = "adelev@example.com", "pattif@example.com"
DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000"


async def test_assignments_read_from_the_app_and_from_the_user(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    expenses = sandbox.tenant.set_app("Northwind Expenses", assign_users=[ADELE, PATTI])
    sp_id = expenses["servicePrincipalId"]
    sandbox.tenant.set_app("Pipeline CRM Sidebar", assign_users=[ADELE])
    url = f"/v1.0/servicePrincipals/{sp_id}/appRoleAssignedTo"

    _, everyone, _ = await fetch(graph, "GET", url)
    assert {a["principalId"] for a in everyone["value"]} == {ADELE_ID, PATTI_ID}
    _, mine, _ = await fetch(graph, "GET", url, params={"$filter": f"principalId eq '{ADELE_ID}'"})
    [assignment] = mine["value"]
    assert set(assignment) == {
        "id",
        "deletedDateTime",
        "appRoleId",
        "createdDateTime",
        "principalDisplayName",
        "principalId",
        "principalType",
        "resourceDisplayName",
        "resourceId",
    }
    assert assignment["appRoleId"] == DEFAULT_ACCESS
    assert (assignment["principalType"], assignment["principalDisplayName"]) == (
        "User",
        "Adele Vance",
    )
    assert (assignment["resourceId"], assignment["resourceDisplayName"]) == (
        sp_id,
        "Northwind Expenses",
    )
    assert assignment["createdDateTime"].endswith("Z")
    assert mine["@odata.context"].endswith(f"servicePrincipals('{sp_id}')/appRoleAssignedTo")

    by_app_id = f"/v1.0/servicePrincipals(appId='{EXPENSES_APP_ID}')/appRoleAssignedTo"
    _, same, _ = await fetch(graph, "GET", by_app_id, params={"$select": "principalId"})
    assert sorted(a["principalId"] for a in same["value"]) == [ADELE_ID, PATTI_ID]

    user_url = f"/v1.0/users/{ADELE}/appRoleAssignments"
    _, all_of_adele, _ = await fetch(graph, "GET", user_url)
    assert len(all_of_adele["value"]) == 2
    unquoted = {"$filter": f"resourceId eq {sp_id}"}
    _, for_expenses, _ = await fetch(graph, "GET", user_url, params=unquoted)
    assert [a["id"] for a in for_expenses["value"]] == [assignment["id"]]
    _, none, _ = await fetch(
        graph, "GET", f"/v1.0/users/{PATTI_ID}/appRoleAssignments",
        params={"$filter": f"resourceId eq '{sandbox.tenant.apps.sp_for_app(PIPELINE_APP_ID).id}'"},  # type: ignore[union-attr]
    )  # fmt: skip
    assert none["value"] == []


async def test_group_assignments_show_for_the_groups_direct_members(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    status, changed, _ = await fetch(
        graph, "POST", "/_sandbox/apps/Northwind%20Expenses",
        json={"assignGroups": ["Consent Reviewers"]},
    )  # fmt: skip
    assert status == 200
    assert changed["assignedGroups"] == ["Consent Reviewers"]
    sp_id = changed["servicePrincipalId"]
    _, assigned, _ = await fetch(graph, "GET", f"/v1.0/servicePrincipals/{sp_id}/appRoleAssignedTo")
    [group] = assigned["value"]
    assert (group["principalType"], group["principalDisplayName"]) == ("Group", "Consent Reviewers")
    _, isaiah, _ = await fetch(
        graph, "GET", "/v1.0/users/isaiah@example.com/appRoleAssignments",
        params={"$filter": f"resourceId eq '{sp_id}'"},
    )  # fmt: skip
    assert [a["id"] for a in isaiah["value"]] == [group["id"]]
    _, adele, _ = await fetch(graph, "GET", f"/v1.0/users/{ADELE_ID}/appRoleAssignments")
    assert adele["value"] == []


async def test_assignment_lists_page_and_refuse_what_graph_refuses(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    upns = [u.user_principal_name for u in sandbox.tenant.users.values()]
    sp_id = sandbox.tenant.set_app("Northwind Expenses", assign_users=upns)["servicePrincipalId"]
    url = f"/v1.0/servicePrincipals/{sp_id}/appRoleAssignedTo"
    pages = await read_all(graph, url, params={"$top": "4"})
    assert [len(p) for p in pages] == [4, 2]

    status, body, _ = await fetch(graph, "GET", url, params={"$filter": "appRoleId ne 'x'"})
    assert_odata_error(status, body, 400, "BadRequest")
    status, body, _ = await fetch(graph, "GET", url, params={"$orderby": "principalId"})
    assert_odata_error(status, body, 400, "BadRequest")
    status, body, _ = await fetch(graph, "GET", url, params={"$count": "true"})
    assert_odata_error(status, body, 400, "Request_UnsupportedQuery")
    status, counted, _ = await fetch(
        graph, "GET", url, params={"$count": "true"}, headers={"ConsistencyLevel": "eventual"}
    )
    assert (status, counted["@odata.count"]) == (200, 6)
    status, body, _ = await fetch(graph, "GET", "/v1.0/servicePrincipals/nope/appRoleAssignedTo")
    assert_odata_error(status, body, 404, "Request_ResourceNotFound")
    status, body, _ = await fetch(graph, "GET", "/v1.0/users/nobody/appRoleAssignments")
    assert_odata_error(status, body, 404, "Request_ResourceNotFound")


PROPERTIES = {
    "appOwnerOrganizationId",
    "appRoleAssignmentRequired",
    "accountEnabled",
    "verifiedPublisher",
    "publisherName",
    "homepage",
    "info",
}


async def test_service_principal_carries_the_consent_relevant_properties(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    pdf = sandbox.tenant.apps.sp_for_app(PDF_CONVERTER_APP_ID)
    assert pdf is not None
    _, by_id, _ = await fetch(graph, "GET", f"/v1.0/servicePrincipals/{pdf.id}")
    _, by_app_id, _ = await fetch(
        graph, "GET", f"/v1.0/servicePrincipals(appId='{PDF_CONVERTER_APP_ID}')"
    )
    for body in (by_id, by_app_id):
        assert set(body) >= PROPERTIES
        assert body["accountEnabled"] is False
        assert body["appRoleAssignmentRequired"] is False
        assert body["verifiedPublisher"]["verifiedPublisherId"] is None
        assert body["publisherName"] == "QuickDocs Tools"
        assert body["homepage"] == "https://quickdocs-tools.example.org"
        assert body["appOwnerOrganizationId"] != TENANT_ID
        assert set(body["info"]) >= {
            "privacyStatementUrl",
            "termsOfServiceUrl",
            "marketingUrl",
            "supportUrl",
        }
        assert body["info"]["privacyStatementUrl"] == "https://quickdocs-tools.example.org/privacy"

    select = ",".join(sorted(PROPERTIES))
    _, expenses, _ = await fetch(
        graph,
        "GET",
        f"/v1.0/servicePrincipals(appId='{EXPENSES_APP_ID}')",
        params={"$select": select},
    )
    assert set(expenses) == PROPERTIES | {"@odata.context", "id"}
    assert expenses["appRoleAssignmentRequired"] is True
    assert expenses["verifiedPublisher"]["verifiedPublisherId"] == "6011275"


async def test_tenant_wide_grants_by_client(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    tenant = sandbox.tenant
    whiteboard = tenant.apps.sp_for_app(WHITEBOARD_APP_ID)
    pipeline = tenant.apps.sp_for_app(PIPELINE_APP_ID)
    assert whiteboard is not None
    assert pipeline is not None
    filter_text = "clientId eq '{}' and consentType eq 'AllPrincipals'"

    async def tenant_wide(client_id: str) -> list[str]:
        _, body, _ = await fetch(
            graph,
            "GET",
            "/v1.0/oauth2PermissionGrants",
            params={"$filter": filter_text.format(client_id)},
        )
        return [g["scope"] for g in body["value"]]

    assert await tenant_wide(whiteboard.id) == ["User.Read openid profile offline_access"]
    assert await tenant_wide(pipeline.id) == []  # only per-user grants
    tenant.grant_admin_consent("Pipeline CRM Sidebar", ["User.Read.All"])
    assert await tenant_wide(pipeline.id) == ["User.Read.All"]
