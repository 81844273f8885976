"""The sandbox's consent requests, service principals and grants over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import aiohttp

from sandbox.backlog import add_backlog
from sandbox.seed import (
    ADELE_ID,
    ALEX_ID,
    MEGAN_ID,
)
from sandbox.seed_apps import ONECAL_APP_ID
from sandbox.server import SandboxHandle
from tests.integration.sandbox_graph.graph_calls import (
    GRAPH_APP_ID,
    PENDING,
    REQUESTS,
    assert_odata_error,
    fetch,
    read_all,
)


async def test_pending_list_filters_and_pages(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    add_backlog(sandbox.tenant, 25, seed=7)
    closed = sandbox.tenant.create_request("OneCal", "meganb@example.com", "calendar sync")
    sandbox.tenant.expire_request(closed["appConsentRequestId"])

    pages = await read_all(graph, REQUESTS, params=PENDING)

    assert [len(p) for p in pages] == [10, 10, 5]
    ids = [item["id"] for page in pages for item in page]
    assert len(set(ids)) == 25
    assert closed["appConsentRequestId"] not in ids
    first = pages[0][0]
    assert set(first) == {"id", "appId", "appDisplayName", "consentType", "pendingScopes"}
    assert {"displayName": "User.Read"} in first["pendingScopes"]
    assert [len(p) for p in await read_all(graph, REQUESTS, params={**PENDING, "$top": "7"})] == [
        7,
        7,
        7,
        4,
    ]
    everything = await read_all(graph, REQUESTS, params={"$top": "999"})
    assert len(everything[0]) == 26


async def test_next_link_is_absolute_on_the_sandbox_host(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    add_backlog(sandbox.tenant, 3)
    _, body, _ = await fetch(graph, "GET", REQUESTS, params={**PENDING, "$top": "2"})
    assert body["@odata.context"].startswith(sandbox.url + "/v1.0/$metadata#")
    assert body["@odata.nextLink"].startswith(sandbox.url + REQUESTS + "?")
    assert "$skiptoken=" in body["@odata.nextLink"]
    status, bad, _ = await fetch(graph, "GET", REQUESTS, params={"$skiptoken": "!!"})
    assert_odata_error(status, bad, 400, "BadRequest")


async def test_user_consent_requests_filter_and_shape(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    tenant = sandbox.tenant
    long_ago = tenant.now() - timedelta(days=31)
    tenant.create_request("OneCal", "meganb@example.com", "old request", created=long_ago)
    ids = tenant.create_request("OneCal", "adelev@example.com", "Sync with my Google calendar")
    url = f"{REQUESTS}/{ids['appConsentRequestId']}/userConsentRequests"

    _, everyone, _ = await fetch(graph, "GET", url)
    _, open_only, _ = await fetch(graph, "GET", url, params={"$filter": "status eq 'InProgress'"})

    assert sorted(u["status"] for u in everyone["value"]) == ["Expired", "InProgress"]
    [adele] = open_only["value"]
    assert adele["id"] == ids["userConsentRequestId"]
    assert adele["reason"] == "Sync with my Google calendar"
    assert adele["completedDateTime"] is None
    assert adele["createdBy"]["user"] == {
        "id": ADELE_ID,
        "displayName": "Adele Vance",
        "userPrincipalName": "adelev@example.com",
        "mail": "adelev@example.com",
    }
    assert adele["approval"]["stages"][0]["reviewResult"] == "NotReviewed"
    _, approval, _ = await fetch(graph, "GET", f"{url}/{adele['id']}/approval")
    assert approval["stages"][0]["status"] == "InProgress"
    beta_url = url.replace("/v1.0/", "/beta/") + f"/{adele['id']}/approval"
    _, beta, _ = await fetch(graph, "GET", beta_url)
    assert "steps" in beta
    assert "stages" not in beta


async def test_second_user_joins_the_same_app_request(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    first = sandbox.tenant.create_request("Zeliq", "pattif@example.com", "sequences")
    second = sandbox.tenant.create_request("zeliq", MEGAN_ID, "meetings")

    assert first["appConsentRequestId"] == second["appConsentRequestId"]
    _, pending, _ = await fetch(graph, "GET", REQUESTS, params=PENDING)
    [request] = pending["value"]
    assert request["appDisplayName"] == "Zeliq"
    url = f"{REQUESTS}/{request['id']}/userConsentRequests"
    _, users, _ = await fetch(graph, "GET", url)
    assert len(users["value"]) == 2


async def test_expired_and_completed_requests_leave_the_pending_list(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    tenant = sandbox.tenant
    carerix = tenant.create_request("Carerix", "lynner@example.com", "entretiens")
    onecal = tenant.create_request("OneCal", "meganb@example.com", "calendar sync")
    tenant.expire_request(carerix["appConsentRequestId"])
    tenant.complete_request(onecal["appConsentRequestId"], approve=True, reviewer=ALEX_ID)

    _, pending, _ = await fetch(graph, "GET", REQUESTS, params=PENDING)
    assert pending["value"] == []
    url = f"{REQUESTS}/{onecal['appConsentRequestId']}/userConsentRequests"
    _, users, _ = await fetch(graph, "GET", url)
    [megan] = users["value"]
    assert megan["status"] == "Completed"
    assert megan["completedDateTime"] is not None
    stage = megan["approval"]["stages"][0]
    assert stage["reviewResult"] == "Approve"
    assert stage["reviewedBy"] == {"id": ALEX_ID, "displayName": "Alex Wilber"}
    status, missing, _ = await fetch(graph, "GET", f"{REQUESTS}/does-not-exist")
    assert_odata_error(status, missing, 404, "Request_ResourceNotFound")


async def test_service_principal_is_found_after_creation(graph: aiohttp.ClientSession) -> None:
    by_app_id = f"/v1.0/servicePrincipals(appId='{ONECAL_APP_ID}')"
    status, body, _ = await fetch(graph, "GET", by_app_id)
    assert_odata_error(status, body, 404, "Request_ResourceNotFound")

    status, created, _ = await fetch(
        graph, "POST", "/v1.0/servicePrincipals", json={"appId": ONECAL_APP_ID}
    )
    assert status == 201, created
    assert created["appId"] == ONECAL_APP_ID
    assert created["verifiedPublisher"]["displayName"] == "OneCal"

    encoded = f"/v1.0/servicePrincipals(appId=%27{ONECAL_APP_ID}%27)"
    for url in (by_app_id, encoded, f"/v1.0/servicePrincipals/{created['id']}"):
        status, found, _ = await fetch(graph, "GET", url)
        assert status == 200
        assert found["id"] == created["id"]
    status, again, _ = await fetch(
        graph, "POST", "/v1.0/servicePrincipals", json={"appId": ONECAL_APP_ID}
    )
    assert_odata_error(status, again, 409, "Request_MultipleObjectsWithSameKeyValue")
    status, unknown, _ = await fetch(
        graph,
        "POST",
        "/v1.0/servicePrincipals",
        json={"appId": "11111111-2222-3333-4444-555555555555"},
    )
    assert_odata_error(status, unknown, 400, "Request_BadRequest")


async def test_blocking_an_app_by_disabling_its_service_principal(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    body = {"appId": ONECAL_APP_ID, "accountEnabled": False}
    status, created, _ = await fetch(graph, "POST", "/v1.0/servicePrincipals", json=body)
    assert status == 201
    assert created["accountEnabled"] is False
    url = f"/v1.0/servicePrincipals/{created['id']}"
    status, _, _ = await fetch(graph, "PATCH", url, json={"accountEnabled": True, "notes": "ok"})
    assert status == 204
    status, refused, _ = await fetch(graph, "PATCH", url, json={"appId": "x"})
    assert_odata_error(status, refused, 400, "Request_BadRequest")
    assert sandbox.tenant.apps.sp(created["id"]).account_enabled is True


async def test_grant_create_conflict_and_patch(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    _, client, _ = await fetch(
        graph, "POST", "/v1.0/servicePrincipals", json={"appId": ONECAL_APP_ID}
    )
    _, resource, _ = await fetch(graph, "GET", f"/v1.0/servicePrincipals(appId='{GRAPH_APP_ID}')")
    grant = {
        "clientId": client["id"],
        "consentType": "AllPrincipals",
        "resourceId": resource["id"],
        "scope": "Calendars.ReadWrite User.Read",
    }

    status, wrong, _ = await fetch(
        graph, "POST", "/v1.0/oauth2PermissionGrants", json={**grant, "clientId": ONECAL_APP_ID}
    )
    assert_odata_error(status, wrong, 400, "Request_BadRequest")
    assert "appId" in wrong["error"]["message"]
    status, created, _ = await fetch(graph, "POST", "/v1.0/oauth2PermissionGrants", json=grant)
    assert status == 201, created
    status, duplicate, _ = await fetch(graph, "POST", "/v1.0/oauth2PermissionGrants", json=grant)
    assert_odata_error(status, duplicate, 409, "Request_MultipleObjectsWithSameKeyValue")

    query = (
        f"clientId eq '{client['id']}' and consentType eq 'AllPrincipals' "
        f"and resourceId eq '{resource['id']}'"
    )
    _, found, _ = await fetch(
        graph, "GET", "/v1.0/oauth2PermissionGrants", params={"$filter": query}
    )
    assert [g["id"] for g in found["value"]] == [created["id"]]
    union = "Calendars.ReadWrite User.Read offline_access"
    url = f"/v1.0/oauth2PermissionGrants/{created['id']}"
    status, _, _ = await fetch(graph, "PATCH", url, json={"scope": union})
    assert status == 204
    _, patched, _ = await fetch(graph, "GET", url)
    assert patched["scope"] == union
    status, bad_scope, _ = await fetch(graph, "PATCH", url, json={"scope": "AllSites.Read"})
    assert_odata_error(status, bad_scope, 400, "Request_BadRequest")
    assert (await fetch(graph, "DELETE", url))[0] == 204
    assert (await fetch(graph, "GET", url))[0] == 404


async def test_per_user_and_tenant_wide_grant_listings(graph: aiohttp.ClientSession) -> None:
    _, everything, _ = await fetch(graph, "GET", "/v1.0/oauth2PermissionGrants")
    _, tenant_wide, _ = await fetch(
        graph,
        "GET",
        "/v1.0/oauth2PermissionGrants",
        params={"$filter": "consentType eq 'AllPrincipals'"},
    )
    _, adele, _ = await fetch(
        graph,
        "GET",
        "/v1.0/oauth2PermissionGrants",
        params={"$filter": f"principalId eq '{ADELE_ID}'"},
    )
    assert len(everything["value"]) == 3
    assert [g["scope"] for g in tenant_wide["value"]] == ["User.Read openid profile offline_access"]
    assert [g["consentType"] for g in adele["value"]] == ["Principal"]
