"""Intake: reads Entra's pending list, records what is new, and queues the cards.

Graph offers no change notifications or delta for consent requests, so the
pending list is read on a schedule. The store, not memory, decides what is new:
a restart neither repeats a card nor loses a request created while the bot was
down. In a steady state (nothing new, nothing closed) a tick costs one Graph
call per 999 pending requests, whatever their number: the list carries its
users' requests, so people who join a request cost nothing more either.

A few new requests are read whole (their apps' profiles in one batch) before
their cards are posted. More than the digest threshold (a first start on a busy
tenant) are recorded from the list alone and announced at once as a digest;
``bot.review.request_details`` reads their apps afterwards and edits the cards.
New requests arriving meanwhile are recorded by the next tick, never queued
behind that work.

Longer than 300 lines on purpose: the poll's cases (new, joined, closed,
re-scoped, the workflow switched on) share one report and one transaction pattern.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.graph import AppProfile, GraphGateway, NotInGraph, PendingRequest, UserRequest
from bot.graph.consent_requests import ConsentRequestReads
from bot.review.auto_approval import AutoApprover, Candidate
from bot.review.new_requests import TenantContext, grants_for, new_request, requester
from bot.review.reviewer_cards import ReviewerCards
from bot.store import requesters, requests
from bot.store.requests import NewRequest
from domain.diagnosis.facts import TenantConsentFacts
from domain.types import ASKED_BECAUSE, AskedBecause, RequestStatus

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class IntakeReport:
    """What one tick found; returned for logs and tests."""

    pending: int = 0
    new: list[str] = field(default_factory=list)
    closed: dict[str, RequestStatus] = field(default_factory=dict)
    rescoped: list[str] = field(default_factory=list)
    joined: dict[str, list[str]] = field(default_factory=dict)
    queued_messages: int = 0
    auto_approved: list[str] = field(default_factory=list)


def outcome_in_entra(users: list[UserRequest]) -> RequestStatus:
    """How a request that left the pending list ended, read from its users' requests.

    ``reviewResult`` is seen both as Approve/Deny and Approved/Denied, so only
    the prefix is compared. An approval anywhere means the app was granted.
    """
    results = {(u.review_result or "").lower()[:4] for u in users}
    if "appr" in results:
        return RequestStatus.APPROVED_IN_ENTRA
    if "deny" in results or "deni" in results:
        return RequestStatus.DENIED_IN_ENTRA
    statuses = {u.status.lower() for u in users}
    if statuses and statuses <= {"expired"}:
        return RequestStatus.EXPIRED
    return RequestStatus.CLOSED_IN_ENTRA


class Intake:
    """One tick of the poll: diff Graph's pending list against the store.

    ``auto_approver`` checks new requests against the auto-approval list
    (without one nothing is auto-approved); ``on_work`` wakes the decision
    worker when it queued an approval; ``on_details`` wakes the pass that
    reads the apps of requests recorded from the list alone.
    """

    def __init__(
        self,
        graph: GraphGateway,
        reads: ConsentRequestReads,
        sessions: async_sessionmaker[AsyncSession],
        cards: ReviewerCards,
        clock: Callable[[], datetime],
        *,
        auto_approver: AutoApprover | None = None,
        on_work: Callable[[], None] = lambda: None,
        on_details: Callable[[], None] = lambda: None,
        consent_settings: Callable[[], Awaitable[TenantConsentFacts]] | None = None,
        read_whole_up_to: int = 5,
    ) -> None:
        self._graph = graph
        self._reads = reads
        self._consent_settings = consent_settings
        self._sessions = sessions
        self._cards = cards
        self._clock = clock
        self._auto_approver = auto_approver
        self._on_work = on_work
        self._on_details = on_details
        self._read_whole_up_to = read_whole_up_to
        self._poll_carries_users = False

    async def run_once(self) -> IntakeReport:
        pending = await self._reads.pending()
        self._poll_carries_users = all(item.users is not None for item in pending)
        report = IntakeReport(pending=len(pending))
        async with self._sessions() as session:
            known = await requests.known_request_ids(session, (p.id for p in pending))
            stored_scopes = await requests.open_request_scopes(session)
        still_open = set(stored_scopes)
        new_items = [item for item in pending if item.id not in known]
        if new_items:
            await self._record_new(new_items, report)
        for item in pending:
            # Only a changed scope list costs a write; the steady state touches nothing.
            if item.id in still_open and list(item.scopes) != stored_scopes[item.id]:
                await self._refresh_scopes(item, report)
        if self._poll_carries_users:
            listed = {p.id: list(p.users or ()) for p in pending if p.id in still_open}
            await self._join(listed, report)
        pending_ids = {p.id for p in pending}
        for request_id in sorted(still_open - pending_ids):
            await self._record_closed(request_id, report)
        if report.new or report.closed or report.rescoped:
            logger.info(
                "intake: %d pending, %d new, %d closed, %d re-scoped, %d messages queued",
                report.pending,
                len(report.new),
                len(report.closed),
                len(report.rescoped),
                report.queued_messages,
            )
        return report

    async def refresh_requesters(self) -> IntakeReport:
        """Find users who joined a pending request (Entra groups them under one request).

        When the poll's list carries its users (``$expand``), the poll itself
        found them and this only settles requests asked through the bot.
        Otherwise the users of every open request are read, twenty per batch,
        on this slower schedule.
        """
        report = IntakeReport()
        await self._settle_asked_through_bot(report)
        if self._poll_carries_users:
            return report
        async with self._sessions() as session:
            open_ids = sorted(await requests.open_request_ids(session))
        await self._join(await self._reads.users_in_progress(open_ids), report)
        return report

    async def _join(self, users_of: dict[str, list[UserRequest]], report: IntakeReport) -> None:
        """Record users who joined known requests, and edit those requests' cards."""
        async with self._sessions() as session:
            stored = await requesters.requester_ids(session, users_of)
        joined = {
            request_id: [u for u in users if u.id not in stored.get(request_id, set())]
            for request_id, users in users_of.items()
        }
        for request_id, users in joined.items():
            if not users:
                continue
            async with self._sessions() as session:
                added = await requests.add_requesters(session, request_id, map(requester, users))
                row = await requests.get_request(session, request_id)
                if not added or row is None or row.status != RequestStatus.PENDING:
                    continue
                report.queued_messages += (await self._cards.queue_updates(session, row)).queued
                await session.commit()
            report.joined[request_id] = added
        if report.joined:
            logger.info("intake: new requesters on %d pending requests", len(report.joined))

    async def _settle_asked_through_bot(self, report: IntakeReport) -> None:
        """Requests asked through the bot while Entra took none: once it does, send askers there.

        Entra's own request reaches the reviewers with its workflow (reminders,
        expiry, the portal), so the asker is told to use the form and the bot's
        card says so. Requests to unblock an app stay: Entra never takes those.
        """
        async with self._sessions() as session:
            waiting = [
                row
                for row in await requests.open_bot_requests(session)
                if row.app_snapshot.get(ASKED_BECAUSE, AskedBecause.REQUESTS_OFF)
                == AskedBecause.REQUESTS_OFF
            ]
        if not waiting or not (await self._graph.consent_request_policy()).is_enabled:
            return
        outcome = RequestStatus.REQUESTS_ENABLED
        for pending in waiting:
            async with self._sessions() as session:
                if not await requests.close_request(session, pending.id, outcome, self._clock()):
                    continue
                row = await requests.get_request(session, pending.id)
                assert row is not None
                report.queued_messages += (await self._cards.queue_updates(session, row)).queued
                report.queued_messages += await self._cards.queue_notices(session, row, outcome)
                await session.commit()
            report.closed[pending.id] = outcome

    async def _record_new(self, items: list[PendingRequest], report: IntakeReport) -> None:
        """Store this tick's new requests and announce them, in one transaction.

        A few are read whole first (their apps in one batch); a backlog is
        recorded from the list alone and its apps are read afterwards, except
        those on the auto-approval list, which is judged before anything is
        announced (the card is the record). A request whose reads fail is left
        for the next poll without holding back the others.
        """
        users_of = {item.id: list(item.users) for item in items if item.users is not None}
        unread = [item.id for item in items if item.users is None]
        if unread:
            users_of.update(await self._reads.users_in_progress(unread))
        whole = len(items) <= self._read_whole_up_to
        listed = (
            await self._auto_approver.listed(i.app_id for i in items)
            if self._auto_approver is not None
            else set()
        )
        wanted = [i.app_id for i in items if whole or i.app_id.lower() in listed]
        profiles = await self._reads.app_profiles(wanted) if wanted else {}
        grants = await grants_for(self._reads, profiles) if profiles else {}
        context = await TenantContext.read(self._graph, self._consent_settings)
        read: list[tuple[NewRequest, AppProfile | None]] = []
        for item in items:
            key = item.app_id.lower()
            needs_profile = whole or key in listed
            if item.id not in users_of or (needs_profile and key not in profiles):
                logger.warning("intake: could not read request %s; it is read next poll", item.id)
                continue
            profile = profiles.get(key)
            details = new_request(
                item,
                users_of[item.id],
                profile,
                profile_read=key in profiles,
                user_grants=grants.get(key),
                context=context,
                now=self._clock(),
            )
            read.append((details, profile))
        if read:
            await self._store_new(read, report)

    async def _store_new(
        self, read: Sequence[tuple[NewRequest, AppProfile | None]], report: IntakeReport
    ) -> None:
        """Insert, judge against the auto-approval list, and announce, in one commit."""
        verdicts = (
            await self._auto_approver.assess(
                [
                    Candidate(
                        details.id,
                        details.app_id,
                        details.scopes,
                        blocked=profile is not None and not profile.account_enabled,
                    )
                    for details, profile in read
                ]
            )
            if self._auto_approver is not None
            else {}
        )
        auto_approved = []
        async with self._sessions() as session:
            try:
                rows = await requests.insert_requests(session, [d for d, _ in read], self._clock())
                for row in rows:
                    verdict = verdicts.get(row.id)
                    if (
                        self._auto_approver is not None
                        and verdict is not None
                        and await self._auto_approver.apply(session, row, verdict)
                    ):
                        auto_approved.append(row.id)
                queued, _ = await self._cards.announce_routed(session, rows)
                report.queued_messages += queued
                await session.commit()
            except IntegrityError:
                # Another replica recorded some of them first; the next tick takes the rest.
                await session.rollback()
                logger.info("new requests were recorded by another worker; retrying next tick")
                return
        report.new.extend(details.id for details, _ in read)
        report.auto_approved.extend(auto_approved)
        if auto_approved:
            self._on_work()
        if any(details.details_pending for details, _ in read):
            self._on_details()

    async def _refresh_scopes(self, item: PendingRequest, report: IntakeReport) -> None:
        async with self._sessions() as session:
            if not await requests.update_scopes(session, item.id, item.scopes, self._clock()):
                return
            row = await requests.get_request(session, item.id)
            assert row is not None
            report.queued_messages += (await self._cards.queue_updates(session, row)).queued
            await session.commit()
        report.rescoped.append(item.id)

    async def _record_closed(self, request_id: str, report: IntakeReport) -> None:
        """A request left the pending list: decided in the portal, or expired."""
        try:
            users = await self._graph.user_requests(request_id, in_progress_only=False)
        except NotInGraph:
            users = []
        status = outcome_in_entra(users)
        async with self._sessions() as session:
            if not await requests.close_request(session, request_id, status, self._clock()):
                return
            row = await requests.get_request(session, request_id)
            assert row is not None
            report.queued_messages += (await self._cards.queue_updates(session, row)).queued
            if status is not RequestStatus.CLOSED_IN_ENTRA:
                report.queued_messages += await self._cards.queue_notices(session, row, status)
            await session.commit()
        report.closed[request_id] = status
