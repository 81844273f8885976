"""Intake: reads Entra's pending list, records what is new, and queues the cards.

Graph offers no change notifications or delta for consent requests, so the
pending list is read on a schedule. The store, not memory, decides what is new:
a restart neither repeats a card nor loses a request created while the bot was
down. In a steady state (nothing new, nothing closed) a tick costs one Graph
call whatever the number of pending requests.

Longer than 300 lines on purpose: the poll's cases (new, closed, re-scoped,
the workflow switched on) share one report and one transaction pattern.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.graph import AppProfile, GraphGateway, NotInGraph, PendingRequest, UserRequest
from bot.review.auto_approval import AutoApprover, Candidate
from bot.review.card_views import snapshot_of
from bot.review.reviewer_cards import ReviewerCards
from bot.store import requests
from bot.store.requests import NewRequest, NewRequester
from domain.diagnosis.facts import TenantConsentFacts
from domain.diagnosis.managed_policies import kept_under
from domain.types import ASKED_BECAUSE, AskedBecause, RequestStatus, ScopeDetail

logger = logging.getLogger(__name__)

DETAIL_READS_AT_ONCE = 4
"""New requests whose details are read concurrently: quicker cards without a burst Graph
would throttle."""


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


def _requester(user: UserRequest) -> NewRequester:
    return NewRequester(
        id=user.id,
        user_id=user.user_id,
        display_name=user.display_name,
        user_principal_name=user.user_principal_name,
        mail=user.mail,
        reason=user.reason,
        requested_at=user.created_at,
        status=user.status,
    )


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
    worker when it queued an approval.
    """

    def __init__(
        self,
        graph: GraphGateway,
        sessions: async_sessionmaker[AsyncSession],
        cards: ReviewerCards,
        clock: Callable[[], datetime],
        *,
        auto_approver: AutoApprover | None = None,
        on_work: Callable[[], None] = lambda: None,
        consent_settings: Callable[[], Awaitable[TenantConsentFacts]] | None = None,
    ) -> None:
        self._graph = graph
        self._consent_settings = consent_settings
        self._sessions = sessions
        self._cards = cards
        self._clock = clock
        self._auto_approver = auto_approver
        self._on_work = on_work

    async def run_once(self) -> IntakeReport:
        pending = await self._graph.pending_requests()
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

        The pending list does not say who asked, so this costs one call per
        pending request; it runs on its own, slower schedule.
        """
        report = IntakeReport()
        await self._settle_asked_through_bot(report)
        async with self._sessions() as session:
            open_ids = sorted(await requests.open_request_ids(session))
        for request_id in open_ids:
            try:
                users = await self._graph.user_requests(request_id, in_progress_only=True)
            except NotInGraph:
                continue  # the next poll records how it closed
            async with self._sessions() as session:
                added = await requests.add_requesters(session, request_id, map(_requester, users))
                row = await requests.get_request(session, request_id)
                if not added or row is None or row.status != RequestStatus.PENDING:
                    continue
                report.queued_messages += (await self._cards.queue_updates(session, row)).queued
                await session.commit()
            report.joined[request_id] = added
        if report.joined:
            logger.info("intake: new requesters on %d pending requests", len(report.joined))
        return report

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

        Their details are read a few at a time; a request whose reads fail is
        left for the next poll without holding back the others.

        Announcing them together lets a burst (a first start on a busy tenant)
        become one digest per destination instead of a flood of cards. A
        request the auto-approval list covers is approved in the same
        transaction, before its card is announced: the card is the record.
        """
        gate = asyncio.Semaphore(DETAIL_READS_AT_ONCE)
        outcomes = await asyncio.gather(*(self._read_or_skip(item, gate) for item in items))
        read = [outcome for outcome in outcomes if outcome is not None]
        if not read:
            return
        details = [new_request for new_request, _ in read]
        verdicts = (
            await self._auto_approver.assess(
                [
                    Candidate(
                        new_request.id,
                        new_request.app_id,
                        new_request.scopes,
                        blocked=profile is not None and not profile.account_enabled,
                    )
                    for new_request, profile in read
                ]
            )
            if self._auto_approver is not None
            else {}
        )
        auto_approved = []
        async with self._sessions() as session:
            try:
                rows = []
                for new_request in details:
                    await requests.insert_request(session, new_request, self._clock())
                    row = await requests.get_request(session, new_request.id)
                    assert row is not None
                    verdict = verdicts.get(row.id)
                    if (
                        self._auto_approver is not None
                        and verdict is not None
                        and await self._auto_approver.apply(session, row, verdict)
                    ):
                        auto_approved.append(row.id)
                    rows.append(row)
                queued, _ = await self._cards.announce_routed(session, rows)
                report.queued_messages += queued
                await session.commit()
            except IntegrityError:
                # Another replica recorded some of them first; the next tick takes the rest.
                await session.rollback()
                logger.info("new requests were recorded by another worker; retrying next tick")
                return
        report.new.extend(new_request.id for new_request in details)
        report.auto_approved.extend(auto_approved)
        if auto_approved:
            self._on_work()

    async def _read_or_skip(
        self, item: PendingRequest, gate: asyncio.Semaphore
    ) -> tuple[NewRequest, AppProfile | None] | None:
        """The request's details, or None when Graph would not give them this time.

        A read that fails after the client's own retries concerns this request
        only: the others are recorded and announced now, and this one is new
        again at the next poll.
        """
        async with gate:
            try:
                return await self._read_details(item)
            except Exception as error:
                logger.warning(
                    "intake: could not read request %s (%s); it is read again next poll",
                    item.id,
                    f"{type(error).__name__}: {str(error)[:200]}",
                )
                return None

    async def _read_details(self, item: PendingRequest) -> tuple[NewRequest, AppProfile | None]:
        """The extra reads a new request needs: requesters, the app, scope meanings, expiry."""
        users = await self._graph.user_requests(item.id, in_progress_only=True)
        profile = await self._graph.app_profile(item.app_id)
        catalogue = await self._graph.graph_scope_catalogue()
        policy = await self._graph.consent_request_policy()
        first_requested = min((u.created_at for u in users), default=self._clock())
        days = policy.request_duration_days
        scopes = [catalogue.get(value.lower(), ScopeDetail(value=value)) for value in item.scopes]
        if self._consent_settings is not None:
            # The reviewer sees which permissions the tenant's consent setting kept for them.
            settings = await self._consent_settings()
            scopes = [
                replace(s, kept_by_microsoft=True)
                if not s.needs_admin and kept_under(settings, s.value, s.resource_name, item.app_id)
                else s
                for s in scopes
            ]
        new_request = NewRequest(
            id=item.id,
            app_id=item.app_id,
            app_display_name=item.app_display_name,
            scopes=item.scopes,
            first_requested_at=first_requested,
            expires_at=first_requested + timedelta(days=days) if days else None,
            app_snapshot=snapshot_of(
                profile.publisher if profile else None,
                profile.homepage_url if profile else None,
                scopes,
            ),
            requesters=tuple(map(_requester, users)),
        )
        return new_request, profile

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
