"""Approve, deny and block from the card: authorisation, one decision, fast answers.

A click is checked (reviewer? not the requester? role?), then the request's
status moves by compare-and-set, so two clicks make one decision and a click
on a stale copy gets the decided card back. Everything is audited, allowed or
refused. Deny is final at once; approve and block record a queued decision
whose Graph work ``DecisionWorker`` performs durably, so the click is answered
with an "approving..." card without waiting for Graph.

A request whose routing rule asks for two (or more) approvals is approved in
steps: each authorised reviewer's Approve is recorded once and shown on every
copy of the card, and the approval that completes the count starts the grant
exactly as a single approval would. Approvals of one request are counted
while holding its row, so two at once neither grant twice nor lose a count.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.review.click_checks import ClickChecks
from bot.review.reviewer_cards import ReviewerCards
from bot.store import approvals, decisions, requests
from bot.store.tables import ConsentRequestRow
from cards.block import build_block_confirmation_card
from cards.reviewer import build_noted_card
from domain.audit import AuditAction, AuditResult
from domain.i18n import Messages
from domain.types import Actor, DecisionAction, RequestStatus

MAX_REASON = 500


class DecisionService:
    """Turns card clicks into decisions; returns the card to show the clicker."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        checks: ClickChecks,
        cards: ReviewerCards,
        clock: Callable[[], datetime],
        *,
        on_work: Callable[[], None] = lambda: None,
    ) -> None:
        self._sessions = sessions
        self._checks = checks
        self._cards = cards
        self._clock = clock
        self._on_work = on_work

    def read_rights_early(self, user_id: str) -> asyncio.Future[set[str]]:
        """Start reading the rights of someone whose decision click just arrived."""
        return self._checks.read_rights_early(user_id)

    async def approve(self, request_id: str, actor: Actor) -> dict[str, Any]:
        async with self._sessions() as session:
            row = await self._checks.row(session, request_id)
            if not row.scopes and row.status == RequestStatus.PENDING:
                # A request asked through the bot for an app whose permissions nobody listed.
                await self._checks.audit(
                    session, row, actor, AuditAction.APPROVE, AuditResult.REFUSED, "no scopes"
                )
                await session.commit()
                return await self._checks.refusal(session, row, actor, "refusal.no_scopes")
            if row.approvals_required > 1 and row.status == RequestStatus.PENDING:
                return await self._count_approval(session, row, actor)
        return await self._start(request_id, actor, DecisionAction.APPROVE, RequestStatus.APPROVING)

    async def confirm_block(self, request_id: str, actor: Actor) -> dict[str, Any]:
        return await self._start(request_id, actor, DecisionAction.BLOCK, RequestStatus.BLOCKING)

    async def ask_block(self, request_id: str, actor: Actor) -> dict[str, Any]:
        """Blocking affects everyone: show a confirmation first (no state changes)."""
        async with self._sessions() as session:
            row = await self._checks.row(session, request_id)
            refused = await self._checks.refused(
                session, row, actor, DecisionAction.BLOCK, AuditAction.BLOCK
            )
            if refused is not None:
                return refused
            view = await self._cards.view_of(session, row)
        return build_block_confirmation_card(view, self._clock(), Messages.for_locale(actor.locale))

    async def deny(self, request_id: str, actor: Actor, reason: str | None) -> dict[str, Any]:
        text = " ".join((reason or "").split())[:MAX_REASON]
        async with self._sessions() as session:
            row = await self._checks.row(session, request_id)
            refused = await self._checks.refused(
                session, row, actor, DecisionAction.DENY, AuditAction.DENY
            )
            if refused is not None:
                return refused
            if not text:
                await self._checks.audit(
                    session, row, actor, AuditAction.DENY, AuditResult.REFUSED, "reason missing"
                )
                await session.commit()
                return await self._checks.refusal(session, row, actor, "refusal.reason_required")
            if not await self._move(session, row, RequestStatus.DENIED):
                return await self._checks.already_decided(session, row, actor, AuditAction.DENY)
            await decisions.add_decision(
                session,
                request_id=row.id,
                action=DecisionAction.DENY,
                actor_id=actor.user_id,
                actor_name=actor.name,
                reason=text,
                now=self._clock(),
                state=decisions.DONE,
            )
            await self._checks.audit(
                session, row, actor, AuditAction.DENY, AuditResult.SUCCEEDED, reason=text
            )
            edit = await self._cards.queue_updates(session, row)
            await self._cards.queue_notices(
                session, row, RequestStatus.DENIED, reason=text, reviewer=actor.name
            )
            await session.commit()
        return edit.card

    async def _start(
        self, request_id: str, actor: Actor, action: DecisionAction, working: RequestStatus
    ) -> dict[str, Any]:
        async with self._sessions() as session:
            row = await self._checks.row(session, request_id)
            refused = await self._checks.refused(
                session, row, actor, action, AuditAction(action.value)
            )
            if refused is not None:
                return refused
            if not await self._move(session, row, working):
                return await self._checks.already_decided(
                    session, row, actor, AuditAction(action.value)
                )
            return await self._queue_work(session, row, actor, action)

    async def _queue_work(
        self,
        session: AsyncSession,
        row: ConsentRequestRow,
        actor: Actor,
        action: DecisionAction,
        detail: str | None = None,
    ) -> dict[str, Any]:
        """Record the accepted decision for the worker, edit every copy, commit, wake them up."""
        await decisions.add_decision(
            session,
            request_id=row.id,
            action=action,
            actor_id=actor.user_id,
            actor_name=actor.name,
            reason=None,
            now=self._clock(),
            state=decisions.QUEUED,
        )
        await self._checks.audit(
            session, row, actor, AuditAction(action.value), AuditResult.ACCEPTED, detail
        )
        card = (await self._cards.queue_updates(session, row)).card
        await session.commit()
        self._on_work()
        return card

    async def _count_approval(
        self, session: AsyncSession, row: ConsentRequestRow, actor: Actor
    ) -> dict[str, Any]:
        """One reviewer's approval of a request that needs several; the last one starts the grant.

        The request's row is held from the first write on, so approvals of it
        are counted one after the other: each sees every earlier one, and only
        the one completing the count moves the request to approving.

        Long on purpose: the count and its guards happen while the request's row is held.
        """
        refused = await self._checks.refused(
            session, row, actor, DecisionAction.APPROVE, AuditAction.APPROVE
        )
        if refused is not None:
            return refused
        assert actor.user_id is not None  # a reviewer always has an object id
        if not await requests.hold_pending(session, row.id):
            return await self._checks.already_decided(session, row, actor, AuditAction.APPROVE)
        requester_ids = {r.user_id for r in await requests.requesters_of(session, row.id)}
        needed = row.approvals_required
        before = approvals.counted(await approvals.approvals_of(session, row.id), requester_ids)
        if len(before) < needed:
            if any(a.actor_id.lower() == actor.user_id.lower() for a in before):
                return await self._approved_before(session, row, actor, needed - len(before))
            try:
                await approvals.add_approval(
                    session, row.id, actor.user_id, actor.name, self._clock()
                )
            except IntegrityError:
                # Only a write that bypassed the row hold could get here; the reviewer counts once.
                await session.rollback()
                row = await self._checks.row(session, row.id)
                return await self._approved_before(session, row, actor, None)
            count = len(before) + 1
        else:
            count = len(before)  # a retry after a failed grant: the count was complete
        if count < needed:
            await self._checks.audit(
                session,
                row,
                actor,
                AuditAction.APPROVE,
                AuditResult.COUNTED,
                f"{count} of {needed} approvals",
            )
            edit = await self._cards.queue_updates(session, row)
            await session.commit()
            return build_noted_card(
                edit.view,
                self._clock(),
                Messages.for_locale(actor.locale),
                "good",
                "quorum.counted",
                count=count,
                required=needed,
            )
        # The count is complete (or was, before a failed grant): approve as with one approval.
        if not await self._move(session, row, RequestStatus.APPROVING):
            await session.rollback()
            return await self._checks.already_decided(session, row, actor, AuditAction.APPROVE)
        detail = f"{count} of {needed} approvals"
        return await self._queue_work(session, row, actor, DecisionAction.APPROVE, detail)

    async def _approved_before(
        self, session: AsyncSession, row: ConsentRequestRow, actor: Actor, waiting: int | None
    ) -> dict[str, Any]:
        """The same reviewer approved again: nothing more is recorded but the attempt."""
        if waiting is None:
            given = approvals.counted(
                await approvals.approvals_of(session, row.id),
                {r.user_id for r in await requests.requesters_of(session, row.id)},
            )
            waiting = max(row.approvals_required - len(given), 0)
        await self._checks.audit(
            session, row, actor, AuditAction.APPROVE, AuditResult.REFUSED, "already approved"
        )
        view = await self._cards.view_of(session, row)
        await session.commit()
        return build_noted_card(
            view,
            self._clock(),
            Messages.for_locale(actor.locale),
            "accent",
            "quorum.already_approved",
            count=waiting,
        )

    async def _move(
        self, session: AsyncSession, row: ConsentRequestRow, new: RequestStatus
    ) -> bool:
        moved = await requests.move_status(
            session, row.id, RequestStatus.PENDING, new, self._clock()
        )
        await session.refresh(row)
        return moved


__all__ = ["DecisionService"]
