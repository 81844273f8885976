"""Plain-JSON Graph reads against the sandbox: paging, 404, throttling honoured, errors named."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.graph.json_reads import GraphJson, GraphReadError, NotInGraph
from bot.infra.graph_auth import SandboxTokenProvider
from sandbox.seed_apps import WHITEBOARD_APP_ID
from sandbox.server import SandboxHandle


@pytest.fixture
async def reads(sandbox: SandboxHandle) -> AsyncIterator[GraphJson]:
    client = GraphJson(sandbox.url, SandboxTokenProvider(sandbox.url), max_wait_seconds=0.01)
    yield client
    await client.close()


async def test_reads_one_entity_with_an_odata_filter_and_select(reads: GraphJson) -> None:
    sp = await reads.get(
        f"/servicePrincipals(appId='{WHITEBOARD_APP_ID}')", {"$select": "id,displayName"}
    )
    assert sp["displayName"] == "Wingtip Whiteboard"
    grants = await reads.items(
        "/oauth2PermissionGrants",
        {"$filter": f"clientId eq '{sp['id']}' and consentType eq 'AllPrincipals'"},
    )
    assert [g["scope"] for g in grants] == ["User.Read openid profile offline_access"]


async def test_follows_next_links(reads: GraphJson) -> None:
    everything = await reads.items("/servicePrincipals", {"$top": "2", "$select": "id"})
    assert len(everything) > 2
    assert len({sp["id"] for sp in everything}) == len(everything)


async def test_missing_objects_raise_not_in_graph(reads: GraphJson) -> None:
    with pytest.raises(NotInGraph):
        await reads.get("/servicePrincipals(appId='00000000-1111-2222-3333-444444444444')")


async def test_throttling_is_retried_after_retry_after(
    reads: GraphJson, sandbox: SandboxHandle
) -> None:
    sandbox.tenant.set_faults(fail_next=[429, 503], retry_after_seconds=0)
    sp = await reads.get(f"/servicePrincipals(appId='{WHITEBOARD_APP_ID}')")
    assert sp["appId"] == WHITEBOARD_APP_ID


async def test_throttling_past_the_retries_is_reported(
    reads: GraphJson, sandbox: SandboxHandle
) -> None:
    sandbox.tenant.set_faults(fail_next=[429, 429, 429], retry_after_seconds=0)
    with pytest.raises(GraphReadError) as raised:
        await reads.get(f"/servicePrincipals(appId='{WHITEBOARD_APP_ID}')")
    assert raised.value.status == 429


@pytest.mark.graph_contract_violations
async def test_bad_requests_are_not_retried(reads: GraphJson) -> None:
    with pytest.raises(GraphReadError) as raised:
        await reads.get("/oauth2PermissionGrants", {"$filter": "nonsense eq"})
    assert raised.value.status == 400
    assert "Graph answered 400" in str(raised.value)
