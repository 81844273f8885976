"""``servicePrincipals/delta`` as Graph documents it: a first round, then only what changed."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp
import pytest

from sandbox.seed_apps import CARERIX_APP_ID
from sandbox.server import SandboxHandle
from tests.integration.sandbox_graph.graph_calls import assert_odata_error, fetch

SELECT = {"$select": "id,appId,displayName"}
LOCAL = {"Authorization": "Bearer sandbox-local-token"}


def _relative(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


async def test_a_first_round_lists_everything_and_later_rounds_only_changes(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession
) -> None:
    status, first, _ = await fetch(graph, "GET", "/v1.0/servicePrincipals/delta", params=SELECT)
    assert status == 200
    listed = {item["appId"] for item in first["value"]}
    assert len(listed) == len(sandbox.tenant.apps.service_principals)
    assert CARERIX_APP_ID not in listed  # no service principal here yet
    assert all(set(item) <= {"id", "appId", "displayName"} for item in first["value"])
    link = first["@odata.deltaLink"]
    assert "$deltatoken=" in link

    status, nothing, _ = await fetch(graph, "GET", _relative(link))
    assert (status, nothing["value"]) == (200, [])

    sandbox.tenant.set_app("Carerix", service_principal="present")
    status, added, _ = await fetch(graph, "GET", _relative(nothing["@odata.deltaLink"]))
    [carerix] = added["value"]
    assert carerix["appId"] == CARERIX_APP_ID
    assert set(carerix) == {"id", "appId", "displayName"}  # the first round's $select holds

    sandbox.tenant.set_app("Carerix", service_principal="absent")
    status, removed, _ = await fetch(graph, "GET", _relative(added["@odata.deltaLink"]))
    assert removed["value"] == [
        {
            "@odata.type": "#microsoft.graph.servicePrincipal",
            "id": carerix["id"],
            "@removed": {"reason": "deleted"},
        }
    ]


async def test_a_token_the_tenant_does_not_hold_is_refused(graph: aiohttp.ClientSession) -> None:
    status, body, _ = await fetch(
        graph, "GET", "/v1.0/servicePrincipals/delta()", params={"$deltatoken": "made-up"}
    )
    assert_odata_error(status, body, 400, "BadRequest")


@pytest.mark.parametrize(
    ("granted", "expected"), [(["Application.Read.All"], 200), (["User.Read.All"], 403)]
)
async def test_the_delta_query_needs_its_documented_permission(
    granted: list[str], expected: int, sandbox: SandboxHandle
) -> None:
    sandbox.tenant.set_bot_permissions(granted)
    async with aiohttp.ClientSession(sandbox.url, headers=LOCAL) as session:
        status, _, _ = await fetch(session, "GET", "/v1.0/servicePrincipals/delta", params=SELECT)
    assert status == expected
