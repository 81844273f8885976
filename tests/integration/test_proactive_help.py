"""Help before anyone asks: a sign-in Entra stopped becomes one 1:1 card, once, in the person's
language, over real HTTP against the sandbox tenant and its sign-in log.

The card is the answer the person would get by asking "why can't I connect?":
the same situation, causes and next step, "Ask the reviewers for me" where
Entra shows no request form, and a refresh that follows a request once filed.
"""

from __future__ import annotations

import json

from bot.store import decisions
from sandbox.seed_apps import ONECAL_APP_ID, ZELIQ_APP_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import GENERAL_CHANNEL, BotRig
from tests.integration.channel_chat import say
from tests.integration.diagnosis_rig import (
    ADELE,
    ALEX,
    LYNNE,
    PATTI,
    ask,
    click,
    personal_message,
)
from tests.integration.proactive_help_rig import (
    blocked_sign_in,
    help_cards,
    helping_bot,
    run_pass,
)

__all__ = ["helping_bot"]  # fixture


def reviewer_cards_in_general(connector: RecordingConnector, app: str) -> list[str]:
    return [
        json.dumps(connector.card_of(call))
        for call in connector.posts()
        if call.path == "/v3/conversations"
        and GENERAL_CHANNEL in json.dumps(call.body)
        and f"Admin consent request: {app}" in json.dumps(call.body)
    ]


async def test_no_request_form_gets_one_card_with_ask_the_reviewers_and_never_a_second(
    helping_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    blocked_sign_in(sandbox, "Zeliq", ADELE, "need_admin_approval")

    report = await run_pass(helping_bot)

    assert (report.state, report.new, report.offered) == ("reading", 1, 1)
    [card] = help_cards(connector, ADELE)
    assert card.headline == "3"
    assert card.next_step == "ask_reviewers"
    assert "requests_off" in card.causes
    assert card.element("app-name")["text"] == "Zeliq"
    assert "AADSTS90094" in card.element("error-code")["text"]
    assert card.card["lang"] == "en"
    intro = card.element("outreach-intro")["items"][0]["text"]
    assert intro == "Entra stopped you connecting Zeliq"
    assert "Reply stop" in card.element("outreach-stop")["text"]
    # The same answer as asking: the pasted error says the same.
    asked = await ask(helping_bot, connector, "AADSTS90094 " + ZELIQ_APP_ID, ADELE)
    assert (asked.headline, asked.next_step, asked.causes) == ("3", "ask_reviewers", card.causes)

    clock.advance(minutes=20)
    blocked_sign_in(sandbox, "Zeliq", ADELE, "need_admin_approval")
    again = await run_pass(helping_bot)
    clock.advance(minutes=20)
    await run_pass(helping_bot)
    assert (again.new, again.offered) == (1, 0)
    assert len(help_cards(connector, ADELE)) == 1

    # "Ask the reviewers for me" on the card posts the request to the review channel.
    assert "app_name" not in card.ids()  # the log named the app Graph cannot name
    submit = card.element("ask-submit")
    data = {**submit["data"], "justification": "Sequences from my mailbox"}
    sent = await click(helping_bot, connector, "ask_reviewers", data, ADELE)
    assert sent.next_step == "wait"
    await helping_bot.services.delivery.run_due()
    assert len(reviewer_cards_in_general(connector, "Zeliq")) == 1


async def test_a_request_form_is_named_and_the_card_follows_the_request_once_filed(
    helping_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    blocked_sign_in(sandbox, "OneCal", ADELE, "approval_required")
    await run_pass(helping_bot)
    [card] = help_cards(connector, ADELE)
    assert card.headline == "2"
    assert card.next_step == "submit_request"
    assert "AADSTS90095" in card.element("error-code")["text"]
    assert "ask-reviewers" not in card.ids()

    sandbox.tenant.create_request("OneCal", ADELE.upn, "Sync my work calendar")
    await helping_bot.tick()
    refresh = card.card["refresh"]["action"]
    assert refresh["data"]["app_id"] == ONECAL_APP_ID
    followed = await click(helping_bot, connector, refresh["verb"], refresh["data"], ADELE)
    assert followed.next_step == "wait"
    assert "request_pending" in followed.causes
    assert followed.element("app-name")["text"] == "OneCal"


async def test_a_late_log_entry_is_caught_by_the_overlap(
    helping_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    blocked_sign_in(sandbox, "Zeliq", ADELE, "need_admin_approval")
    await run_pass(helping_bot)
    log = sandbox.tenant.sign_in_log

    clock.advance(minutes=1)
    log.configure(lag_seconds=600)  # Entra writes this one ten minutes late
    blocked_sign_in(sandbox, "Zeliq", PATTI, "need_admin_approval")
    log.configure(lag_seconds=0)
    clock.advance(minutes=4)
    blocked_sign_in(sandbox, "OneCal", ADELE, "need_admin_approval")  # newer, and on time
    early = await run_pass(helping_bot)
    assert early.new == 1  # Adele's second: the watermark is now past Patti's attempt
    assert help_cards(connector, PATTI) == []

    clock.advance(minutes=7)
    late = await run_pass(helping_bot)
    assert late.new == 1
    [card] = help_cards(connector, PATTI)
    assert card.headline == "3"


async def test_stop_is_honoured_in_the_persons_language_and_start_undoes_it(
    helping_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    before = len(connector.calls)
    answer = await helping_bot.post_activity(
        personal_message("arrête", connector.url, LYNNE, "fr-FR")
    )
    assert answer.status in (200, 202)
    [reply] = [c for c in connector.calls[before:] if c.method == "POST"]
    assert reply.body["text"].startswith("C'est noté")

    blocked_sign_in(sandbox, "Zeliq", LYNNE, "need_admin_approval")
    report = await run_pass(helping_bot)
    assert (report.new, report.offered) == (1, 0)
    assert help_cards(connector, LYNNE) == []

    await helping_bot.post_activity(personal_message("start", connector.url, LYNNE, "fr-FR"))
    clock.advance(minutes=5)
    await run_pass(helping_bot)
    [card] = help_cards(connector, LYNNE)
    assert card.card["lang"] == "fr"


async def test_someone_who_never_wrote_gets_their_directory_language(
    helping_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    blocked_sign_in(sandbox, "Zeliq", LYNNE, "need_admin_approval")  # preferredLanguage fr-FR
    await run_pass(helping_bot)
    [card] = help_cards(connector, LYNNE)
    assert card.card["lang"] == "fr"
    assert card.headline == "3"
    intro = card.element("outreach-intro")["items"][0]["text"]
    assert intro == "Entra vous a empêché de connecter Zeliq"
    assert "Répondez stop" in card.element("outreach-stop")["text"]
    assert card.element("ask-submit")["data"]["lang"] == "fr"


async def test_the_chat_language_wins_over_the_directory(
    helping_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    # Patti's profile says ja-JP, but she talks to the bot in English.
    await helping_bot.post_activity(personal_message("hello", connector.url, PATTI, "en-US"))
    blocked_sign_in(sandbox, "OneCal", PATTI, "approval_required")
    await run_pass(helping_bot)
    [card] = help_cards(connector, PATTI)
    assert card.card["lang"] == "en"


async def test_excluded_apps_and_people_who_blocked_the_bot_get_nothing(
    helping_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    await helping_bot.post_activity(personal_message("hello", connector.url, PATTI))
    async with helping_bot.services.sessions() as session:
        await decisions.mark_chat_blocked(session, PATTI.id, clock())
        await session.commit()
    blocked_sign_in(sandbox, "Zeliq", PATTI, "need_admin_approval")
    blocked_sign_in(sandbox, "OneCal", ADELE, "need_admin_approval")

    excluded = await say(helping_bot, connector, f"proactive help exclude {ONECAL_APP_ID}", ALEX)
    assert "Nobody will be messaged about" in excluded

    report = await run_pass(helping_bot)

    assert (report.new, report.offered) == (2, 0)
    assert help_cards(connector, PATTI) == []
    assert help_cards(connector, ADELE) == []
