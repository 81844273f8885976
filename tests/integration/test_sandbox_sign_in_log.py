"""``GET /v1.0/auditLogs/signIns`` over HTTP: filters, order, paging, lag and retention.

Every request here is also held to Graph's v1.0 metadata by the autouse
fixture, so a filter the sandbox answers is one Graph would parse too.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from sandbox.seed import ADELE_ID
from sandbox.seed_apps import ONECAL_APP_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.integration.sandbox_graph.graph_calls import assert_odata_error, fetch, read_all

SIGN_INS = "/v1.0/auditLogs/signIns"
LOCAL = {"Authorization": "Bearer sandbox-token"}
ADELE, MEGAN = "adelev@example.com", "meganb@example.com"
CONSENT_ERRORS = "(status/errorCode eq 90094 or status/errorCode eq 90095)"


@pytest.fixture
async def graph(sandbox: SandboxHandle) -> Any:
    async with aiohttp.ClientSession(sandbox.url, headers=LOCAL) as session:
        yield session


async def _sign_in(graph: aiohttp.ClientSession, app: str, user: str) -> dict[str, Any]:
    status, body, _ = await fetch(
        graph, "POST", "/_sandbox/sign-in", json={"app": app, "user": user}
    )
    assert status == 200, body
    return dict(body)


async def _list(graph: aiohttp.ClientSession, **query: str) -> list[dict[str, Any]]:
    params = {f"${k}": v for k, v in query.items()}
    pages = await read_all(graph, SIGN_INS, params=params)
    return [entry for page in pages for entry in page]


async def _a_morning(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession, clock: ManualClock
) -> None:
    """09:00 Adele 90095, 09:01 Megan 90094 (workflow off), 09:02 Adele 0, 09:03 Adele 7000112."""
    await _sign_in(graph, "OneCal", ADELE)
    clock.advance(minutes=1)
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    await _sign_in(graph, "OneCal", MEGAN)
    sandbox.tenant.set_consent_settings(requests_enabled=True)
    clock.advance(minutes=1)
    await _sign_in(graph, "Wingtip Whiteboard", ADELE)
    clock.advance(minutes=1)
    await _sign_in(graph, "Quick PDF Converter Online", ADELE)


async def test_a_sign_in_is_served_as_a_graph_sign_in(graph: aiohttp.ClientSession) -> None:
    attempt = await _sign_in(graph, "OneCal", ADELE)
    status, body, _ = await fetch(graph, "GET", SIGN_INS)
    assert status == 200, body
    assert body["@odata.context"].endswith("/v1.0/$metadata#auditLogs/signIns")
    [entry] = body["value"]
    assert entry["id"] == attempt["signInId"]
    assert entry["status"]["errorCode"] == 90095
    assert entry["appId"] == ONECAL_APP_ID
    assert entry["userId"] == ADELE_ID
    status, one, _ = await fetch(graph, "GET", f"{SIGN_INS}/{attempt['signInId']}")
    assert status == 200
    assert one["id"] == attempt["signInId"]


async def test_consent_errors_since_a_watermark(
    sandbox: SandboxHandle, graph: aiohttp.ClientSession, clock: ManualClock
) -> None:
    await _a_morning(sandbox, graph, clock)
    since = await _list(
        graph, filter=f"createdDateTime ge 2026-11-23T09:00:00Z and {CONSENT_ERRORS}"
    )
    assert [(e["userPrincipalName"], e["status"]["errorCode"]) for e in since] == [
        (MEGAN, 90094),
        (ADELE, 90095),
    ]
    later = await _list(
        graph, filter=f"createdDateTime gt 2026-11-23T09:00:00Z and {CONSENT_ERRORS}"
    )
    assert [e["status"]["errorCode"] for e in later] == [90094]


@pytest.mark.parametrize(
    ("clause", "codes"),
    [
        (f"appId eq '{ONECAL_APP_ID}'", [90094, 90095]),
        (f"userId eq '{ADELE_ID}'", [7000112, 0, 90095]),
        (f"userId eq '{ADELE_ID}' and appId eq '{ONECAL_APP_ID}'", [90095]),
        ("status/errorCode ne 0", [7000112, 90094, 90095]),
        ("status/errorCode eq 0", [0]),
        ("createdDateTime lt 2026-11-23T09:01:00Z", [90095]),
        ("createdDateTime le 2026-11-23T09:01:00Z", [90094, 90095]),
        ("createdDateTime ge 2026-11-23T10:02:00+01:00", [7000112, 0]),
        (f"userPrincipalName eq '{MEGAN.upper()}'", [90094]),
        ("startswith(appDisplayName,'quick')", [7000112]),
    ],
)
async def test_filters(
    sandbox: SandboxHandle,
    graph: aiohttp.ClientSession,
    clock: ManualClock,
    clause: str,
    codes: list[int],
) -> None:
    await _a_morning(sandbox, graph, clock)
    found = await _list(graph, filter=clause)
    assert [e["status"]["errorCode"] for e in found] == codes


@pytest.mark.parametrize(
    "query",
    [
        {"$filter": "ipAddress eq '203.0.113.1'"},
        {"$filter": "not (status/errorCode eq 0)"},
        {"$filter": "status/errorCode eq '90095'"},
        {"$filter": "createdDateTime ge '2026-11-23T09:00:00Z'"},
        {"$filter": f"appId eq {ONECAL_APP_ID}"},
        {"$filter": "createdDateTime ge 2026-11-23"},
        {"$orderby": "createdDateTime desc"},
        {"$select": "id,status"},
        {"$top": "1001"},
        {"$top": "0"},
    ],
)
async def test_what_the_page_does_not_offer_is_a_400(
    graph: aiohttp.ClientSession, query: dict[str, str]
) -> None:
    await _sign_in(graph, "OneCal", ADELE)
    status, body, _ = await fetch(graph, "GET", SIGN_INS, params=query)
    assert_odata_error(status, body, 400, "BadRequest")


async def test_newest_first_in_pages_of_top_up_to_1000(
    graph: aiohttp.ClientSession, clock: ManualClock
) -> None:
    for _ in range(5):
        await _sign_in(graph, "OneCal", ADELE)
        clock.advance(seconds=30)
    pages = await read_all(graph, SIGN_INS, params={"$top": "2"})
    assert [len(page) for page in pages] == [2, 2, 1]
    stamps = [entry["createdDateTime"] for page in pages for entry in page]
    assert stamps == sorted(stamps, reverse=True)
    assert len(set(stamps)) == 5
    status, body, _ = await fetch(graph, "GET", SIGN_INS, params={"$top": "1000"})
    assert status == 200
    assert len(body["value"]) == 5
    assert "@odata.nextLink" not in body


async def test_default_page_size_is_the_sandboxs(graph: aiohttp.ClientSession) -> None:
    for _ in range(12):
        await _sign_in(graph, "OneCal", ADELE)
    status, body, _ = await fetch(graph, "GET", SIGN_INS)
    assert status == 200
    assert len(body["value"]) == 10
    assert "$skiptoken=" in body["@odata.nextLink"]


async def test_pages_hold_still_while_new_entries_arrive(
    graph: aiohttp.ClientSession, clock: ManualClock
) -> None:
    for _ in range(3):
        await _sign_in(graph, "OneCal", ADELE)
        clock.advance(seconds=10)
    status, first, _ = await fetch(graph, "GET", SIGN_INS, params={"$top": "2"})
    assert status == 200
    await _sign_in(graph, "Zeliq", MEGAN)
    clock.advance(seconds=10)
    status, second, _ = await fetch(graph, "GET", first["@odata.nextLink"])
    assert status == 200
    seen = [e["id"] for e in first["value"] + second["value"]]
    assert len(seen) == len(set(seen)) == 3
    assert "@odata.nextLink" not in second
    assert len(await _list(graph)) == 4


async def test_an_entry_shows_only_after_the_log_lag(
    graph: aiohttp.ClientSession, clock: ManualClock
) -> None:
    status, _, _ = await fetch(graph, "POST", "/_sandbox/sign-in-log", json={"lag_seconds": 120})
    assert status == 200
    attempt = await _sign_in(graph, "OneCal", ADELE)
    watermark = "createdDateTime ge 2026-11-23T09:00:00Z"
    assert await _list(graph, filter=watermark) == []
    status, body, _ = await fetch(graph, "GET", f"{SIGN_INS}/{attempt['signInId']}")
    assert_odata_error(status, body, 404, "Request_ResourceNotFound")
    clock.advance(seconds=119)
    assert await _list(graph, filter=watermark) == []
    clock.advance(seconds=1)
    [late] = await _list(graph, filter=watermark)
    assert late["id"] == attempt["signInId"]
    assert late["createdDateTime"] == "2026-11-23T09:00:00Z"  # older than the time it appeared


async def test_sign_ins_older_than_thirty_days_are_gone(
    graph: aiohttp.ClientSession, clock: ManualClock
) -> None:
    await _sign_in(graph, "OneCal", ADELE)
    clock.advance(days=30, seconds=1)
    await _sign_in(graph, "Zeliq", ADELE)
    assert [e["appDisplayName"] for e in await _list(graph)] == ["Zeliq"]
