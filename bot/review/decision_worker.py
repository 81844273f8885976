"""Runs the Graph work of approve and block decisions, durably.

A decision is recorded (queued) before any Graph call, claimed with a lease,
and finished in one transaction with the status change, the card edits and the
requester notices. If the process dies midway the lease runs out and another
run repeats the work; every Graph step is idempotent, so nothing is granted
twice. Throttling and outages are retried with backoff; a refusal from Graph
(or a scope that cannot be resolved) puts the request back to pending with the
reason on the card.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.graph import AppProfile
from bot.graph.apps import AppWrites, GraphWriteError, TransientGraphError
from bot.graph.consent_grant import approve_app, block_app
from bot.graph.json_reads import GraphReadError
from bot.infra.background import RowWorker
from bot.review.decision_writes import SignInLapsed, WritesFor
from bot.review.reviewer_cards import ReviewerCards
from bot.store import audit_trail, decisions, requests
from bot.store.audit_trail import AuditEntry
from bot.store.tables import ConsentRequestRow, DecisionRow
from domain.audit import AuditAction, AuditResult
from domain.types import DecisionAction, RequestStatus

logger = logging.getLogger(__name__)
LEASE = timedelta(seconds=8)
"""Renewed every few seconds while the worker lives: a dead worker's decision is taken over
(and its card settles) within seconds of another worker or a restart, not minutes."""
MAX_ATTEMPTS = 8
MAX_AGE = timedelta(hours=1)
"""A decision Graph keeps refusing with errors worth retrying is given up after this many
tries or this long: the request goes back to pending and the card says to try again."""
GAVE_UP = "Microsoft Graph kept failing; nothing was changed. Try again in a few minutes."
SIGN_IN_ATTEMPTS = 4
"""Tries before a delegated decision whose reviewer token is not here gives up (about 15 s)."""
SIGN_IN_LAPSED = "the reviewer's sign-in has expired here; approve again to sign in and retry"
MAX_BACKOFF = 600.0


async def _carry_out(
    writes: AppWrites, action: DecisionAction, request: ConsentRequestRow
) -> tuple[str | None, tuple[str, ...]]:
    """The Graph work of one decision: the problem (None when done) and unresolved scopes."""
    app_id = request.app_id
    if action is DecisionAction.APPROVE:
        # The app's details were read and named no publisher: it was not in the tenant.
        absent = request.app_snapshot.get("publisher") is None and not request.details_pending
        outcome = await approve_app(writes, app_id, request.scopes, likely_new=absent)
        if outcome.unresolved and outcome.problem is None:
            return "some permissions cannot be resolved to one API", outcome.unresolved
        return outcome.problem, outcome.unresolved
    await block_app(writes, app_id)
    return None, ()


class DecisionWorker(RowWorker[DecisionRow]):
    """Claims queued decisions and completes them; wake it with ``notify``."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        writes: WritesFor,
        cards: ReviewerCards,
        clock: Callable[[], datetime],
        *,
        interval_seconds: float = 2.0,
        app_profile: Callable[[str], Awaitable[AppProfile | None]] | None = None,
    ) -> None:
        self._app_profile = app_profile
        super().__init__("decision-worker", sessions, clock, interval_seconds, held_for=LEASE)
        self._writes_for = writes
        self._cards = cards
        self._rng = random.Random()  # noqa: S311 - jitter

    async def _claim(self, session: AsyncSession, now: datetime) -> Sequence[DecisionRow]:
        return await decisions.claim_queued(session, now, LEASE)

    async def _handle(self, row: DecisionRow) -> None:
        await self._run(row)

    async def _renew(self, session: AsyncSession, row: DecisionRow, until: datetime) -> None:
        await decisions.renew_lease(session, row.id, until)

    async def _run(self, decision: DecisionRow) -> None:
        async with self._sessions() as session:
            row = await requests.get_request(session, decision.request_id)
        if row is None:
            return
        action = DecisionAction(decision.action)
        try:
            async with self._writes_for(decision) as writes:
                problem, unresolved = await _carry_out(writes, action, row)
        except SignInLapsed as lapsed:
            if decision.attempts + 1 < SIGN_IN_ATTEMPTS:
                await self._retry(decision, str(lapsed))  # the process holding it may claim it
                return
            problem, unresolved = SIGN_IN_LAPSED, ()
        except GraphWriteError as error:
            problem, unresolved = str(error), ()
        except Exception as error:
            # Throttling, outages and anything unforeseen: retried, a bounded number of times.
            if not isinstance(error, TransientGraphError):
                logger.exception("decision %s failed unexpectedly", decision.id)
            attempts = decision.attempts + 1
            if attempts < MAX_ATTEMPTS and self._clock() - decision.decided_at < MAX_AGE:
                await self._retry(decision, f"{type(error).__name__}: {error}")
                return
            logger.error("decision %s gave up after %d tries: %s", decision.id, attempts, error)
            problem, unresolved = GAVE_UP, ()
        if problem is None:
            await self._refresh_app(row.app_id, decision.request_id)
            await self._succeed(decision, action)
        else:
            await self._fail(decision, action, problem, unresolved)

    async def _refresh_app(self, app_id: str, request_id: str) -> None:
        """The app is in the tenant now: show its publisher instead of "not yet in your tenant"."""
        if self._app_profile is None:
            return
        try:
            profile = await self._app_profile(app_id)
        except (GraphReadError, OSError, TimeoutError):
            return  # cosmetic: the decision itself is done
        if profile is None:
            return
        async with self._sessions() as session:
            row = await requests.get_request(session, request_id)
            if row is not None:
                row.app_snapshot = {
                    **row.app_snapshot,
                    "publisher": {
                        "display_name": profile.publisher.display_name,
                        "verified": profile.publisher.verified,
                    },
                    "homepage_url": profile.homepage_url,
                }
                await session.commit()

    async def _succeed(self, decision: DecisionRow, action: DecisionAction) -> None:
        working, done = (
            (RequestStatus.APPROVING, RequestStatus.APPROVED)
            if action is DecisionAction.APPROVE
            else (RequestStatus.BLOCKING, RequestStatus.BLOCKED)
        )
        now = self._clock()
        async with self._sessions() as session:
            await decisions.finish_decision(session, decision.id, decisions.DONE, now)
            moved = await requests.move_status(session, decision.request_id, working, done, now)
            row = await requests.get_request(session, decision.request_id)
            if row is not None and moved:
                await session.refresh(row)
                entry = AuditEntry(
                    decision.actor_id,
                    decision.actor_name,
                    AuditAction(action.value),
                    AuditResult.SUCCEEDED,
                    row,
                )
                await audit_trail.record(session, entry, now)
                await self._cards.queue_updates(session, row)
                await self._cards.queue_notices(session, row, done, reviewer=decision.actor_name)
            await session.commit()

    async def _fail(
        self,
        decision: DecisionRow,
        action: DecisionAction,
        problem: str,
        unresolved: tuple[str, ...],
    ) -> None:
        working = (
            RequestStatus.APPROVING if action is DecisionAction.APPROVE else RequestStatus.BLOCKING
        )
        now = self._clock()
        async with self._sessions() as session:
            await decisions.finish_decision(
                session, decision.id, decisions.FAILED, now, problem=problem, unresolved=unresolved
            )
            await requests.move_status(
                session, decision.request_id, working, RequestStatus.PENDING, now
            )
            row = await requests.get_request(session, decision.request_id)
            if row is not None:
                await session.refresh(row)
                detail = problem + (f" ({', '.join(unresolved)})" if unresolved else "")
                entry = AuditEntry(
                    decision.actor_id,
                    decision.actor_name,
                    AuditAction(action.value),
                    AuditResult.FAILED,
                    row,
                    None,
                    detail,
                )
                await audit_trail.record(session, entry, now)
                await self._cards.queue_updates(session, row)
            await session.commit()
        logger.warning("%s of request %s failed: %s", action.value, decision.request_id, problem)

    async def _retry(self, decision: DecisionRow, error: str) -> None:
        attempts = decision.attempts + 1
        delay = min(MAX_BACKOFF, 2.0**attempts) * (0.5 + self._rng.random())
        logger.warning("decision %s: %s; retrying in %.0fs", decision.id, error, delay)
        async with self._sessions() as session:
            await decisions.retry_decision(
                session, decision.id, attempts, self._clock() + timedelta(seconds=delay), error
            )
            await session.commit()
