"""App tokens: fetched once, renewed before expiry without stalling callers, kept on failure."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from bot.infra.app_tokens import AppTokens, TokenError

GRAPH = "https://graph.microsoft.com"
LIFETIME = 3600.0


class FakeEntra:
    """Answers token requests like Entra does; can be told to fail or to hold an answer."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.issued: list[str] = []
        self.failing = False
        self.release = threading.Event()
        self.release.set()

    def clock(self) -> float:
        return self.now

    def fetch(self, resource: str) -> dict[str, Any]:
        self.release.wait(timeout=10)
        if self.failing:
            return {"error": "temporarily_unavailable", "error_codes": [50001]}
        token = f"{resource}#{len(self.issued) + 1}"
        self.issued.append(token)
        return {"access_token": token, "expires_in": LIFETIME, "token_type": "Bearer"}


@pytest.fixture
def entra() -> FakeEntra:
    return FakeEntra()


async def test_one_fetch_serves_every_caller_until_the_renewal_point(entra: FakeEntra) -> None:
    tokens = AppTokens(entra.fetch, clock=entra.clock)
    first = await asyncio.gather(*(tokens.token(GRAPH) for _ in range(20)))
    assert set(first) == {f"{GRAPH}#1"}
    entra.now += LIFETIME * 0.7
    assert await tokens.token(GRAPH) == f"{GRAPH}#1"
    assert entra.issued == [f"{GRAPH}#1"]


async def test_each_resource_has_its_own_token(entra: FakeEntra) -> None:
    tokens = AppTokens(entra.fetch, clock=entra.clock)
    assert await tokens.token(GRAPH) != await tokens.token("https://api.botframework.com")
    assert len(entra.issued) == 2


async def test_renewal_happens_before_expiry_while_others_keep_the_current_token(
    entra: FakeEntra,
) -> None:
    tokens = AppTokens(entra.fetch, clock=entra.clock)
    await tokens.token(GRAPH)
    entra.now += LIFETIME * 0.8  # past the renewal point, well before expiry
    entra.release.clear()
    renewing = asyncio.create_task(tokens.token(GRAPH))
    await asyncio.sleep(0.05)
    # While one caller waits on Entra, the others are served at once with the current token.
    assert await asyncio.wait_for(tokens.token(GRAPH), 1) == f"{GRAPH}#1"
    entra.release.set()
    assert await renewing == f"{GRAPH}#2"
    assert await tokens.token(GRAPH) == f"{GRAPH}#2"


async def test_a_failed_renewal_keeps_the_current_token_until_it_expires(
    entra: FakeEntra, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = AppTokens(entra.fetch, clock=entra.clock)
    await tokens.token(GRAPH)
    entra.now += LIFETIME * 0.8
    entra.failing = True
    assert await tokens.token(GRAPH) == f"{GRAPH}#1"
    assert "renewal" in caplog.text
    assert f"{GRAPH}#1" not in caplog.text
    entra.now += LIFETIME * 0.2  # now expired
    with pytest.raises(TokenError, match=r"temporarily_unavailable \(AADSTS50001\)"):
        await tokens.token(GRAPH)
    entra.failing = False
    assert await tokens.token(GRAPH) == f"{GRAPH}#2"


async def test_a_refused_first_token_names_the_error(entra: FakeEntra) -> None:
    entra.failing = True
    tokens = AppTokens(entra.fetch, clock=entra.clock)
    with pytest.raises(TokenError, match=f"Entra refused a token for {GRAPH}"):
        await tokens.token(GRAPH)


async def test_a_managed_identity_cannot_act_for_users(entra: FakeEntra) -> None:
    tokens = AppTokens(entra.fetch, clock=entra.clock)
    assert not tokens.can_act_for_users
    with pytest.raises(TokenError, match="managed identity"):
        await tokens.for_user("assertion", [f"{GRAPH}/User.Read"])


async def test_on_behalf_of_returns_the_delegated_token_or_names_the_refusal() -> None:
    asked: list[tuple[str, list[str]]] = []

    def on_behalf_of(assertion: str, scopes: list[str]) -> dict[str, Any]:
        asked.append((assertion, scopes))
        if assertion == "bad":
            return {"error": "invalid_grant", "error_codes": [50013]}
        return {"access_token": "delegated", "expires_in": 3600}

    tokens = AppTokens(lambda _r: {}, on_behalf_of=on_behalf_of)
    assert await tokens.for_user("good", [f"{GRAPH}/User.Read"]) == "delegated"
    with pytest.raises(TokenError, match=r"invalid_grant \(AADSTS50013\)"):
        await tokens.for_user("bad", [f"{GRAPH}/User.Read"])
    assert asked[0] == ("good", [f"{GRAPH}/User.Read"])
