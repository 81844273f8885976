"""Reminders: a short reply under the card while a request waits, inside business hours.

Due times live in the store; a pass claims due rows with a lease (so several
replicas send each reminder once), writes the reply to the outbox and moves the
due time to the next business moment after the cadence. A request that is no
longer pending (decided here, in Entra, or expired) is never reminded again.

Each destination follows its own cadence: the global one with that
destination's overrides (``bot.review.reminder_settings``) applied, read in the same
query that claims the due reminders. A reminder is only sent while its
destination is open for business, and a destination may send its
escalations to one destination of its own instead of every "escalate here".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.infra.background import RowWorker
from bot.review.reminder_settings import stored_overrides
from bot.review.reviewer_cards import ReviewerCards
from bot.store import destinations, outbox, reminders, requests
from bot.store.outbox import OutboxKind
from bot.store.reminders import DueReminder
from bot.store.tables import DestinationRow
from domain.i18n import Messages
from domain.reminder_cadence import Cadence, ReminderOverrides, cadence_for
from domain.types import RequestStatus

LEASE = timedelta(minutes=2)
logger = logging.getLogger(__name__)


class ReminderWorker(RowWorker[DueReminder]):
    """Sends due reminders as replies in each card's thread."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cadence: Cadence,
        cards: ReviewerCards,
        clock: Callable[[], datetime],
        *,
        interval_seconds: float = 60.0,
    ) -> None:
        super().__init__("reminders", sessions, clock, interval_seconds)
        self._cadence = cadence
        self._cards = cards
        self._messages = Messages.for_locale(None)

    async def _claim(self, session: AsyncSession, now: datetime) -> Sequence[DueReminder]:
        return await reminders.claim_due(session, now, LEASE)

    async def _handle(self, due: DueReminder) -> None:
        now = self._clock()
        row = due.row
        overrides = stored_overrides(due.settings)
        cadence = cadence_for(self._cadence, overrides)
        async with self._sessions() as session:
            if not cadence.hours.is_open(now):
                # Due while this destination is closed (a snooze or a settings change put
                # it there): wait for its next opening, unsent.
                await reminders.reschedule(session, row.id, row.sent, cadence.hours.next_open(now))
                await session.commit()
                return
            request = await requests.get_request(session, row.request_id)
            if request is None or request.status != RequestStatus.PENDING:
                await reminders.stop(session, row.id)
                await session.commit()
                return
            people = len(await requests.requesters_of(session, request.id))
            text = self._text(cadence, request.first_requested_at, request.expires_at, people, now)
            queued = await outbox.enqueue(
                session,
                key=f"reminder:{row.request_id}:{row.destination_id}:{row.sent + 1}",
                kind=OutboxKind.REPLY,
                destination_id=row.destination_id,
                request_id=row.request_id,
                payload={"text": text},
                now=now,
            )
            await reminders.reschedule(session, row.id, row.sent + 1, cadence.next_due(now))
            left = request.expires_at - now if request.expires_at else None
            if cadence.escalates(row.sent + 1, left):
                targets = await self._escalation_targets(session, row.destination_id, overrides)
                # The post's idempotency key makes escalation happen once per destination.
                queued = await self._cards.queue_posts(session, request, targets) > 0 or queued
            await session.commit()

    @staticmethod
    async def _escalation_targets(
        session: AsyncSession, destination_id: int, overrides: ReminderOverrides
    ) -> list[DestinationRow]:
        """The destination's own escalation target if it has one, else every "escalate here"."""
        target_id = overrides.escalation_destination_id
        if target_id is not None:
            target = await destinations.get_destination(session, target_id)
            if target is not None and target.active and target.id != destination_id:
                return [target]
            logger.warning(
                "destination %s escalates to destination %s, which is gone or inactive; "
                "escalating to every escalation destination instead",
                destination_id,
                target_id,
            )
        return [
            t
            for t in await destinations.active_destinations(session, role="escalation")
            if t.id != destination_id
        ]

    def _text(
        self,
        cadence: Cadence,
        first: datetime,
        expires: datetime | None,
        people: int,
        now: datetime,
    ) -> str:
        m = self._messages
        waited = m.duration(now - first)
        asked = m.plural("reminder.people", people)
        if expires is None:
            return m.t("reminder.text_no_expiry", waited=waited, asked=asked)
        left = expires - now
        key = "reminder.expiring" if left <= cadence.escalate_before_expiry else "reminder.text"
        return m.t(key, waited=waited, left=m.duration(left), asked=asked)
