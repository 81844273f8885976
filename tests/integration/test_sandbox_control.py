"""The control surface and the fault knobs, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sandbox.server import SandboxHandle, start_sandbox

AUTH = {"Authorization": "Bearer sandbox-token"}


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxHandle]:
    handle = await start_sandbox()
    yield handle
    await handle.close()


async def call(
    http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, Any, aiohttp.ClientResponse]:
    async with http.request(method, url, **kwargs) as response:
        return response.status, await response.json(), response


async def test_requests_created_and_decided_through_the_control_surface(
    sandbox: SandboxHandle, http: aiohttp.ClientSession
) -> None:
    body = {"app": "OneCal", "user": "meganb@example.com", "reason": "Calendar sync"}
    status, created, _ = await call(http, "POST", "/_sandbox/requests", json=body)
    assert status == 201
    request_id = created["appConsentRequestId"]

    decision = {"approve": True, "reviewer": "alexw@example.com", "justification": "Vetted"}
    status, result, _ = await call(
        http, "POST", f"/_sandbox/requests/{request_id}/complete", json=decision
    )
    assert status == 200
    assert result["decision"] == "Approve"
    [grant] = result["grants"]
    assert grant["scope"] == "Calendars.ReadWrite User.Read offline_access"
    _, grants, _ = await call(http, "GET", "/_sandbox/grants")
    assert any(g["clientDisplayName"] == "OneCal" for g in grants["grants"])
    status, again, _ = await call(
        http, "POST", f"/_sandbox/requests/{request_id}/complete", json=decision
    )
    assert status == 409
    assert "nothing in progress" in again["error"]


async def test_second_request_by_the_same_user_is_a_conflict(http: aiohttp.ClientSession) -> None:
    body = {"app": "Zeliq", "user": "adelev@example.com", "reason": "Prospecting"}
    assert (await call(http, "POST", "/_sandbox/requests", json=body))[0] == 201
    status, error, _ = await call(http, "POST", "/_sandbox/requests", json=body)
    assert status == 409
    assert "already has a pending request" in error["error"]


async def test_workflow_off_refuses_requests(http: aiohttp.ClientSession) -> None:
    status, settings, _ = await call(
        http,
        "POST",
        "/_sandbox/settings",
        json={"requests_enabled": False, "user_consent": "legacy"},
    )
    assert status == 200
    assert settings["requests_enabled"] is False
    body = {"app": "OneCal", "user": "adelev@example.com", "reason": "x"}
    status, error, _ = await call(http, "POST", "/_sandbox/requests", json=body)
    assert status == 409
    assert "AADSTS90094" in error["error"]


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("POST", "/_sandbox/requests", {"app": "OneCal"}, 400),
        ("POST", "/_sandbox/requests", {"app": "OneCal", "user": "x", "reason": 3}, 400),
        (
            "POST",
            "/_sandbox/requests",
            {"app": "Nope", "user": "alexw@example.com", "reason": "r"},
            404,
        ),
        ("POST", "/_sandbox/requests", {"app": "OneCal", "user": "nobody", "reason": "r"}, 404),
        (
            "POST",
            "/_sandbox/requests",
            {"app": "OneCal", "user": "alexw@example.com", "reason": " "},
            400,
        ),
        (
            "POST",
            "/_sandbox/requests",
            {"app": "Wingtip Whiteboard", "user": "alexw@example.com", "reason": "r"},
            409,
        ),
        (
            "POST",
            "/_sandbox/requests",
            {"app": "Quick PDF Converter Online", "user": "alexw@example.com", "reason": "r"},
            409,
        ),
        (
            "POST",
            "/_sandbox/requests",
            {"app": "OneCal", "user": "a", "reason": "r", "extra": 1},
            400,
        ),
        ("POST", "/_sandbox/requests/unknown/complete", {"approve": True}, 404),
        ("POST", "/_sandbox/requests/unknown/complete", {"approve": "yes"}, 400),
        ("POST", "/_sandbox/requests/unknown/expire", None, 404),
        ("POST", "/_sandbox/settings", {"user_consent": "sometimes"}, 400),
        ("POST", "/_sandbox/settings", {"request_duration_days": 90}, 400),
        ("POST", "/_sandbox/faults", {"throttle_ratio": 1.5}, 400),
        ("POST", "/_sandbox/faults", {"throttle_ratio": 0.7, "unavailable_ratio": 0.7}, 400),
        ("POST", "/_sandbox/faults", {"fail_next": [418]}, 400),
        ("POST", "/_sandbox/users/nobody/bot-blocked", {"blocked": True}, 404),
        ("POST", "/_sandbox/backlog", {"count": 0}, 400),
        ("GET", "/_sandbox/nothing-here", None, 404),
    ],
)
async def test_bad_control_input_is_a_4xx_with_a_message(
    http: aiohttp.ClientSession, method: str, url: str, body: Any, status: int
) -> None:
    async with http.request(method, url, json=body) as response:
        assert response.status == status
        payload = await response.json()
    assert isinstance(payload["error"], str)
    assert payload["error"]


async def test_malformed_json_is_a_400(http: aiohttp.ClientSession) -> None:
    async with http.post(
        "/_sandbox/requests", data=b"{not json", headers={"Content-Type": "application/json"}
    ) as r:
        assert r.status == 400
        assert "Invalid" in (await r.json())["error"]


async def test_throttle_knob_gives_retry_after(http: aiohttp.ClientSession) -> None:
    knobs = {"throttle_ratio": 1.0, "retry_after_seconds": 7}
    assert (await call(http, "POST", "/_sandbox/faults", json=knobs))[0] == 200

    status, body, response = await call(http, "GET", "/v1.0/users", headers=AUTH)
    assert status == 429
    assert response.headers["Retry-After"] == "7"
    assert body["error"]["code"] == "TooManyRequests"
    assert (await call(http, "GET", "/_sandbox/state"))[0] == 200  # never faulted
    await call(http, "POST", "/_sandbox/faults", json={"throttle_ratio": 0.0})
    assert (await call(http, "GET", "/v1.0/users", headers=AUTH))[0] == 200


async def test_seeded_faults_are_reproducible(http: aiohttp.ClientSession) -> None:
    knobs = {"throttle_ratio": 0.3, "unavailable_ratio": 0.2, "seed": 42}

    async def statuses() -> list[int]:
        await call(http, "POST", "/_sandbox/faults", json=knobs)
        result = []
        for _ in range(30):
            async with http.get("/v1.0/organization", headers=AUTH) as response:
                result.append(response.status)
        return result

    first, second = await statuses(), await statuses()
    assert first == second
    assert {200, 429, 503} <= set(first)


async def test_fail_next_applies_to_the_batch_call_itself(
    sandbox: SandboxHandle, http: aiohttp.ClientSession
) -> None:
    await call(http, "POST", "/_sandbox/faults", json={"fail_next": [503]})
    batch = {"requests": [{"id": "1", "method": "GET", "url": "/organization"}]}
    status, body, _ = await call(http, "POST", "/v1.0/$batch", json=batch, headers=AUTH)
    assert status == 503
    assert body["error"]["code"] == "ServiceUnavailable"
    status, body, _ = await call(http, "POST", "/v1.0/$batch", json=batch, headers=AUTH)
    assert status == 200
    assert body["responses"][0]["status"] == 200


async def test_latency_knob_slows_graph_only(http: aiohttp.ClientSession) -> None:
    await call(http, "POST", "/_sandbox/faults", json={"latency_ms": 150})
    started = time.monotonic()
    await call(http, "GET", "/v1.0/organization", headers=AUTH)
    assert time.monotonic() - started >= 0.15
    started = time.monotonic()
    await call(http, "GET", "/_sandbox/faults")
    assert time.monotonic() - started < 0.15


async def test_calls_are_counted_per_route_and_resettable(http: aiohttp.ClientSession) -> None:
    await call(http, "DELETE", "/_sandbox/calls")
    pending = "/v1.0/identityGovernance/appConsent/appConsentRequests"
    await call(http, "GET", pending, headers=AUTH)
    await call(http, "GET", pending, headers=AUTH)
    await call(http, "GET", "/v1.0/users/alexw@example.com", headers=AUTH)
    _, calls, _ = await call(http, "GET", "/_sandbox/calls")
    assert calls["total"] == 3
    assert calls["routes"] == {
        "GET /identityGovernance/appConsent/appConsentRequests": 2,
        "GET /users/{id}": 1,
    }
    _, cleared, _ = await call(http, "DELETE", "/_sandbox/calls")
    assert cleared["total"] == 0


async def test_reset_returns_to_the_seed_without_reusing_ids(http: aiohttp.ClientSession) -> None:
    body = {"app": "OneCal", "user": "meganb@example.com", "reason": "sync"}
    _, first, _ = await call(http, "POST", "/_sandbox/requests", json=body)
    _, state, _ = await call(http, "POST", "/_sandbox/reset")
    assert state["requests"] == []
    _, second, _ = await call(http, "POST", "/_sandbox/requests", json=body)
    assert second["appConsentRequestId"] != first["appConsentRequestId"]


async def test_backlog_and_state(http: aiohttp.ClientSession) -> None:
    status, created, _ = await call(
        http, "POST", "/_sandbox/backlog", json={"count": 12, "seed": 1}
    )
    assert status == 201
    _, state, _ = await call(http, "GET", "/_sandbox/state")
    assert len(state["requests"]) == 12
    assert len(created["created"]) == sum(len(r["userRequests"]) for r in state["requests"])
    assert all(r["pending"] for r in state["requests"])
