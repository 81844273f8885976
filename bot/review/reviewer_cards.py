"""Turns stored requests into reviewer cards and writes the outbox rows that post or edit them.

Intake and the "review here" command both come through here, so "post this
request's card to that destination" has one meaning and one idempotency key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.review.auto_approval import note_of
from bot.store import approvals, decisions, destinations, outbox, reminders, requests
from bot.store import routing as routing_store
from bot.store.outbox import OutboxKind
from bot.store.tables import ConsentRequestRow, DecisionRow, DestinationRow
from cards.digest import DigestItem, build_digest_card
from cards.notices import build_requester_notice
from cards.reviewer import build_reviewer_card
from domain.i18n import Messages
from domain.routing import RoutedRequest, required_approvals, route
from domain.types import (
    DecisionAction,
    DecisionView,
    Publisher,
    Requester,
    RequestOrigin,
    RequestStatus,
    ReviewerCardView,
    ScopeDetail,
)

# Entra admin center: Enterprise applications > Admin consent requests.
ENTRA_CONSENT_REQUESTS_URL = (
    "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/"
    "StartboardApplicationsMenuBlade/~/AccessRequests"
)


@dataclass(frozen=True, slots=True)
class EntraLinks:
    """Builds links into Entra for this tenant."""

    authority_host: str
    tenant_id: str

    def review_url(self, app_id: str, request_id: str | None) -> str:
        """Entra's admin consent page for the app.

        With an Entra request id (``bf_id``) the page also closes that
        request; a request asked through the bot has none to close.
        """
        url = f"{self.authority_host}/{self.tenant_id}/adminconsent?client_id={app_id}"
        return f"{url}&bf_id={request_id}" if request_id else url


def snapshot_of(
    publisher: Publisher | None, homepage_url: str | None, scopes: Sequence[ScopeDetail]
) -> dict[str, Any]:
    """What intake learned about the app, stored with the request for later renders."""
    return {
        "publisher": (
            {"display_name": publisher.display_name, "verified": publisher.verified}
            if publisher
            else None
        ),
        "homepage_url": homepage_url,
        "scopes": [
            {
                "value": s.value,
                "description": s.description,
                "needs_admin": s.needs_admin,
                "resource_name": s.resource_name,
            }
            for s in scopes
        ],
    }


def _decision_view(row: DecisionRow | None) -> DecisionView | None:
    if row is None:
        return None
    return DecisionView(
        action=DecisionAction(row.action),
        actor_name=row.actor_name,
        decided_at=row.decided_at,
        reason=row.reason,
        problem=row.problem if row.state == decisions.FAILED else None,
        unresolved_scopes=tuple(row.unresolved_scopes),
    )


class ReviewerCards:
    """Renders reviewer cards and queues their posts and edits."""

    def __init__(
        self,
        links: EntraLinks,
        clock: Callable[[], datetime],
        first_reminder: Callable[[datetime, DestinationRow], datetime] | None = None,
        *,
        digest_threshold: int = 5,
    ) -> None:
        self._digest_threshold = digest_threshold
        self._links = links
        self._clock = clock
        self._first_reminder = first_reminder
        self._messages = Messages.for_locale(None)

    async def view_of(self, session: AsyncSession, row: ConsentRequestRow) -> ReviewerCardView:
        stored = row.app_snapshot
        publisher = stored.get("publisher")
        by_value = {s["value"].lower(): s for s in stored.get("scopes", [])}
        scopes = tuple(
            ScopeDetail(**by_value[value.lower()])
            if value.lower() in by_value
            else ScopeDetail(value=value)
            for value in row.scopes
        )
        requester_rows = await requests.requesters_of(session, row.id)
        decision = await decisions.latest_decision(session, row.id)
        needed = max(row.approvals_required or 1, 1)
        approved = (
            approvals.counted(
                await approvals.approvals_of(session, row.id),
                {r.user_id for r in requester_rows},
            )
            if needed > 1
            else []
        )
        origin = RequestOrigin(row.origin)
        return ReviewerCardView(
            request_id=row.id,
            app_id=row.app_id,
            app_display_name=row.app_display_name,
            publisher=Publisher(**publisher) if publisher else None,
            scopes=scopes,
            requesters=tuple(
                Requester(
                    user_id=r.user_id,
                    display_name=r.display_name,
                    user_principal_name=r.user_principal_name,
                    reason=r.reason,
                    requested_at=r.requested_at,
                )
                for r in requester_rows
            ),
            first_requested_at=row.first_requested_at,
            expires_at=row.expires_at,
            entra_review_url=self._links.review_url(
                row.app_id, row.id if origin is RequestOrigin.ENTRA else None
            ),
            status=RequestStatus(row.status),
            decision=_decision_view(decision),
            entra_requests_url=ENTRA_CONSENT_REQUESTS_URL,
            homepage_url=stored.get("homepage_url"),
            origin=origin,
            approvals_required=needed,
            approved_by=tuple(a.actor_name for a in approved),
            auto_approval=note_of(stored, RequestStatus(row.status), decision),
        )

    async def render(self, session: AsyncSession, row: ConsentRequestRow) -> dict[str, Any]:
        view = await self.view_of(session, row)
        return build_reviewer_card(view, self._clock(), self._messages)

    async def queue_posts(
        self,
        session: AsyncSession,
        row: ConsentRequestRow,
        destinations: Sequence[DestinationRow],
    ) -> int:
        """Queue the request's card for every destination that has not had it; returns how many."""
        if not destinations:
            return 0
        card = await self.render(session, row)
        queued = 0
        for destination in destinations:
            if await outbox.enqueue(
                session,
                key=f"post:{row.id}:{destination.id}",
                kind=OutboxKind.POST_CARD,
                destination_id=destination.id,
                request_id=row.id,
                payload={"card": card},
                now=self._clock(),
            ):
                queued += 1
            if self._first_reminder is not None:
                due = self._first_reminder(self._clock(), destination)
                await reminders.schedule(session, row.id, destination.id, due)
        return queued

    async def announce(
        self,
        session: AsyncSession,
        rows: Sequence[ConsentRequestRow],
        destinations: Sequence[DestinationRow],
    ) -> int:
        """Queue new requests: their cards, or one digest where more than the threshold arrived."""
        if len(rows) <= self._digest_threshold:
            queued = 0
            for row in rows:
                queued += await self.queue_posts(session, row, destinations)
            return queued
        items = [await self._digest_item(session, row) for row in rows]
        card = build_digest_card(items, self._clock(), self._messages)
        batch = hashlib.sha256(",".join(sorted(r.id for r in rows)).encode()).hexdigest()[:16]
        queued = 0
        for destination in destinations:
            if await outbox.enqueue(
                session,
                key=f"digest:{destination.id}:{batch}",
                kind=OutboxKind.POST_CARD,
                destination_id=destination.id,
                request_id=None,
                payload={"card": card},
                now=self._clock(),
            ):
                queued += 1
        return queued

    async def routed(
        self, session: AsyncSession, rows: Sequence[ConsentRequestRow], *, first: bool = False
    ) -> dict[int, list[ConsentRequestRow]]:
        """The review destinations each request goes to, by the admins' routing rules.

        ``first``: these requests are routed for the first time (new ones), so
        each also takes the number of approvals its placing rule requires.
        """
        review = [d.id for d in await destinations.active_destinations(session)]
        rules = await routing_store.rules(session)
        patterns = await routing_store.high_risk_patterns(session)
        per_destination: dict[int, list[ConsentRequestRow]] = {}
        for row in rows:
            view = await self.view_of(session, row)
            request = RoutedRequest(
                row.app_id, view.publisher.verified if view.publisher else None, view.scopes
            )
            if first:
                row.approvals_required = required_approvals(request, rules, review, patterns)
            for destination_id in route(request, rules, review, patterns):
                per_destination.setdefault(destination_id, []).append(row)
        if first:
            await session.flush()
        return per_destination

    async def announce_routed(
        self, session: AsyncSession, rows: Sequence[ConsentRequestRow]
    ) -> tuple[int, tuple[str, ...]]:
        """Announce new requests where the rules send them; returns messages queued and where.

        Each request also takes its quorum here: how many distinct approvals
        the rule that placed it requires (one when no rule did).
        """
        queued, names = 0, []
        for destination_id, its_rows in (await self.routed(session, rows, first=True)).items():
            destination = await destinations.get_destination(session, destination_id)
            if destination is None:
                continue
            queued += await self.announce(session, its_rows, [destination])
            names.append(destination.name)
        return queued, tuple(names)

    async def _digest_item(self, session: AsyncSession, row: ConsentRequestRow) -> DigestItem:
        view = await self.view_of(session, row)
        return DigestItem(
            request_id=row.id,
            app_display_name=row.app_display_name,
            publisher_verified=view.publisher.verified if view.publisher else None,
            needs_admin=sum(1 for s in view.scopes if s.needs_admin),
            unknown_scopes=sum(1 for s in view.scopes if s.needs_admin is None),
            scope_count=len(view.scopes),
            requesters=tuple(r.display_name for r in view.requesters),
            first_requested_at=row.first_requested_at,
        )

    async def queue_notices(
        self,
        session: AsyncSession,
        row: ConsentRequestRow,
        outcome: RequestStatus,
        *,
        reason: str | None = None,
        reviewer: str | None = None,
    ) -> int:
        """Queue a 1:1 notice of the outcome to everyone who asked, in their language."""
        queued = 0
        for person in await requests.requesters_of(session, row.id):
            language = await requests.preferred_locale(session, person.user_id)
            card = build_requester_notice(
                outcome, row.app_display_name, reason, reviewer, Messages.for_locale(language)
            )
            if await outbox.enqueue(
                session,
                key=f"notice:{row.id}:{person.user_id}:{outcome.value}",
                kind=OutboxKind.NOTIFY_USER,
                destination_id=None,
                user_id=person.user_id,
                request_id=row.id,
                payload={"card": card},
                now=self._clock(),
            ):
                queued += 1
        return queued

    async def queue_updates(self, session: AsyncSession, row: ConsentRequestRow) -> int:
        """Queue an edit of every copy of the request's card (posted or still queued)."""
        card = await self.render(session, row)
        revision = hashlib.sha256(json.dumps(card, sort_keys=True).encode()).hexdigest()[:16]
        destination_ids = {
            post.destination_id for post in await outbox.posts_for_request(session, row.id)
        }
        destination_ids |= await outbox.destinations_with_unsent_post(session, row.id)
        queued = 0
        for destination_id in sorted(destination_ids):
            if await outbox.enqueue(
                session,
                key=f"update:{row.id}:{destination_id}:{revision}",
                kind=OutboxKind.UPDATE_CARD,
                destination_id=destination_id,
                request_id=row.id,
                payload={"card": card},
                now=self._clock(),
            ):
                queued += 1
        return queued
