"""The bot in delegated approval mode against the https sandbox, and a Teams client's part.

The bot runs in production mode: its own tokens come from the sandbox's token
endpoint through MSAL, its registration holds no application permission at
all (so a grant can only come from a reviewer's delegated token), and its
OAuth connection is served by the sandbox's Bot Framework token service.
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.admin.permissions import least_privilege
from sandbox.seed import ALEX_ID, BOT_APP_ID, TENANT_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot
from tests.integration.identity_rig import SECRET

DELEGATED = ("DelegatedPermissionGrant.ReadWrite.All", "Application.ReadWrite.All", "User.Read")
LOGIN_REQUEST = "application/vnd.microsoft.activity.loginRequest"
CONNECTION = "ConsentDeskSSO"


@asynccontextmanager
async def delegated_bot_on(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, data_dir: Path
) -> AsyncIterator[BotRig]:
    """Start the bot (again, on the same data, for a restart) with General as destination."""
    async with running_bot(
        graph_url=sandbox.url,
        data_dir=data_dir,
        clock=clock,
        client_id=BOT_APP_ID,
        tenant_id=TENANT_ID,
        client_secret=SECRET,
        authority_host=sandbox.url,
        bot_token_service_url=sandbox.url,
        oauth_connection_name=CONNECTION,
        approval_mode="delegated",
        allow_unsigned_activities_dangerous=True,  # these tests are about grants, not signatures
    ) as rig:
        answer = await rig.post_activity(
            channel_message("review here", connector.url, user=ALEX_ID)
        )
        assert answer.status in {200, 202}, answer.text
        await rig.services.delivery.run_due()
        yield rig


@pytest.fixture
async def delegated_bot(
    https_sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[BotRig]:
    assert https_sandbox.ca_file
    # The bot trusts the sandbox's certificate the way a deployment trusts a private CA.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", https_sandbox.ca_file)
    monkeypatch.setenv("SSL_CERT_FILE", https_sandbox.ca_file)
    https_sandbox.tenant.identity.register_client(
        BOT_APP_ID,
        secret=SECRET,
        app_roles=least_privilege(delegated_approvals=True),
        delegated_scopes=DELEGATED,
    )
    https_sandbox.tenant.bot_tokens.add_connection(
        BOT_APP_ID, CONNECTION, f"api://botid-{BOT_APP_ID}/access_as_user"
    )
    async with delegated_bot_on(https_sandbox, connector, clock, tmp_path) as rig:
        yield rig


async def invoke(bot: BotRig, body: dict[str, Any]) -> dict[str, Any]:
    answer = await bot.post_activity(body)
    assert answer.status == 200, answer.text
    response: dict[str, Any] = json.loads(answer.text)
    return response


def with_sso(body: dict[str, Any], token: str) -> dict[str, Any]:
    """The click again, as Teams re-sends it once it has the reviewer's SSO token."""
    value = {**body["value"], "authentication": {"id": "x", "connectionName": "c", "token": token}}
    return {**body, "value": value}


def with_magic_code(body: dict[str, Any], code: str) -> dict[str, Any]:
    """The click again, as Teams re-sends it once the user finished the sign-in page."""
    return {**body, "value": {**body["value"], "state": code}}


async def sign_in_on_page(sandbox: SandboxHandle, link: str, user: str) -> str:
    """What the user does in the sign-in window: open the link, sign in, get the magic code."""
    assert link.startswith(sandbox.url), link
    trust = ssl.create_default_context(cafile=sandbox.ca_file)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trust)) as browser:
        async with browser.get(link) as page:
            assert page.status == 200, await page.text()
            form = await page.text()
        link_id = re.search(r"name='signin' value='([^']+)'", form)
        assert link_id, form
        fields = {"signin": link_id.group(1), "user": user}
        async with browser.post(f"{sandbox.url}/api/oauth/signin", data=fields) as done:
            text = await done.text()
            assert done.status == 200, text
    code = re.search(r"<code id='magic-code'>(\d{6})</code>", text)
    assert code, text
    return code.group(1)


async def click_and_sign_in_on_page(
    bot: BotRig, sandbox: SandboxHandle, click: dict[str, Any], user: str
) -> str:
    """Send a first click, follow the sign-in button it gets, sign in as ``user``: the code."""
    link = sign_in_button(await invoke(bot, click))
    return await sign_in_on_page(sandbox, link, user)


def sign_in_button(login_request: dict[str, Any]) -> str:
    [button] = login_request["value"]["buttons"]
    assert button["type"] == "signin"
    link: str = button["value"]
    return link
