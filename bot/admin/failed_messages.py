"""Messages the bot gave up sending: counted for operators, listed and retried by admins.

Every send is retried within bounds (``bot.hosting.delivery``); a row that used them
up is marked failed and logged once. Nothing is dropped silently: ``/readyz``
counts them, and ``failed messages`` in chat lists the latest with a button
that puts them back in the queue, for instance once the bot is installed
again where a card could not be posted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.review.admins import AdminCheck
from bot.store import audit_trail, destinations, outbox, requests
from bot.store.audit_trail import AuditEntry
from bot.store.tables import OutboxRow
from cards.elements import Element
from cards.failed_messages import (
    ROW_IDS_KEY,
    SHOWN,
    FailedMessage,
    build_failed_messages_card,
    build_failed_refused_card,
)
from domain.audit import AuditAction, AuditResult
from domain.i18n import Messages
from domain.types import Actor

AUDIT_ACTION = AuditAction.RETRY_FAILED_MESSAGES


class FailedMessages:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        admins: AdminCheck,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._admins = admins
        self._clock = clock

    async def count(self) -> int:
        async with self._sessions() as session:
            return await outbox.count_failed(session)

    async def card(self, messages: Messages) -> Element:
        """The latest messages given up, newest first (the caller checked the admin)."""
        async with self._sessions() as session:
            rows = await outbox.failed_rows(session, SHOWN)
            shown = [await _described(session, row) for row in rows]
            total = await outbox.count_failed(session)
        return build_failed_messages_card(shown, total, messages)

    async def retry(self, actor: Actor, data: dict[str, Any], messages: Messages) -> Element:
        """Queue the listed rows again, for admins only; answers with the updated list."""
        if not await self._admins.is_admin(actor.user_id):
            async with self._sessions() as session:
                entry = AuditEntry(actor.user_id, actor.name, AUDIT_ACTION, AuditResult.REFUSED)
                await audit_trail.record(session, entry, self._clock())
                await session.commit()
            return build_failed_refused_card(messages)
        raw = data.get(ROW_IDS_KEY)
        ids = [int(part) for part in str(raw or "").split()[:SHOWN] if part.isdigit()]
        async with self._sessions() as session:
            queued = await outbox.retry_failed(session, ids, self._clock())
            detail = f"{queued} message(s) queued again"
            entry = AuditEntry(
                actor.user_id, actor.name, AUDIT_ACTION, AuditResult.SUCCEEDED, detail=detail
            )
            await audit_trail.record(session, entry, self._clock())
            await session.commit()
        return await self.card(messages)


async def _described(session: AsyncSession, row: OutboxRow) -> FailedMessage:
    request = await requests.get_request(session, row.request_id) if row.request_id else None
    destination = (
        await destinations.get_destination(session, row.destination_id)
        if row.destination_id is not None
        else None
    )
    return FailedMessage(
        row_id=row.id,
        kind=row.kind,
        app_name=request.app_display_name if request else None,
        place=destination.name if destination else row.user_id,
        error=row.last_error or "",
        attempts=row.attempts,
    )
