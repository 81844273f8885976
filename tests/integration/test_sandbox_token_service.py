"""The sandbox's Bot Framework token service, over HTTP: who may call it, links, codes, tokens."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import aiohttp
import jwt
import pytest

from sandbox.identity import claims
from sandbox.seed import BOT_APP_ID, MEGAN_ID
from sandbox.server import SandboxHandle

CONNECTION = "ConsentDeskSSO"
MEGANS_TEAMS_ID = f"29:{MEGAN_ID}"
OTHER_BOT = "11111111-2222-3333-4444-555555555555"


@pytest.fixture(autouse=True)
def bot_with_connection(sandbox: SandboxHandle) -> None:
    sandbox.tenant.identity.register_client(BOT_APP_ID, secret="s", delegated_scopes=("User.Read",))
    sandbox.tenant.bot_tokens.add_connection(
        BOT_APP_ID, CONNECTION, f"api://botid-{BOT_APP_ID}/access_as_user"
    )


def bot_token(sandbox: SandboxHandle, *, audience: str = "https://api.botframework.com") -> str:
    identity = sandbox.tenant.identity
    issued = claims.app_token(identity.issue(sandbox.url), audience, BOT_APP_ID, "sp", ())
    return identity.sign(issued)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def state(*, user_id: str = MEGANS_TEAMS_ID, app_id: str = BOT_APP_ID, **extra: Any) -> str:
    exchange = {
        "connectionName": CONNECTION,
        "conversation": {"user": {"id": user_id}, "channelId": "msteams"},
        "msAppId": app_id,
        **extra,
    }
    return base64.b64encode(json.dumps(exchange).encode()).decode()


async def sign_in_link(http: aiohttp.ClientSession, sandbox: SandboxHandle, **kwargs: Any) -> str:
    async with http.get(
        "/api/botsignin/getSignInResource",
        params={"state": state(**kwargs)},
        headers=bearer(bot_token(sandbox)),
    ) as answer:
        assert answer.status == 200, await answer.text()
        link: str = (await answer.json())["signInLink"]
        return link


async def sign_in(http: aiohttp.ClientSession, link: str, user: str) -> tuple[int, str]:
    link_id = link.split("signin=", 1)[1]
    async with http.post("/api/oauth/signin", data={"signin": link_id, "user": user}) as page:
        return page.status, await page.text()


def magic_code(page: str) -> str:
    found = re.search(r"<code id='magic-code'>(\d{6})</code>", page)
    assert found, page
    return found.group(1)


async def get_token(
    http: aiohttp.ClientSession, sandbox: SandboxHandle, code: str | None = None
) -> tuple[int, dict[str, Any]]:
    params = {"userId": MEGANS_TEAMS_ID, "connectionName": CONNECTION, "channelId": "msteams"}
    if code is not None:
        params["code"] = code
    async with http.get(
        "/api/usertoken/GetToken", params=params, headers=bearer(bot_token(sandbox))
    ) as answer:
        body: dict[str, Any] = await answer.json()
        return answer.status, body


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token", "graph", "user"],
    ids=["none", "garbage", "graph-audience", "user-token"],
)
async def test_only_the_bots_own_bot_framework_token_is_accepted(
    sandbox: SandboxHandle, http: aiohttp.ClientSession, authorization: str | None
) -> None:
    identity = sandbox.tenant.identity
    if authorization == "graph":
        authorization = f"Bearer {bot_token(sandbox, audience='https://graph.microsoft.com')}"
    elif authorization == "user":
        token = identity.sso_token("meganb@example.com", BOT_APP_ID, base_url=sandbox.url)
        authorization = f"Bearer {token}"
    headers = {"Authorization": authorization} if authorization else {}
    for path, params in (
        ("/api/botsignin/GetSignInResource", {"state": state()}),
        ("/api/usertoken/GetToken", {"userId": MEGANS_TEAMS_ID, "connectionName": CONNECTION}),
    ):
        async with http.get(path, params=params, headers=headers) as answer:
            assert answer.status == 401, (path, await answer.text())


@pytest.mark.parametrize(
    ("state_value", "status"),
    [
        (state(app_id=OTHER_BOT), 401),
        (base64.b64encode(json.dumps({"msAppId": BOT_APP_ID}).encode()).decode(), 400),
        (state(user_id=""), 400),
        ("%%%not base64", 400),
    ],
    ids=["another-bot", "unknown-connection", "no-user", "garbage"],
)
async def test_a_sign_in_link_needs_a_state_for_the_callers_own_connection_and_a_user(
    sandbox: SandboxHandle, http: aiohttp.ClientSession, state_value: str, status: int
) -> None:
    async with http.get(
        "/api/botsignin/GetSignInResource",
        params={"state": state_value},
        headers=bearer(bot_token(sandbox)),
    ) as answer:
        assert answer.status == status, await answer.text()
        assert "message" in (await answer.json())["error"]


async def test_signing_in_gives_a_one_time_code_for_a_token_of_the_bots_own_api(
    sandbox: SandboxHandle, http: aiohttp.ClientSession
) -> None:
    link = await sign_in_link(http, sandbox)
    async with http.get(link.removeprefix(sandbox.url)) as form:
        assert form.status == 200
        assert CONNECTION in await form.text()
    status, page = await sign_in(http, link, "meganb@example.com")
    assert status == 200
    code = magic_code(page)

    status, body = await get_token(http, sandbox, code)
    assert status == 200, body
    assert body["connectionName"] == CONNECTION
    token = jwt.decode(body["token"], options={"verify_signature": False})
    assert (token["aud"], token["oid"], token["scp"]) == (BOT_APP_ID, MEGAN_ID, "access_as_user")

    # The code is spent, and the link too; the token stays with the service.
    assert (await get_token(http, sandbox, code))[0] == 404
    assert (await sign_in(http, link, "meganb@example.com"))[0] == 404
    status, again = await get_token(http, sandbox)
    assert (status, again["token"]) == (200, body["token"])


async def test_the_held_token_is_refreshed_near_expiry_and_forgotten_on_sign_out(
    sandbox: SandboxHandle, http: aiohttp.ClientSession
) -> None:
    identity = sandbox.tenant.identity
    started = identity.clock()
    code = magic_code(
        (await sign_in(http, await sign_in_link(http, sandbox), "meganb@example.com"))[1]
    )
    first = (await get_token(http, sandbox, code))[1]["token"]

    identity.clock = lambda: started + identity.token_lifetime_seconds - 60
    status, refreshed = await get_token(http, sandbox)
    assert status == 200
    assert refreshed["token"] != first
    assert jwt.decode(refreshed["token"], options={"verify_signature": False})["oid"] == MEGAN_ID

    async with http.delete(
        "/api/usertoken/SignOut",
        params={"userId": MEGANS_TEAMS_ID, "connectionName": CONNECTION},
        headers=bearer(bot_token(sandbox)),
    ) as answer:
        assert answer.status == 200
    assert (await get_token(http, sandbox))[0] == 404


async def test_links_and_codes_expire(sandbox: SandboxHandle, http: aiohttp.ClientSession) -> None:
    identity = sandbox.tenant.identity
    started = identity.clock()
    stale_link = await sign_in_link(http, sandbox)
    code = magic_code(
        (await sign_in(http, await sign_in_link(http, sandbox), "meganb@example.com"))[1]
    )

    identity.clock = lambda: started + 16 * 60
    status, page = await sign_in(http, stale_link, "meganb@example.com")
    assert status == 404
    assert "expired" in page
    assert (await get_token(http, sandbox, code))[0] == 404


async def test_the_page_refuses_unknown_users_and_missing_consent(
    sandbox: SandboxHandle, http: aiohttp.ClientSession
) -> None:
    status, page = await sign_in(http, await sign_in_link(http, sandbox), "nobody@example.com")
    assert status == 400
    assert "nobody@example.com" in page

    sandbox.tenant.bot_tokens.add_connection(
        BOT_APP_ID, CONNECTION, "https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All"
    )
    status, page = await sign_in(http, await sign_in_link(http, sandbox), "meganb@example.com")
    assert status == 400
    assert "AADSTS65001" in page
