"""Reminders: cadence inside business hours, replies in the card's thread, exactly once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.review.card_views import EntraLinks
from bot.review.reminders import ReminderWorker
from bot.review.reviewer_cards import ReviewerCards
from bot.store import destinations, reminders, requests
from bot.store.database import session_factory
from bot.store.destinations import DestinationSpec
from bot.store.requests import NewRequest
from bot.store.tables import OutboxRow, ReminderRow
from domain.business_hours import BusinessHours
from domain.reminder_cadence import Cadence
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import GENERAL_CHANNEL, BotRig, channel_message, running_bot
from tests.integration.decision_clicks import ALEX, click, press


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        await rig.post_activity(channel_message("review here", connector.url))
        yield rig


def replies(connector: RecordingConnector) -> list[str]:
    """Texts posted into a card's thread (the thread id carries the post's message id)."""
    return [
        str(call.body.get("text"))
        for call in connector.posts()
        if f"{GENERAL_CHANNEL};messageid=" in call.path and call.body.get("text")
    ]


async def remind(bot: BotRig) -> None:
    await bot.services.reminders.run_due()
    await bot.services.delivery.run_due()


async def test_first_reminder_after_a_day_then_daily_as_a_thread_reply(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    # Monday 09:00 UTC: the request arrives and its card is posted.
    sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
    await bot.tick()
    clock.advance(hours=23, minutes=59)
    await remind(bot)
    assert replies(connector) == []
    clock.advance(minutes=1)  # Tuesday 09:00
    await remind(bot)
    [first] = replies(connector)
    assert "1 day so far" in first
    assert "expires in 29 days" in first
    assert "1 person asked" in first
    clock.advance(hours=5)
    await remind(bot)
    assert len(replies(connector)) == 1
    clock.advance(hours=19)  # Wednesday 09:00
    await remind(bot)
    assert len(replies(connector)) == 2


async def test_reminders_wait_for_business_hours_over_a_weekend(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    clock.now = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # Friday 16:00
    sandbox.tenant.create_request("Zeliq", "pattif@example.com", "sequences")
    await bot.tick()
    clock.now = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)  # Saturday, past the 24 h
    await remind(bot)
    assert replies(connector) == []
    clock.now = datetime(2026, 11, 30, 8, 59, tzinfo=UTC)
    await remind(bot)
    assert replies(connector) == []
    clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday opening
    await remind(bot)
    assert len(replies(connector)) == 1


async def test_no_reminder_after_a_decision_here_or_in_entra(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    denied = sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
    in_portal = sandbox.tenant.create_request("Carerix", "lynner@example.com", "agenda")
    await bot.tick()
    await press(
        bot,
        click("deny", denied["appConsentRequestId"], ALEX, connector.url, reason="Not needed"),
    )
    sandbox.tenant.complete_request(in_portal["appConsentRequestId"], approve=True)
    await bot.tick()
    clock.advance(days=3)
    await remind(bot)
    assert replies(connector) == []
    async with bot.services.sessions() as session:
        rows = (await session.scalars(select(ReminderRow))).all()
    assert rows
    assert all(not row.active for row in rows)


async def test_two_workers_on_one_database_send_each_reminder_once(engine: AsyncEngine) -> None:
    clock = ManualClock()
    sessions = session_factory(engine)
    cadence = Cadence(BusinessHours(), first_after=timedelta(hours=1), every=timedelta(hours=1))
    async with sessions() as session:
        destination, _ = await destinations.register_destination(
            session,
            DestinationSpec("channel", GENERAL_CHANNEL, "http://127.0.0.1:9/", "General"),
            None,
            clock(),
        )
        for number in range(5):
            await requests.insert_request(
                session,
                NewRequest(
                    id=f"req-{number}",
                    app_id=f"app-{number}",
                    app_display_name=f"App {number}",
                    scopes=("User.Read",),
                    first_requested_at=clock(),
                    expires_at=clock() + timedelta(days=30),
                    app_snapshot={},
                    requesters=(),
                ),
                clock(),
            )
            await reminders.schedule(
                session, f"req-{number}", destination.id, cadence.first_due(clock())
            )
        await session.commit()
    cards = ReviewerCards(EntraLinks("https://login.microsoftonline.com", "t"), clock)
    first = ReminderWorker(sessions, cadence, cards, clock)
    second = ReminderWorker(sessions, cadence, cards, clock)
    clock.advance(hours=1)
    handled = await asyncio.gather(first.run_due(), second.run_due())
    assert sum(handled) == 5
    clock.advance(hours=1)
    handled = await asyncio.gather(second.run_due(), first.run_due())
    assert sum(handled) == 5
    async with sessions() as session:
        keys = sorted((await session.scalars(select(OutboxRow.idempotency_key))).all())
    assert len(keys) == 10
    assert len(set(keys)) == 10


def channel_card_posts(connector: RecordingConnector) -> list[str]:
    return [
        json.dumps(connector.card_of(c), ensure_ascii=False)
        for c in connector.posts()
        if c.path == "/v3/conversations"
    ]


async def test_snooze_pauses_this_conversation_until_the_next_business_day(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, reminder_every_hours=2
    ) as bot:
        await bot.post_activity(channel_message("review here", connector.url))
        created = sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
        request_id = created["appConsentRequestId"]
        await bot.tick()
        clock.advance(hours=24)  # Tuesday 09:00: first reminder, then every two hours
        await remind(bot)
        assert len(replies(connector)) == 1
        outsider = ("00000000-0000-0000-0000-000000000025", "Lynne Robbins")
        refused = await press(bot, click("snooze", request_id, outsider, connector.url))
        assert "snoozed" not in refused
        seen = await press(bot, click("snooze", request_id, ALEX, connector.url))
        assert "snoozed" in seen
        for _ in range(3):  # 11:00, 13:00, 15:00: nothing while snoozed
            clock.advance(hours=2)
            await remind(bot)
        assert len(replies(connector)) == 1
        clock.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday opening
        await remind(bot)
        assert len(replies(connector)) == 2


async def test_unanswered_requests_escalate_once(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    escalation = channel_message("escalate here", connector.url)
    escalation["channelData"]["channel"]["id"] = "19:leads@thread.tacv2"
    escalation["conversation"]["id"] = "19:leads@thread.tacv2;messageid=9"
    await bot.post_activity(escalation)
    sandbox.tenant.create_request("Zeliq", "pattif@example.com", "sequences")
    await bot.tick()
    assert len(channel_card_posts(connector)) == 1  # only the review channel at first
    for _ in range(4):  # reminders on Tue, Wed, Thu, Fri
        clock.advance(hours=24)
        await remind(bot)
    posts = [c for c in connector.posts() if c.path == "/v3/conversations"]
    escalated = [
        c for c in posts if c.body["channelData"]["channel"]["id"] == "19:leads@thread.tacv2"
    ]
    assert len(escalated) == 1


async def test_last_day_reminders_warn_of_expiry(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    sandbox.tenant.set_consent_settings(request_duration_days=2)
    sandbox.tenant.create_request("Carerix", "lynner@example.com", "agenda")
    await bot.tick()
    clock.advance(hours=24, minutes=30)
    await remind(bot)
    [warning] = replies(connector)
    assert "Expires in 23 hours" in warning


async def test_a_burst_becomes_one_digest_per_destination(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    apps = [
        "OneCal",
        "Zeliq",
        "Carerix",
        "Pipeline CRM Sidebar",
        "Tailspin Meeting Notes",
        "Fabrikam Docs for SharePoint",
    ]
    created = [sandbox.tenant.create_request(app, "adelev@example.com", "work") for app in apps]
    await bot.tick()
    [digest] = channel_card_posts(connector)
    assert "6 new admin consent requests" in digest
    assert all(app in digest for app in apps)
    seen = await bot.post_activity(
        click("show_card", created[0]["appConsentRequestId"], ALEX, connector.url)
    )
    assert "OneCal" in seen.text
    await bot.services.delivery.run_due()
    cards = channel_card_posts(connector)
    assert len(cards) == 2
    assert "Calendars.ReadWrite" in cards[1]


async def test_a_few_new_requests_still_get_their_own_cards(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    for app in ["OneCal", "Zeliq", "Carerix"]:
        sandbox.tenant.create_request(app, "adelev@example.com", "work")
    await bot.tick()
    assert len(channel_card_posts(connector)) == 3
