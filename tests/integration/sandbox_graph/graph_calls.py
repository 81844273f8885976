"""Small helpers to call the sandbox's Graph over HTTP and check OData answers."""

from __future__ import annotations

from typing import Any

import aiohttp

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
REQUESTS = "/v1.0/identityGovernance/appConsent/appConsentRequests"
PENDING = {"$filter": "userConsentRequests/any(u:u/status eq 'InProgress')"}


async def fetch(
    session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, Any, aiohttp.ClientResponse]:
    async with session.request(method, url, **kwargs) as response:
        text = await response.text()
        body = await response.json() if text else None
        return response.status, body, response


async def read_all(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> list[list[Any]]:
    """Follow @odata.nextLink until it is absent; returns the pages."""
    pages = []
    status, body, _ = await fetch(session, "GET", url, **kwargs)
    while True:
        assert status == 200, body
        pages.append(body["value"])
        if "@odata.nextLink" not in body:
            return pages
        status, body, _ = await fetch(session, "GET", body["@odata.nextLink"])


def assert_odata_error(status: int, body: Any, expected_status: int, code: str) -> None:
    assert status == expected_status, body
    error = body["error"]
    assert error["code"] == code
    assert error["message"]
    assert set(error["innerError"]) >= {"date", "request-id", "client-request-id"}
