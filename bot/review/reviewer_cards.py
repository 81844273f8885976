"""The announcer: renders reviewer cards and writes the outbox rows that post or edit them.

Intake and the "review here" command both come through here, so "post this
request's card to that destination" has one meaning and one idempotency key.
What a card shows is read by ``bot.review.card_views``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.review.card_views import CardViews, EntraLinks, stored_publisher, stored_scopes
from bot.store import destinations, outbox, reminders, requesters, requests
from bot.store import routing as routing_store
from bot.store.outbox import OutboxKind
from bot.store.tables import ConsentRequestRow, DestinationRow
from cards.digest import DigestItem, build_digest_card
from cards.notices import build_requester_notice
from cards.reviewer import build_reviewer_card
from cards.risk import asks_offline_access
from domain.i18n import Messages
from domain.routing import RoutedRequest, on_high_risk_list, required_approvals, route
from domain.types import USER_GRANTS, RequestStatus, ReviewerCardView


@dataclass(frozen=True, slots=True)
class CardEdit:
    """A request's reviewer card as it now stands, and how many copies were queued for editing."""

    card: dict[str, Any]
    view: ReviewerCardView
    queued: int


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
        self._views = CardViews(links)
        self._clock = clock
        self._first_reminder = first_reminder
        self._messages = Messages.for_locale(None)

    async def view_of(self, session: AsyncSession, row: ConsentRequestRow) -> ReviewerCardView:
        return await self._views.view_of(session, row)

    async def render(self, session: AsyncSession, row: ConsentRequestRow) -> dict[str, Any]:
        view = await self.view_of(session, row)
        return build_reviewer_card(view, self._clock(), self._messages)

    async def _rendered(self, session: AsyncSession, row: ConsentRequestRow) -> CardEdit:
        view = await self.view_of(session, row)
        return CardEdit(build_reviewer_card(view, self._clock(), self._messages), view, 0)

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
        names = await requesters.requester_names(session, (row.id for row in rows))
        patterns = await routing_store.high_risk_patterns(session)
        items = [_digest_item(row, names[row.id], patterns) for row in rows]
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
        for row in rows:  # from the stored snapshot: a backlog routes without a query per request
            publisher = stored_publisher(row)
            request = RoutedRequest(
                row.app_id, publisher.verified if publisher else None, stored_scopes(row)
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

    async def queue_updates(self, session: AsyncSession, row: ConsentRequestRow) -> CardEdit:
        """Queue an edit of every copy of the request's card (posted or still queued).

        The card is rendered once per event: the caller answers the click with
        the same card (``CardEdit.card``) the copies are edited to.
        """
        edit = await self._rendered(session, row)
        card = edit.card
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
        return replace(edit, queued=queued)


def _digest_item(
    row: ConsentRequestRow, requesters: Sequence[str], patterns: Sequence[str]
) -> DigestItem:
    """A request's digest line, from the row alone (the digest may list a thousand)."""
    publisher = stored_publisher(row)
    scopes = stored_scopes(row)
    grants = row.app_snapshot.get(USER_GRANTS)
    return DigestItem(
        request_id=row.id,
        app_display_name=row.app_display_name,
        publisher_verified=publisher.verified if publisher else None,
        needs_admin=sum(1 for s in scopes if s.needs_admin),
        unknown_scopes=sum(1 for s in scopes if s.needs_admin is None),
        scope_count=len(scopes),
        requesters=tuple(requesters),
        first_requested_at=row.first_requested_at,
        listed=sum(1 for s in scopes if on_high_risk_list(s.value, patterns)),
        offline_access=asks_offline_access(scopes),
        user_grants=grants if isinstance(grants, int) else None,
        publisher_pending=row.details_pending,
    )
