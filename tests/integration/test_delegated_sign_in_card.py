"""Delegated approval for clients without SSO: the sign-in button, the page and the magic code.

The test plays the Teams client: it reads the sign-in button from the bot's
login request, signs in on the token service's page (the sandbox's), and sends
the click again with the magic code in ``value.state``, as Teams does.
"""

from __future__ import annotations

import json
from pathlib import Path

from sandbox.seed import BOT_APP_ID, MEGAN_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig
from tests.integration.decision_clicks import ALEX, MEGAN, ask, click, settle, tenant_wide
from tests.integration.delegated_rig import (
    LOGIN_REQUEST,
    click_and_sign_in_on_page,
    delegated_bot,
    delegated_bot_on,
    invoke,
    sign_in_button,
    sign_in_on_page,
    with_magic_code,
)
from tests.integration.identity_rig import https_sandbox

__all__ = ["delegated_bot", "https_sandbox"]  # fixtures

INVALID_AUTH_CODE = "application/vnd.microsoft.error.invalidAuthCode"


async def test_the_reviewer_signs_in_on_the_page_and_the_grant_is_made_as_them(
    delegated_bot: BotRig, https_sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(delegated_bot, https_sandbox, "OneCal", "adelev@example.com", "cal")
    approve = click("approve", request_id, MEGAN, connector.url)

    first = await invoke(delegated_bot, approve)
    assert (first["statusCode"], first["type"]) == (401, LOGIN_REQUEST)
    # Both ways in: SSO for clients that can, the button for those that cannot.
    assert first["value"]["tokenExchangeResource"]["uri"] == f"api://botid-{BOT_APP_ID}"
    link = sign_in_button(first)
    assert first["value"]["buttons"][0]["title"] == "Sign in"

    code = await sign_in_on_page(https_sandbox, link, "meganb@example.com")
    second = await invoke(delegated_bot, with_magic_code(approve, code))
    assert second["statusCode"] == 200, second
    assert "Approving" in json.dumps(second)
    await settle(delegated_bot)

    [grant] = tenant_wide(https_sandbox, "OneCal")
    assert grant["grantedBy"] == MEGAN_ID
    assert "Approved" in json.dumps(connector.card_of(connector.updates()[-1]))


async def test_a_wrong_code_or_one_made_for_another_user_gets_invalid_auth_code(
    delegated_bot: BotRig, https_sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(delegated_bot, https_sandbox, "OneCal", "adelev@example.com", "cal")
    megans_click = click("approve", request_id, MEGAN, connector.url)
    code = await click_and_sign_in_on_page(
        delegated_bot, https_sandbox, megans_click, "meganb@example.com"
    )
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    answer = await invoke(delegated_bot, with_magic_code(megans_click, wrong))
    assert (answer["statusCode"], answer["type"]) == (401, INVALID_AUTH_CODE)
    # Megan's code is bound to her Teams account: Alex cannot redeem it.
    alexs_click = click("approve", request_id, ALEX, connector.url)
    answer = await invoke(delegated_bot, with_magic_code(alexs_click, code))
    assert (answer["statusCode"], answer["type"]) == (401, INVALID_AUTH_CODE)

    await settle(delegated_bot)
    assert not tenant_wide(https_sandbox, "OneCal")


async def test_someone_else_signing_in_on_the_reviewers_link_is_refused(
    delegated_bot: BotRig, https_sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(delegated_bot, https_sandbox, "OneCal", "adelev@example.com", "cal")
    approve = click("approve", request_id, MEGAN, connector.url)
    # Megan's link, but Entra signs Alex in (a shared browser, a phishing attempt...).
    code = await click_and_sign_in_on_page(
        delegated_bot, https_sandbox, approve, "alexw@example.com"
    )

    answer = await invoke(delegated_bot, with_magic_code(approve, code))
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert "could not be used" in answer["value"]
    await settle(delegated_bot)
    assert not tenant_wide(https_sandbox, "OneCal")


async def test_a_reviewer_signs_in_once_even_for_a_restarted_or_other_replica(
    delegated_bot: BotRig,
    https_sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    first_request = await ask(delegated_bot, https_sandbox, "OneCal", "adelev@example.com", "x")
    approve = click("approve", first_request, MEGAN, connector.url)
    code = await click_and_sign_in_on_page(
        delegated_bot, https_sandbox, approve, "meganb@example.com"
    )
    assert (await invoke(delegated_bot, with_magic_code(approve, code)))["statusCode"] == 200
    await settle(delegated_bot)

    # A second process on the same store holds no token in memory; the token service does.
    async with delegated_bot_on(https_sandbox, connector, clock, tmp_path) as replica:
        second_request = await ask(replica, https_sandbox, "Zeliq", "adelev@example.com", "y")
        answer = await invoke(replica, click("approve", second_request, MEGAN, connector.url))
        assert answer["statusCode"] == 200, answer
        await settle(replica)

    grants = {g["clientDisplayName"]: g for g in https_sandbox.tenant.grants()}
    assert grants["OneCal"]["grantedBy"] == MEGAN_ID
    assert grants["Zeliq"]["grantedBy"] == MEGAN_ID


async def test_without_a_usable_oauth_connection_sso_is_still_offered(
    delegated_bot: BotRig, https_sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(delegated_bot, https_sandbox, "OneCal", "adelev@example.com", "cal")
    approve = click("approve", request_id, MEGAN, connector.url)
    code = await click_and_sign_in_on_page(
        delegated_bot, https_sandbox, approve, "meganb@example.com"
    )
    https_sandbox.tenant.bot_tokens.connections.clear()  # say, renamed on the Azure Bot

    answer = await invoke(delegated_bot, with_magic_code(approve, code))
    assert answer["type"] == "application/vnd.microsoft.activity.message"
    assert "OAuth connection" in answer["value"]
    answer = await invoke(delegated_bot, approve)
    assert (answer["statusCode"], answer["type"]) == (401, LOGIN_REQUEST)
    assert answer["value"]["buttons"] == []
    assert answer["value"]["tokenExchangeResource"]["uri"] == f"api://botid-{BOT_APP_ID}"
    await settle(delegated_bot)
    assert not tenant_wide(https_sandbox, "OneCal")
