"""Reminder settings per destination: own cadence, own business hours, own escalation target.

General follows the bot's settings (first reminder after a day, Monday to
Friday 09:00-17:00 UTC). App Reviews works from Tokyo: first reminder after
two hours, then every four, 09:00-18:00 Asia/Tokyo, escalating after two
reminders to "Tokyo leads" only, not to every "escalate here" conversation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.review.card_views import EntraLinks
from bot.review.reminders import ReminderWorker
from bot.review.reviewer_cards import ReviewerCards
from bot.store import destinations, reminders, requests
from bot.store.database import session_factory
from bot.store.destinations import DestinationSpec
from bot.store.requests import NewRequest
from bot.store.tables import DestinationRow, OutboxRow, ReminderRow
from domain.business_hours import BusinessHours
from domain.reminder_cadence import Cadence, ReminderOverrides
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import GENERAL_CHANNEL, TEAM_ID, BotRig, channel_message, running_bot

APP_REVIEWS = "19:app-reviews@thread.tacv2"
LEADS = "19:leads@thread.tacv2"
TOKYO_LEADS = "19:tokyo-leads@thread.tacv2"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


def in_channel(body: dict[str, Any], channel: str, name: str) -> dict[str, Any]:
    body["conversation"]["id"] = f"{channel};messageid=5"
    body["channelData"]["channel"] = {"id": channel, "name": name}
    body["channelData"]["team"] = {"id": TEAM_ID, "name": "My Team"}
    return body


def replies_in(connector: RecordingConnector, channel: str) -> list[str]:
    return [
        str(call.body.get("text"))
        for call in connector.posts()
        if f"{channel};messageid=" in call.path and call.body.get("text")
    ]


def cards_in(connector: RecordingConnector, channel: str) -> int:
    return sum(
        1
        for call in connector.posts()
        if call.path == "/v3/conversations" and call.body["channelData"]["channel"]["id"] == channel
    )


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        for text, channel, name in [
            ("review here", GENERAL_CHANNEL, "General"),
            ("review here", APP_REVIEWS, "App Reviews"),
            ("escalate here", LEADS, "Leads"),
            ("escalate here", TOKYO_LEADS, "Tokyo leads"),
        ]:
            answer = await rig.post_activity(
                in_channel(channel_message(text, connector.url), channel, name)
            )
            assert answer.status in (200, 202)
        async with rig.services.sessions() as session:
            app_reviews = await destinations.find_by_conversation(session, APP_REVIEWS)
            tokyo_leads = await destinations.find_by_conversation(session, TOKYO_LEADS)
            assert app_reviews is not None
            assert tokyo_leads is not None
            # What the settings form saves for these fields (see test_settings_form).
            app_reviews.reminder_settings = ReminderOverrides(
                first_after_hours=2,
                every_hours=4,
                business_hours="09:00-18:00",
                timezone="Asia/Tokyo",
                escalate_after_reminders=2,
                escalation_destination_id=tokyo_leads.id,
            ).to_json()
            await session.commit()
        yield rig


async def remind_at(bot: BotRig, clock: ManualClock, moment: datetime) -> None:
    clock.now = moment
    await bot.services.reminders.run_due()
    await bot.services.delivery.run_due()


async def _destination(
    session: AsyncSession, kind: str, conversation_id: str, name: str
) -> DestinationRow:
    """A destination registered by nobody at NOW (the store's part only)."""
    row, _ = await destinations.register_destination(
        session, DestinationSpec(kind, conversation_id, "http://127.0.0.1:9/", name), None, NOW
    )
    return row


async def test_each_destination_is_reminded_on_its_own_clock_and_escalates_its_own_way(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    # Monday 09:00 UTC (18:00 in Tokyo, closing time there): the card goes to both channels.
    sandbox.tenant.create_request("Zeliq", "pattif@example.com", "sequences")
    await bot.tick()
    assert (cards_in(connector, GENERAL_CHANNEL), cards_in(connector, APP_REVIEWS)) == (1, 1)

    # Two hours later Tokyo is closed: App Reviews' first reminder waits for 09:00 there.
    await remind_at(bot, clock, datetime(2026, 11, 23, 23, 59, tzinfo=UTC))
    assert replies_in(connector, APP_REVIEWS) == []
    await remind_at(bot, clock, datetime(2026, 11, 24, 0, 0, tzinfo=UTC))  # Tue 09:00 Tokyo
    assert len(replies_in(connector, APP_REVIEWS)) == 1
    assert replies_in(connector, GENERAL_CHANNEL) == []

    # Every four hours there; the second unanswered reminder escalates to Tokyo leads only.
    await remind_at(bot, clock, datetime(2026, 11, 24, 3, 59, tzinfo=UTC))
    assert len(replies_in(connector, APP_REVIEWS)) == 1
    await remind_at(bot, clock, datetime(2026, 11, 24, 4, 0, tzinfo=UTC))  # 13:00 Tokyo
    assert len(replies_in(connector, APP_REVIEWS)) == 2
    assert cards_in(connector, TOKYO_LEADS) == 1
    assert cards_in(connector, LEADS) == 0

    # General keeps the bot's settings: its first reminder comes a day after the post.
    await remind_at(bot, clock, datetime(2026, 11, 24, 8, 59, tzinfo=UTC))
    assert replies_in(connector, GENERAL_CHANNEL) == []
    assert len(replies_in(connector, APP_REVIEWS)) == 3  # 08:00 UTC, 17:00 Tokyo
    await remind_at(bot, clock, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    assert len(replies_in(connector, GENERAL_CHANNEL)) == 1
    # 12:00 UTC is 21:00 in Tokyo: App Reviews waits for Wednesday 09:00 there.
    await remind_at(bot, clock, datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    assert len(replies_in(connector, APP_REVIEWS)) == 3
    await remind_at(bot, clock, datetime(2026, 11, 25, 0, 0, tzinfo=UTC))
    assert len(replies_in(connector, APP_REVIEWS)) == 4
    assert cards_in(connector, TOKYO_LEADS) == 1  # escalated once
    assert cards_in(connector, LEADS) == 0


async def test_due_reminders_come_with_their_destination_settings(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        plain = await _destination(session, "channel", GENERAL_CHANNEL, "General")
        tokyo = await _destination(session, "channel", APP_REVIEWS, "App Reviews")
        tokyo.reminder_settings = ReminderOverrides(timezone="Asia/Tokyo", every_hours=4).to_json()
        await requests.insert_request(
            session,
            NewRequest(
                id="req-1",
                app_id="app-1",
                app_display_name="App",
                scopes=("User.Read",),
                first_requested_at=NOW,
                expires_at=NOW + timedelta(days=30),
                app_snapshot={},
                requesters=(),
            ),
            NOW,
        )
        for destination in (plain, tokyo):
            await reminders.schedule(session, "req-1", destination.id, NOW)
        await session.commit()
    async with sessions() as session:
        due = await reminders.claim_due(session, NOW, timedelta(minutes=2))
        await session.commit()
    by_destination = {item.row.destination_id: item.settings for item in due}
    assert by_destination == {
        plain.id: {},
        tokyo.id: {"timezone": "Asia/Tokyo", "every_hours": 4},
    }


async def test_a_reminder_due_while_its_destination_is_closed_waits_for_its_opening(
    engine: AsyncEngine,
) -> None:
    # A snooze computed in the global hours (Monday 09:00 UTC) lands at 18:00 in Tokyo.
    clock = ManualClock(NOW)
    sessions = session_factory(engine)
    async with sessions() as session:
        tokyo = await _destination(session, "channel", APP_REVIEWS, "App Reviews")
        tokyo.reminder_settings = ReminderOverrides(timezone="Asia/Tokyo").to_json()
        await requests.insert_request(
            session,
            NewRequest(
                id="req-1",
                app_id="app-1",
                app_display_name="App",
                scopes=("User.Read",),
                first_requested_at=NOW - timedelta(days=1),
                expires_at=NOW + timedelta(days=29),
                app_snapshot={},
                requesters=(),
            ),
            NOW,
        )
        await reminders.schedule(session, "req-1", tokyo.id, NOW)
        await session.commit()
    cadence = Cadence(BusinessHours())
    cards = ReviewerCards(EntraLinks("https://login.microsoftonline.com", "t"), clock)
    worker = ReminderWorker(sessions, cadence, cards, clock)
    assert await worker.run_due() == 1
    async with sessions() as session:
        [row] = (await session.scalars(select(ReminderRow))).all()
        assert (row.sent, row.next_due_at) == (0, datetime(2026, 11, 24, 0, 0, tzinfo=UTC))
        assert (await session.scalars(select(OutboxRow))).all() == []
    clock.now = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # Tuesday 09:00 in Tokyo
    assert await worker.run_due() == 1
    async with sessions() as session:
        [row] = (await session.scalars(select(ReminderRow))).all()
        assert row.sent == 1
        [reply] = (await session.scalars(select(OutboxRow))).all()
        assert reply.kind == "reply"
