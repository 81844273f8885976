""" "Ask the reviewers for me", end to end: situation 3, reviewer card, decision, notice.

With Entra's request workflow off the user cannot request the app; the bot
records the ask, posts a reviewer card to the review channel, and the normal
decision path does the rest: approving really grants the scopes, denying
sends the reason, and the requester hears about it in their chat with the bot.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.store import audit_trail, requests
from domain.types import RequestOrigin
from sandbox.seed_apps import ZELIQ_APP_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import GENERAL_CHANNEL, BotRig, channel_message, running_bot
from tests.integration.diagnosis_rig import (
    ADELE,
    ALEX,
    LYNNE,
    Reading,
    ask,
    card_click,
    click,
)

WHY = "I run the outbound campaign and need sequences from my mailbox"


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        yield rig


async def review_here(bot: BotRig, connector: RecordingConnector) -> None:
    answer = await bot.post_activity(channel_message("review here", connector.url))
    assert answer.status in (200, 202)


def channel_posts(connector: RecordingConnector) -> list[dict[str, Any]]:
    return [
        connector.card_of(c)
        for c in connector.posts()
        if c.path.startswith("/v3/conversations") and GENERAL_CHANNEL in json.dumps(c.body)
    ]


def personal_posts(connector: RecordingConnector, who_id: str) -> list[str]:
    return [
        json.dumps(connector.card_of(c), ensure_ascii=False)
        for c in connector.posts()
        if f"a:personal-{who_id}" in c.path
    ]


async def situation_three(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> Reading:
    attempt = sandbox.tenant.attempt_sign_in("Zeliq", ADELE.upn)
    assert attempt["outcome"] == "need_admin_approval"
    answer = await ask(bot, connector, attempt["consentUrl"], ADELE)
    assert answer.headline == "3"
    assert answer.next_step == "ask_reviewers"
    return answer


def ask_data(answer: Reading, app_name: str = "Zeliq") -> dict[str, str]:
    """What pressing "Send to the reviewers" sends: the button's data and the form's fields."""
    submit = answer.element("ask-submit")
    assert submit["verb"] == "ask_reviewers"
    fields = {"app_name": app_name} if "app_name" in answer.ids() else {}
    return {**submit["data"], **fields}


async def test_ask_posts_a_card_approval_grants_and_the_user_is_told(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    await review_here(bot, connector)
    answer = await situation_three(bot, sandbox, connector)
    sent = await click(
        bot, connector, "ask_reviewers", {**ask_data(answer), "justification": WHY}, ADELE
    )
    assert "My Team / General" in sent.element("note")["items"][0]["text"]
    assert sent.next_step == "wait"
    assert "request_pending" in sent.causes
    await bot.services.delivery.run_due()

    [card] = [c for c in channel_posts(connector) if "Zeliq" in json.dumps(c)]
    text = json.dumps(card, ensure_ascii=False)
    assert "Zeliq" in text
    assert WHY in text
    assert "Adele Vance" in text
    assert "Asked through Consent Desk" in text
    assert f"client_id={ZELIQ_APP_ID}" in text
    assert "bf_id" not in text
    async with bot.services.sessions() as session:
        [row] = await requests.pending_requests(session)
        assert row.origin == RequestOrigin.BOT
        assert "Mail.Send" in row.scopes
    # Intake must leave it alone: Graph's pending list does not know it.
    report = await bot.services.intake.run_once()
    assert report.closed == {}

    approve = card_click("approve", {"request_id": row.id}, connector.url, ALEX)
    assert (await bot.post_activity(approve)).status == 200
    await bot.services.decision_worker.run_due()
    await bot.services.delivery.run_due()

    grants = [
        g
        for g in sandbox.tenant.grants()
        if g["consentType"] == "AllPrincipals" and g["clientDisplayName"] == "Zeliq"
    ]
    assert grants
    assert "Mail.Send" in grants[0]["scope"].split()
    assert sandbox.tenant.attempt_sign_in("Zeliq", ADELE.upn)["outcome"] == "signed_in"
    assert any(
        "Zeliq" in notice and "approved" in notice.lower()
        for notice in personal_posts(connector, ADELE.id)
    )
    again = await ask(bot, connector, "why can't I connect Zeliq?", ADELE)
    assert again.headline == "approved"


async def test_a_denied_ask_tells_the_requester_why(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    await review_here(bot, connector)
    answer = await situation_three(bot, sandbox, connector)
    await click(bot, connector, "ask_reviewers", {**ask_data(answer), "justification": WHY}, ADELE)
    async with bot.services.sessions() as session:
        [row] = await requests.pending_requests(session)
    deny = card_click(
        "deny", {"request_id": row.id, "reason": "Sales uses the approved CRM"}, connector.url, ALEX
    )
    assert (await bot.post_activity(deny)).status == 200
    await bot.services.delivery.run_due()
    assert any("Sales uses the approved CRM" in n for n in personal_posts(connector, ADELE.id))
    later = await ask(bot, connector, "why can't I connect Zeliq", ADELE)
    assert "request_denied" in later.causes
    assert later.next_step == "ask_reviewers"


async def test_a_second_asker_joins_the_open_request(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    await review_here(bot, connector)
    first = await situation_three(bot, sandbox, connector)
    await click(bot, connector, "ask_reviewers", {**ask_data(first), "justification": WHY}, ADELE)
    lynne = await ask(bot, connector, "pourquoi je ne peux pas connecter Zeliq", LYNNE, "fr-FR")
    await click(
        bot,
        connector,
        "ask_reviewers",
        {**ask_data(lynne), "justification": "Prospection"},
        LYNNE,
        "fr-FR",
    )
    await bot.services.delivery.run_due()
    async with bot.services.sessions() as session:
        [row] = await requests.pending_requests(session)
        people = {r.display_name for r in await requests.requesters_of(session, row.id)}
        log = [(a.action, a.actor_name) for a in await audit_trail.audit_log(session, row.id)]
    assert people == {"Adele Vance", "Lynne Robbins"}
    assert log == [("ask_reviewers", "Adele Vance"), ("ask_reviewers", "Lynne Robbins")]
    assert len([c for c in channel_posts(connector) if "Zeliq" in json.dumps(c)]) == 1
    assert connector.updates()


async def test_nothing_is_recorded_without_a_reason_or_a_review_channel(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    answer = await situation_three(bot, sandbox, connector)
    nowhere = await click(
        bot, connector, "ask_reviewers", {**ask_data(answer), "justification": WHY}, ADELE
    )
    assert "no reviewers are set up" in nowhere.element("note")["items"][0]["text"]
    await review_here(bot, connector)
    empty = await click(
        bot, connector, "ask_reviewers", {**ask_data(answer), "justification": "   "}, ADELE
    )
    assert "tell the reviewers why" in empty.element("note")["items"][0]["text"]
    unnamed = {k: v for k, v in ask_data(answer).items() if k != "app_name"}
    no_name = await click(bot, connector, "ask_reviewers", {**unnamed, "justification": WHY}, ADELE)
    assert "give the app's name" in no_name.element("note")["items"][0]["text"]
    async with bot.services.sessions() as session:
        assert await requests.pending_requests(session) == []


async def test_once_requests_are_back_on_the_bot_sends_users_to_entras_form(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    await review_here(bot, connector)
    answer = await situation_three(bot, sandbox, connector)
    sandbox.tenant.set_consent_settings(requests_enabled=True)
    clock.advance(minutes=6)  # past the five minutes the tenant's settings are cached
    refused = await click(
        bot, connector, "ask_reviewers", {**ask_data(answer), "justification": WHY}, ADELE
    )
    assert refused.next_step == "submit_request"
    assert "no longer needs it" in refused.element("note")["items"][0]["text"]
    async with bot.services.sessions() as session:
        assert await requests.pending_requests(session) == []


async def test_when_requests_are_switched_on_the_asker_is_sent_to_entras_form(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    await review_here(bot, connector)
    answer = await situation_three(bot, sandbox, connector)
    await click(bot, connector, "ask_reviewers", {**ask_data(answer), "justification": WHY}, ADELE)
    blocked = await ask(bot, connector, "why can't I connect Quick PDF Converter Online", ADELE)
    assert blocked.next_step == "ask_to_unblock"
    await click(
        bot,
        connector,
        "ask_reviewers",
        {**ask_data(blocked), "justification": "Our PDFs are stuck"},
        ADELE,
    )
    await bot.services.intake.refresh_requesters()
    async with bot.services.sessions() as session:
        assert len(await requests.pending_requests(session)) == 2  # the workflow is still off

    sandbox.tenant.set_consent_settings(requests_enabled=True)
    clock.advance(minutes=6)  # past the cached policy
    report = await bot.services.intake.refresh_requesters()
    await bot.services.delivery.run_due()

    assert list(report.closed.values()) == ["requests_enabled"]
    notices = personal_posts(connector, ADELE.id)
    assert any("you can now request Zeliq" in n for n in notices)
    edits = [json.dumps(connector.card_of(u)) for u in connector.updates()]
    assert any("Requests are switched on in Entra again" in e for e in edits)
    async with bot.services.sessions() as session:
        [still_open] = await requests.pending_requests(session)
    assert still_open.app_display_name == "Quick PDF Converter Online"
    after = await ask(bot, connector, attempt_url(sandbox), ADELE)
    assert after.next_step == "submit_request"


def attempt_url(sandbox: SandboxHandle) -> str:
    return str(sandbox.tenant.attempt_sign_in("Zeliq", ADELE.upn)["consentUrl"])


async def test_two_people_asking_for_the_same_app_at_once_share_one_request(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    """Both find no open request; the store keeps one, and the slower ask joins it."""
    await review_here(bot, connector)
    first = await situation_three(bot, sandbox, connector)
    attempt = sandbox.tenant.attempt_sign_in("Zeliq", LYNNE.upn)
    lynne = await ask(bot, connector, attempt["consentUrl"], LYNNE, "fr-FR")
    await asyncio.gather(
        click(bot, connector, "ask_reviewers", {**ask_data(first), "justification": WHY}, ADELE),
        click(
            bot,
            connector,
            "ask_reviewers",
            {**ask_data(lynne), "justification": "Prospection"},
            LYNNE,
            "fr-FR",
        ),
    )
    async with bot.services.sessions() as session:
        [row] = await requests.pending_requests(session)
        people = {r.display_name for r in await requests.requesters_of(session, row.id)}
    assert people == {"Adele Vance", "Lynne Robbins"}
