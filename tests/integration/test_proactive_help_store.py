"""The store behind proactive help, on every backend: one offer per person, app and period
whoever claims it and however many claim at once; "stop" and what is left to offer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store import sign_ins
from bot.store.database import session_factory
from bot.store.outreach import (
    claim_offer,
    opted_out,
    opted_out_among,
    set_opted_out,
    unoffered_attempts,
)
from domain.sign_ins import ConsentAttempt

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
ADELE, LYNNE = "user-adele", "user-lynne"


async def test_one_claim_wins_however_many_replicas_claim_at_once(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)

    async def claim(at: datetime) -> bool:
        async with sessions() as session:
            won = await claim_offer(session, ADELE, "APP-1", at, WEEK)
            await session.commit()
            return won

    assert sorted(await asyncio.gather(*(claim(NOW) for _ in range(4)))) == [False] * 3 + [True]
    assert await claim(NOW + timedelta(days=6)) is False
    moved = await asyncio.gather(*(claim(NOW + WEEK) for _ in range(3)))
    assert sorted(moved) == [False, False, True]
    async with sessions() as session:
        assert await sign_ins.offered_since(session, ADELE, "app-1", NOW + WEEK)


async def test_stop_and_start_and_what_is_left_to_offer(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    attempts = [
        ConsentAttempt("log-1", ADELE, "app-1", "OneCal", NOW - timedelta(hours=2), 90095),
        ConsentAttempt("log-2", LYNNE, "app-1", "OneCal", NOW - timedelta(hours=1), 90094),
        ConsentAttempt("log-3", LYNNE, "app-2", "Zeliq", NOW - timedelta(days=2), 90094),
    ]
    async with sessions() as session:
        assert len(await sign_ins.record_attempts(session, attempts)) == 3
        assert await claim_offer(session, ADELE, "app-1", NOW, WEEK)
        assert await set_opted_out(session, LYNNE, True, NOW)
        assert not await set_opted_out(session, LYNNE, True, NOW)
        await session.commit()
    async with sessions() as session:
        left = await unoffered_attempts(session, NOW - timedelta(days=1), NOW - WEEK)
        assert [a.id for a in left] == ["log-2"]
        assert await opted_out(session, LYNNE)
        assert await opted_out_among(session, {ADELE, LYNNE}) == {LYNNE}
        assert await set_opted_out(session, LYNNE, False, NOW)
        await session.commit()
    async with sessions() as session:
        assert not await opted_out(session, LYNNE)
