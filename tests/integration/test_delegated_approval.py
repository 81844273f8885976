"""Delegated approval: the reviewer signs in through SSO and the grant is made with their rights.

The bot runs in production mode against the https sandbox: its own tokens come
from the sandbox's token endpoint through MSAL, and its registration holds no
application permission at all, so a grant can only come from the reviewer's
delegated token (on-behalf-of). Sandbox Graph records who wrote each grant.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.seed import ALEX_ID, BOT_APP_ID, MEGAN_ID, TENANT_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot
from tests.integration.identity_rig import SECRET, https_sandbox
from tests.integration.test_decisions import MEGAN, ask, click, settle, tenant_wide

__all__ = ["https_sandbox"]  # fixture

DELEGATED = ("DelegatedPermissionGrant.ReadWrite.All", "Application.ReadWrite.All", "User.Read")
LOGIN_REQUEST = "application/vnd.microsoft.activity.loginRequest"


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
        BOT_APP_ID, secret=SECRET, app_roles=(), delegated_scopes=DELEGATED
    )
    async with running_bot(
        graph_url=https_sandbox.url,
        data_dir=tmp_path,
        clock=clock,
        client_id=BOT_APP_ID,
        tenant_id=TENANT_ID,
        client_secret=SECRET,
        authority_host=https_sandbox.url,
        approval_mode="delegated",
        allow_unsigned_activities_dangerous=True,  # this test is about grants, not signatures
    ) as rig:
        answer = await rig.post_activity(
            channel_message("review here", connector.url, user=ALEX_ID)
        )
        assert answer.status in {200, 202}, answer.text
        await rig.services.delivery.run_due()
        yield rig


def with_sso(body: dict[str, Any], token: str) -> dict[str, Any]:
    """The click again, as Teams re-sends it once it has the reviewer's SSO token."""
    value = {**body["value"], "authentication": {"id": "x", "connectionName": "c", "token": token}}
    return {**body, "value": value}


async def invoke(bot: BotRig, body: dict[str, Any]) -> dict[str, Any]:
    answer = await bot.post_activity(body)
    assert answer.status == 200, answer.text
    response: dict[str, Any] = json.loads(answer.text)
    return response


async def test_first_click_asks_for_sign_in_then_the_grant_is_made_as_the_reviewer(
    delegated_bot: BotRig, https_sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(delegated_bot, https_sandbox, "OneCal", "adelev@example.com", "cal")
    approve = click("approve", request_id, MEGAN, connector.url)

    first = await invoke(delegated_bot, approve)
    assert first["statusCode"] == 401
    assert first["type"] == LOGIN_REQUEST
    assert first["value"]["tokenExchangeResource"]["uri"] == f"api://botid-{BOT_APP_ID}"
    assert not tenant_wide(https_sandbox, "OneCal")

    sso = https_sandbox.tenant.identity.sso_token(
        "meganb@example.com", BOT_APP_ID, base_url=https_sandbox.url
    )
    second = await invoke(delegated_bot, with_sso(approve, sso))
    assert second["statusCode"] == 200
    assert "Approving" in json.dumps(second)
    await settle(delegated_bot)

    [grant] = tenant_wide(https_sandbox, "OneCal")
    assert grant["grantedBy"] == MEGAN_ID
    assert "Approved" in json.dumps(connector.card_of(connector.updates()[-1]))


async def test_a_token_of_someone_else_or_expired_is_refused_and_nothing_is_granted(
    delegated_bot: BotRig, https_sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(delegated_bot, https_sandbox, "OneCal", "adelev@example.com", "cal")
    approve = click("approve", request_id, MEGAN, connector.url)
    identity = https_sandbox.tenant.identity
    alexs = identity.sso_token("alexw@example.com", BOT_APP_ID, base_url=https_sandbox.url)
    expired = identity.sso_token(
        "meganb@example.com", BOT_APP_ID, base_url=https_sandbox.url, expired=True
    )
    for token in (alexs, expired, "not-a-token"):
        answer = await invoke(delegated_bot, with_sso(approve, token))
        assert answer["type"] == "application/vnd.microsoft.activity.message"
        assert "could not be used" in answer["value"]
    # Still not signed in: the next plain click asks again.
    assert (await invoke(delegated_bot, approve))["type"] == LOGIN_REQUEST
    await settle(delegated_bot)
    assert not tenant_wide(https_sandbox, "OneCal")


async def test_without_delegated_consent_the_reviewer_is_told_what_the_admin_must_grant(
    delegated_bot: BotRig, https_sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    https_sandbox.tenant.identity.register_client(
        BOT_APP_ID, secret=SECRET, app_roles=(), delegated_scopes=("User.Read",)
    )
    request_id = await ask(delegated_bot, https_sandbox, "OneCal", "adelev@example.com", "cal")
    sso = https_sandbox.tenant.identity.sso_token(
        "meganb@example.com", BOT_APP_ID, base_url=https_sandbox.url
    )
    answer = await invoke(
        delegated_bot, with_sso(click("approve", request_id, MEGAN, connector.url), sso)
    )
    assert "DelegatedPermissionGrant.ReadWrite.All" in answer["value"]
    assert not tenant_wide(https_sandbox, "OneCal")
