"""App tokens through MSAL's own cache: reused while good, renewed before expiry, kept on failure.

``app_tokens_for`` builds the real MSAL client; only the HTTP underneath is
fake (``FakeEntra``, a requests adapter answering in-process), and
``time.time`` is the test's clock, which is the clock MSAL's cache reads.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

from bot.infra.app_tokens import AppTokens, TokenError, app_tokens_for
from tests.settings import settings_of

GRAPH = "https://graph.microsoft.com"
BOT_CONNECTOR = "https://api.botframework.com"
AUTHORITY_HOST = "https://127.0.0.1:9"  # never dialled: FakeEntra answers every request
TENANT = "00000000-0000-4000-8000-00000000c0de"
CLIENT_ID = "11111111-0000-4000-8000-00000000b0b0"
SECRET = "the-client-secret"
LIFETIME = 3600
MSAL_EXPIRY_MARGIN = 300
"""MSAL treats a cached token with less than five minutes left as expired and renews it."""
MSAL_HOLDS_BACK_A_400 = 60
"""After a 400 answer MSAL answers the same request from its HTTP cache for a minute."""


class FakeEntra(BaseAdapter):
    """Entra's discovery document and token endpoint; can refuse, fail, or hold an answer."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 1_000_000.0
        self.issued: list[str] = []
        self.token_posts = 0
        self.refresh_in: int | None = None
        self.refusing = False
        self.down = False
        self.unreachable = False
        self.asked = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def clock(self) -> float:
        return self.now

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        path = urlsplit(request.url or "").path
        if request.method == "GET" and path.endswith("/.well-known/openid-configuration"):
            base = f"{AUTHORITY_HOST}/{TENANT}"
            return self._answer(
                request,
                200,
                {
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "issuer": f"{base}/v2.0",
                },
            )
        if request.method == "POST" and path == f"/{TENANT}/oauth2/v2.0/token":
            body = request.body
            form = body.decode() if isinstance(body, bytes) else body
            assert isinstance(form, str)  # MSAL posts a url-encoded form
            return self._token(request, dict(parse_qsl(form)))
        return self._answer(request, 404, {"error": "not_found"})

    def close(self) -> None:
        pass

    def _token(self, request: requests.PreparedRequest, form: dict[str, str]) -> requests.Response:
        self.token_posts += 1
        self.asked.set()
        self.release.wait(timeout=10)
        if self.unreachable:
            raise requests.ConnectionError("connection refused")
        if self.down:
            return self._answer(request, 503, {"error": "server_error"})
        if self.refusing:
            refusal = {"error": "temporarily_unavailable", "error_codes": [50001]}
            return self._answer(request, 400, refusal)
        if form.get("client_secret") != SECRET:
            refusal = {"error": "invalid_client", "error_codes": [7000215]}
            return self._answer(request, 401, refusal)
        resource = form["scope"].removesuffix("/.default")
        token = f"{resource}#{len(self.issued) + 1}"
        self.issued.append(token)
        answer: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
        answer["expires_in"] = LIFETIME
        if self.refresh_in is not None:
            answer["refresh_in"] = self.refresh_in
        return self._answer(request, 200, answer)

    @staticmethod
    def _answer(
        request: requests.PreparedRequest, status: int, body: dict[str, Any]
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        return response


@pytest.fixture
def entra(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEntra]:
    fake = FakeEntra()
    monkeypatch.setattr(time, "time", fake.clock)
    yield fake
    fake.release.set()


def tokens_for(entra: FakeEntra, secret: str = SECRET) -> AppTokens:
    http = requests.Session()
    http.mount("https://", entra)
    settings = settings_of(
        client_id=CLIENT_ID,
        tenant_id=TENANT,
        client_secret=secret,
        authority_host=AUTHORITY_HOST,
        graph_base_url=AUTHORITY_HOST,
    )
    return app_tokens_for(settings, http=http)


@pytest.fixture
async def tokens(entra: FakeEntra) -> AsyncIterator[AppTokens]:
    made = tokens_for(entra)
    yield made
    made.close()


async def test_one_request_serves_every_caller_while_the_token_is_good(
    entra: FakeEntra, tokens: AppTokens
) -> None:
    entra.release.clear()  # Entra takes its time: every caller arrives before it answers
    callers = [asyncio.create_task(tokens.token(GRAPH)) for _ in range(20)]
    assert await asyncio.to_thread(entra.asked.wait, 5)
    await asyncio.sleep(0.05)
    entra.release.set()
    assert {await caller for caller in callers} == {f"{GRAPH}#1"}
    entra.now += LIFETIME - MSAL_EXPIRY_MARGIN - 5  # five seconds before MSAL would renew
    assert await tokens.token(GRAPH) == f"{GRAPH}#1"
    assert entra.issued == [f"{GRAPH}#1"]
    assert entra.token_posts == 1


async def test_each_resource_has_its_own_token(entra: FakeEntra, tokens: AppTokens) -> None:
    assert await tokens.token(GRAPH) == f"{GRAPH}#1"
    assert await tokens.token(BOT_CONNECTOR) == f"{BOT_CONNECTOR}#2"
    assert await tokens.token(GRAPH) == f"{GRAPH}#1"
    assert len(entra.issued) == 2


async def test_msal_renews_a_token_five_minutes_before_it_expires(
    entra: FakeEntra, tokens: AppTokens
) -> None:
    await tokens.token(GRAPH)
    entra.now += LIFETIME - MSAL_EXPIRY_MARGIN + 1
    assert await tokens.token(GRAPH) == f"{GRAPH}#2"
    assert await tokens.token(GRAPH) == f"{GRAPH}#2"
    assert entra.token_posts == 2


async def test_msal_renews_early_when_entra_says_refresh_in(
    entra: FakeEntra, tokens: AppTokens
) -> None:
    entra.refresh_in = LIFETIME // 2
    await tokens.token(GRAPH)
    entra.now += LIFETIME // 2 - 1
    assert await tokens.token(GRAPH) == f"{GRAPH}#1"
    entra.now += 2  # past refresh_in, half an hour before expiry
    assert await tokens.token(GRAPH) == f"{GRAPH}#2"
    assert await tokens.token(GRAPH) == f"{GRAPH}#2"
    assert entra.issued == [f"{GRAPH}#1", f"{GRAPH}#2"]


async def test_while_one_caller_waits_on_entra_the_others_keep_the_current_token(
    entra: FakeEntra, tokens: AppTokens
) -> None:
    entra.refresh_in = LIFETIME // 2
    await tokens.token(GRAPH)
    entra.now += LIFETIME * 0.8  # due for renewal, well before expiry
    entra.asked.clear()
    entra.release.clear()
    renewing = asyncio.create_task(tokens.token(GRAPH))
    assert await asyncio.to_thread(entra.asked.wait, 5)
    # While one caller waits on Entra, the others are served at once with the current token.
    assert await asyncio.wait_for(tokens.token(GRAPH), 1) == f"{GRAPH}#1"
    assert await asyncio.wait_for(tokens.token(GRAPH), 1) == f"{GRAPH}#1"
    entra.release.set()
    assert await renewing == f"{GRAPH}#2"
    assert await tokens.token(GRAPH) == f"{GRAPH}#2"
    assert entra.token_posts == 2


async def test_a_refused_renewal_keeps_the_current_token_until_it_expires(
    entra: FakeEntra, tokens: AppTokens, caplog: pytest.LogCaptureFixture
) -> None:
    entra.refresh_in = LIFETIME // 2
    await tokens.token(GRAPH)
    entra.refusing = True
    entra.now += LIFETIME * 0.6  # due for renewal: MSAL asks, is refused, serves its cached token
    assert await tokens.token(GRAPH) == f"{GRAPH}#1"
    assert entra.token_posts == 2
    entra.now += LIFETIME * 0.3  # later still, MSAL asks again
    assert await tokens.token(GRAPH) == f"{GRAPH}#1"
    assert entra.token_posts == 3
    entra.now += LIFETIME * 0.1 - 120  # MSAL counts it expired; it still has two minutes
    assert await tokens.token(GRAPH) == f"{GRAPH}#1"
    assert entra.token_posts == 4
    assert "renewal" in caplog.text
    assert f"{GRAPH}#1" not in caplog.text
    entra.now += 61  # within a minute of expiry: not handed out any more
    with pytest.raises(TokenError, match=r"temporarily_unavailable \(AADSTS50001\)"):
        await tokens.token(GRAPH)
    entra.refusing = False
    entra.now += MSAL_HOLDS_BACK_A_400 + 1
    assert await tokens.token(GRAPH) == f"{GRAPH}#2"
    assert f"{GRAPH}#" not in caplog.text


async def test_an_outage_at_renewal_keeps_the_current_token_then_names_the_failure(
    entra: FakeEntra, tokens: AppTokens, caplog: pytest.LogCaptureFixture
) -> None:
    await tokens.token(GRAPH)
    entra.now += LIFETIME - MSAL_EXPIRY_MARGIN + 1
    entra.down = True  # a 5xx, which MSAL raises instead of answering from its cache
    assert await tokens.token(GRAPH) == f"{GRAPH}#1"
    entra.down, entra.unreachable = False, True
    entra.now += 6  # past MSAL's hold on repeated requests after a 5xx
    assert await tokens.token(GRAPH) == f"{GRAPH}#1"
    assert entra.token_posts == 3
    assert "renewal for https://graph.microsoft.com failed" in caplog.text
    entra.now += MSAL_EXPIRY_MARGIN - 60
    with pytest.raises(TokenError, match=r"could not be reached for a token for .*ConnectionError"):
        await tokens.token(GRAPH)
    entra.unreachable, entra.down = False, True
    entra.now += 10
    with pytest.raises(TokenError, match=r"failed to answer .*HTTP Error: 503"):
        await tokens.token(GRAPH)
    entra.down = False
    entra.now += 10
    assert await tokens.token(GRAPH) == f"{GRAPH}#2"


async def test_a_refused_first_token_names_the_error_never_the_secret(entra: FakeEntra) -> None:
    tokens = tokens_for(entra, secret="not-the-secret")
    try:
        with pytest.raises(TokenError, match=f"Entra refused a token for {GRAPH}") as refused:
            await tokens.token(GRAPH)
    finally:
        tokens.close()
    assert "invalid_client (AADSTS7000215)" in str(refused.value)
    assert "not-the-secret" not in str(refused.value)


async def test_a_managed_identity_cannot_act_for_users() -> None:
    tokens = AppTokens(lambda _resource: {})
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
