"""The bot's token service client against a local server that misbehaves on request."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from microsoft_agents.activity import Activity

from bot.hosting.user_sign_in_service import TokenServiceError, UserSignInService
from bot.infra.app_tokens import TokenError

BOT_ID = "9a1b2c3d-0000-4000-8000-00000000b0b0"
RESOURCE = "https://api.botframework.com"


@dataclass
class Service:
    """What the server answers next, and what it was asked."""

    status: int = 200
    body: str = "{}"
    seen: list[web.Request] = field(default_factory=list)
    url: str = ""


class Tokens:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.asked: list[str] = []

    async def token(self, resource: str) -> str:
        self.asked.append(resource)
        if self.fail:
            raise TokenError("AADSTS7000215: invalid client secret")
        return "bot-token"


@pytest.fixture
async def service() -> AsyncIterator[Service]:
    state = Service()

    async def answer(request: web.Request) -> web.Response:
        state.seen.append(request)
        return web.Response(status=state.status, text=state.body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield state
    await runner.cleanup()


@pytest.fixture
async def client(service: Service) -> AsyncIterator[UserSignInService]:
    made = UserSignInService(
        endpoint=service.url + "/", resource=RESOURCE, app_id=BOT_ID, app_tokens=Tokens()
    )
    yield made
    await made.close()


def click() -> Activity:
    return Activity.model_validate(
        {
            "type": "invoke",
            "name": "adaptiveCard/action",
            "channelId": "msteams",
            "serviceUrl": "https://smba.trafficmanager.net/emea/",
            "from": {"id": "29:megan", "aadObjectId": "megan-oid"},
            "recipient": {"id": "28:bot"},
            "conversation": {"id": "19:general"},
        }
    )


async def test_the_sign_in_link_is_asked_for_this_user_connection_and_bot(
    service: Service, client: UserSignInService
) -> None:
    service.body = json.dumps({"signInLink": "https://token.example/signin?x=1"})
    assert (
        await client.sign_in_link(click(), "ConsentDeskSSO") == "https://token.example/signin?x=1"
    )
    [request] = service.seen
    assert request.path.lower() == "/api/botsignin/getsigninresource"
    assert request.headers["Authorization"] == "Bearer bot-token"
    state = json.loads(base64.b64decode(request.query["state"]))
    assert state["connectionName"] == "ConsentDeskSSO"
    assert state["msAppId"] == BOT_ID
    assert state["conversation"]["user"]["id"] == "29:megan"
    assert state["conversation"]["conversation"]["id"] == "19:general"


async def test_a_token_is_read_with_or_without_a_code_and_404_means_none(
    service: Service, client: UserSignInService
) -> None:
    service.body = json.dumps({"token": "user-token", "connectionName": "c"})
    assert await client.user_token("29:megan", "c", "msteams", code="123456") == "user-token"
    assert service.seen[-1].query["code"] == "123456"
    assert service.seen[-1].query["userId"] == "29:megan"
    service.status, service.body = 404, json.dumps({"error": {"code": "NotFound"}})
    assert await client.user_token("29:megan", "c", "msteams") is None
    assert "code" not in service.seen[-1].query


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        (500, '{"error": "boom"}', "answered 500"),
        (401, '{"error": {"code": "Unauthorized"}}', "answered 401"),
        (200, "not json", "failed"),
        (200, "[1, 2]", "JSON object"),
        (200, "{}", "no sign-in link"),
    ],
)
async def test_failures_become_one_error_naming_what_happened(
    service: Service, client: UserSignInService, status: int, body: str, says: str
) -> None:
    service.status, service.body = status, body
    with pytest.raises(TokenServiceError, match=says):
        await client.sign_in_link(click(), "c")


async def test_no_bot_token_or_no_server_is_a_token_service_error() -> None:
    tokens = Tokens(fail=True)
    client = UserSignInService(
        endpoint="http://127.0.0.1:9", resource=RESOURCE, app_id=BOT_ID, app_tokens=tokens
    )
    with pytest.raises(TokenServiceError, match="no token for the Bot Framework"):
        await client.user_token("29:megan", "c", "msteams")
    assert tokens.asked == [RESOURCE]
    tokens.fail = False
    with pytest.raises(TokenServiceError, match="failed"):
        await client.user_token("29:megan", "c", "msteams")
    await client.close()
