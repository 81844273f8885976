"""Why can't I connect? Finding the app from what the user pastes, over real HTTP.

A name (fuzzy, in any of the bot's languages), an app id, a consent URL or
Entra's error text all lead to the same app; unclear names get a choice, and
unknown ones a request for the link or id.
"""

from __future__ import annotations

import pytest

from sandbox.seed_apps import CARERIX_APP_ID, COST_MONITOR_APP_ID, ONECAL_APP_ID, ZELIQ_APP_ID
from sandbox.server import SandboxHandle
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig
from tests.integration.diagnosis_rig import ADELE, PATTI, ask, diagnosis_bot, pending_request_for

__all__ = ["diagnosis_bot"]  # fixture


@pytest.mark.parametrize(
    "text",
    [
        "why can't I connect OneCal?",
        "pourquoi je ne peux pas connecter OneCal",
        "OneCal に接続できない",
        ONECAL_APP_ID,
        f"https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id={ONECAL_APP_ID}&scope=User.Read",
        f"AADSTS90095 something changed in this sentence\nApp id: {ONECAL_APP_ID}",
        "onecall",
    ],
)
async def test_the_app_is_found_from_every_input_form(
    text: str, diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    # OneCal has no service principal yet: its name is known from Patti's request.
    await pending_request_for(sandbox.tenant, diagnosis_bot, PATTI, "OneCal")
    answer = await ask(diagnosis_bot, connector, text, ADELE)
    assert answer.element("app-name")["text"] == "OneCal"
    assert answer.headline == "2"
    assert "others_waiting" in answer.causes


async def test_an_app_the_tenant_never_met_is_not_found_by_name(
    diagnosis_bot: BotRig, connector: RecordingConnector
) -> None:
    """Graph cannot look up another tenant's app by name; the bot asks for the link or id."""
    answer = await ask(diagnosis_bot, connector, "why can't I connect OneCal?", ADELE)
    assert "OneCal" in answer.element("choose-none")["text"]


async def test_unclear_names_get_a_choice_and_the_choice_answers(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    from tests.integration.diagnosis_rig import click

    sandbox.tenant.set_app("Fabrikam Docs for SharePoint", service_principal="present")
    answer = await ask(diagnosis_bot, connector, "why can't I connect sharepoint", ADELE)
    assert "choose-title" in answer.ids()
    buttons = answer.element("choices")["actions"]
    names = [b["title"] for b in buttons]
    assert "Office 365 SharePoint Online" in names
    fabrikam = next(b for b in buttons if "Fabrikam" in b["title"])
    assert fabrikam["verb"] == "diagnose"
    chosen = await click(diagnosis_bot, connector, "diagnose", fabrikam["data"], ADELE)
    assert chosen.element("app-name")["text"] == "Fabrikam Docs for SharePoint"


async def test_unknown_names_and_empty_questions_ask_for_something_usable(
    diagnosis_bot: BotRig, connector: RecordingConnector
) -> None:
    unknown = await ask(diagnosis_bot, connector, "why can't I connect Frobnicator 3000?", ADELE)
    assert "Frobnicator 3000" in unknown.element("choose-none")["text"]
    empty = await ask(diagnosis_bot, connector, "why can't I connect?", ADELE)
    assert "Which app can't you connect?" in empty.element("choose-none")["text"]


async def test_small_talk_still_gets_help(
    diagnosis_bot: BotRig, connector: RecordingConnector
) -> None:
    answer = await ask(diagnosis_bot, connector, "the weather is nice today", ADELE)
    assert "help-title" in answer.ids()


async def test_pasted_ids_that_are_not_the_app_are_skipped(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    attempt = sandbox.tenant.attempt_sign_in("Zeliq", ADELE.upn)
    assert attempt["trace"]["correlationId"] in attempt["errorText"]
    answer = await ask(diagnosis_bot, connector, attempt["errorText"], ADELE)
    assert answer.element("app-name")["text"] == ZELIQ_APP_ID or "Zeliq" in answer.text
    assert "error-code" in answer.ids()
    assert CARERIX_APP_ID not in answer.text
    assert COST_MONITOR_APP_ID not in answer.text


async def test_the_tenants_own_app_needs_no_verified_publisher(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    """Its owner id is this tenant's (not a GUID in the sandbox, which must not break the read)."""
    sandbox.tenant.set_consent_settings(user_consent="low")
    answer = await ask(diagnosis_bot, connector, "why can't I connect Consent Desk?", ADELE)
    assert answer.element("app-name")["text"] == "Consent Desk"
    assert "publisher_not_known" not in answer.causes
    assert "unverified_publisher" not in answer.causes
