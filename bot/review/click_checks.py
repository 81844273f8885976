"""What every click on a reviewer card goes through first: the request, may this person act, audit.

A click on a card whose request is no longer pending gets the decided card
back; one by somebody who may not decide gets a refusal card; both are audited
like every allowed decision, through ``audit``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.review.reviewer_cards import ReviewerCards
from bot.review.reviewers import Refusal, ReviewerCheck
from bot.store import audit_trail, destinations, requests
from bot.store.audit_trail import AuditEntry
from bot.store.tables import ConsentRequestRow
from cards.reviewer import build_refusal_card
from domain.audit import AuditAction, AuditResult
from domain.i18n import Messages
from domain.types import Actor, DecisionAction, RequestStatus


class UnknownRequest(LookupError):
    """The card names a request the store does not know."""


class ClickChecks:
    """The request a click names, whether its sender may act, and the audit of the attempt."""

    def __init__(
        self, check: ReviewerCheck, cards: ReviewerCards, clock: Callable[[], datetime]
    ) -> None:
        self._check = check
        self._cards = cards
        self._clock = clock

    def read_rights_early(self, user_id: str) -> asyncio.Future[set[str]]:
        """Start the clicker's role read as the click arrives (``ReviewerCheck`` says why)."""
        return self._check.read_roles_early(user_id)

    async def row(self, session: AsyncSession, request_id: str) -> ConsentRequestRow:
        row = await requests.get_request(session, request_id)
        if row is None:
            raise UnknownRequest(request_id)
        return row

    async def refused(
        self,
        session: AsyncSession,
        row: ConsentRequestRow,
        actor: Actor,
        action: DecisionAction,
        audit_action: AuditAction,
    ) -> dict[str, Any] | None:
        """The card to answer with when this click may not decide, after auditing it."""
        if row.status != RequestStatus.PENDING:
            return await self.already_decided(session, row, actor, audit_action)
        requester_ids = {r.user_id for r in await requests.requesters_of(session, row.id)}
        named_here = await destinations.reviewers_where_posted(session, row.id)
        refusal = await self._check.refusal(actor.user_id, action, requester_ids, named_here)
        if refusal is None:
            return None
        await self.audit(
            session, row, actor, audit_action, AuditResult.REFUSED, refusal.name.lower()
        )
        await session.commit()
        key = refusal.value
        if refusal is Refusal.NEEDS_ROLE and action is DecisionAction.BLOCK:
            key = "refusal.block_needs_role"
        return await self.refusal(session, row, actor, key)

    async def already_decided(
        self, session: AsyncSession, row: ConsentRequestRow, actor: Actor, action: AuditAction
    ) -> dict[str, Any]:
        await session.refresh(row)
        await self.audit(session, row, actor, action, AuditResult.REFUSED, "already decided")
        await session.commit()
        return await self._cards.render(session, row)

    async def refusal(
        self, session: AsyncSession, row: ConsentRequestRow, actor: Actor, key: str
    ) -> dict[str, Any]:
        view = await self._cards.view_of(session, row)
        return build_refusal_card(view, self._clock(), Messages.for_locale(actor.locale), key)

    async def audit(
        self,
        session: AsyncSession,
        row: ConsentRequestRow,
        actor: Actor,
        action: AuditAction,
        result: AuditResult,
        detail: str | None = None,
        *,
        reason: str | None = None,
    ) -> None:
        entry = AuditEntry(actor.user_id, actor.name, action, result, row, reason, detail)
        await audit_trail.record(session, entry, self._clock())
