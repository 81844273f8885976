"""The details pass: reads the apps of requests recorded from the pending list alone.

A backlog is announced before its apps are read (``bot.review.intake``). This
pass reads them, twenty apps per JSON batch and a few batches at a time, and
commits each batch on its own: the publisher is stored, the request is marked
whole, and every posted copy of its card is edited. A crash mid-backlog loses
nothing (the mark stays until its batch commits) and repeats nothing (a
committed batch is not read again). An app Graph did not answer this time
stays marked and is read again on the next pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.graph.consent_requests import BATCHES_AT_ONCE, ConsentRequestReads
from bot.graph.json_reads import BATCH_LIMIT
from bot.review.new_requests import grants_for, with_profile
from bot.review.reviewer_cards import ReviewerCards
from bot.store import requests

logger = logging.getLogger(__name__)

ROWS_PER_PASS = 400
"""Requests taken per pass; the pass runs again at once while more are waiting."""


class RequestDetails:
    """Completes requests recorded from the list alone, batch by batch."""

    def __init__(
        self,
        reads: ConsentRequestReads,
        sessions: async_sessionmaker[AsyncSession],
        cards: ReviewerCards,
        clock: Callable[[], datetime],
    ) -> None:
        self._reads = reads
        self._sessions = sessions
        self._cards = cards
        self._clock = clock

    async def run_once(self) -> int:
        """Complete what is waiting; returns how many requests were completed."""
        completed = 0
        while True:
            async with self._sessions() as session:
                waiting = [
                    (r.id, r.app_id)
                    for r in await requests.awaiting_details(session, ROWS_PER_PASS)
                ]
            if not waiting:
                return completed
            chunks = [waiting[i : i + BATCH_LIMIT] for i in range(0, len(waiting), BATCH_LIMIT)]
            gate = asyncio.Semaphore(BATCHES_AT_ONCE)
            done = await asyncio.gather(*(self._complete(chunk, gate) for chunk in chunks))
            completed += sum(done)
            if sum(done) == 0 or len(waiting) < ROWS_PER_PASS:
                return completed  # Graph answered nothing this time: the next pass retries

    async def _complete(self, chunk: Sequence[tuple[str, str]], gate: asyncio.Semaphore) -> int:
        async with gate:
            profiles = await self._reads.app_profiles(app_id for _, app_id in chunk)
            grants = await grants_for(self._reads, profiles)
        queued = completed = 0
        async with self._sessions() as session:
            for request_id, app_id in chunk:
                if app_id.lower() not in profiles:
                    continue
                row = await requests.get_request(session, request_id)
                if row is None or not row.details_pending:
                    continue
                key = app_id.lower()
                row.app_snapshot = with_profile(row.app_snapshot, profiles[key], grants.get(key))
                row.details_pending = False
                await session.flush()
                queued += (await self._cards.queue_updates(session, row)).queued
                completed += 1
            await session.commit()
        if completed:
            logger.info("request details: %d apps read, %d card edits queued", completed, queued)
        return completed
