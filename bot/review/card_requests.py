"""The reviewer card's buttons that decide nothing: refresh, snooze here, the full card here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.review.click_checks import ClickChecks
from bot.review.reviewer_cards import ReviewerCards
from bot.store import destinations, reminders
from bot.store.tables import DestinationRow
from cards.reviewer import build_noted_card
from domain.audit import AuditAction, AuditResult
from domain.i18n import Messages
from domain.types import Actor, DecisionAction


class CardRequests:
    """Answers the buttons that change no decision; each is checked and audited like one."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        checks: ClickChecks,
        cards: ReviewerCards,
        clock: Callable[[], datetime],
        snoozed_until: Callable[[datetime, DestinationRow], datetime] | None = None,
    ) -> None:
        self._sessions = sessions
        self._checks = checks
        self._cards = cards
        self._clock = clock
        self._snoozed_until = snoozed_until

    async def current_card(self, request_id: str) -> dict[str, Any]:
        async with self._sessions() as session:
            return await self._cards.render(session, await self._checks.row(session, request_id))

    async def snooze(
        self, request_id: str, actor: Actor, conversation_id: str | None
    ) -> dict[str, Any]:
        """No reminders of this request in this conversation until the next business day."""
        async with self._sessions() as session:
            row = await self._checks.row(session, request_id)
            refused = await self._checks.refused(
                session, row, actor, DecisionAction.DENY, AuditAction.SNOOZE
            )
            if refused is not None:
                return refused
            here = (
                await destinations.find_by_conversation(session, conversation_id)
                if conversation_id
                else None
            )
            if here is None or self._snoozed_until is None:
                return await self._cards.render(session, row)
            until = self._snoozed_until(self._clock(), here)
            await reminders.snooze(session, row.id, here.id, until)
            await self._checks.audit(
                session, row, actor, AuditAction.SNOOZE, AuditResult.SUCCEEDED, until.isoformat()
            )
            view = await self._cards.view_of(session, row)
            await session.commit()
        messages = Messages.for_locale(actor.locale)
        return build_noted_card(
            view, self._clock(), messages, "good", "snooze.done", until=messages.date_time(until)
        )

    async def show_card(
        self, request_id: str, actor: Actor, conversation_id: str | None
    ) -> str | None:
        """Post a digest item's full card here; returns the app's name, or None if not here."""
        async with self._sessions() as session:
            row = await self._checks.row(session, request_id)
            here = (
                await destinations.find_by_conversation(session, conversation_id)
                if conversation_id
                else None
            )
            if here is None:
                return None
            await self._cards.queue_posts(session, row, [here])
            await self._checks.audit(
                session, row, actor, AuditAction.SHOW_CARD, AuditResult.SUCCEEDED
            )
            await session.commit()
        return row.app_display_name
