"""Delegated approval: the reviewer signs in through SSO and the grant is made with their rights.

See ``delegated_rig`` for how the bot runs: a grant can only come from the
reviewer's delegated token (on-behalf-of), and sandbox Graph records who wrote
each grant.
"""

from __future__ import annotations

import json

from sandbox.seed import BOT_APP_ID, MEGAN_ID
from sandbox.server import SandboxHandle
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig
from tests.integration.decision_clicks import MEGAN, ask, click, settle, tenant_wide
from tests.integration.delegated_rig import (
    LOGIN_REQUEST,
    delegated_bot,
    invoke,
    with_sso,
)
from tests.integration.identity_rig import SECRET, https_sandbox

__all__ = ["delegated_bot", "https_sandbox"]  # fixtures


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
