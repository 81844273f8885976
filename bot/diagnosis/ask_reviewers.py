""" "Ask the reviewers for me": a request the bot records when Entra cannot take one.

With the request workflow off (situation 3) or the app blocked, Entra offers
the user no form, so nothing reaches the admins. The bot then records a
request of its own (``origin = bot``) and posts it to the review
destinations as a reviewer card. From there it lives the life of any request:
reminders, approve (a real tenant-wide grant of the scopes known), deny with a
reason, block, and the requester is told the outcome 1:1. Later askers join
the same open request instead of creating another.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.review.card_views import snapshot_of
from bot.review.reviewer_cards import ReviewerCards
from bot.store import audit_trail, destinations, requests
from bot.store.audit_trail import AuditEntry
from bot.store.requests import BOT_REQUEST_PREFIX, NewRequest, NewRequester
from bot.store.tables import ConsentRequestRow
from cards.diagnosis import scope_details
from domain.audit import AuditAction, AuditResult
from domain.diagnosis.facts import DiagnosisFacts
from domain.diagnosis.managed_policies import kept_under
from domain.types import ASKED_BECAUSE, Actor, AskedBecause, Publisher, RequestOrigin

JUSTIFICATION_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class AskOutcome:
    """``places`` the request went to; empty when no review destination exists."""

    request_id: str | None
    places: tuple[str, ...]
    joined: bool = False


class ReviewerAsk:
    """Records "ask the reviewers for me" and queues its cards, in one transaction."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        cards: ReviewerCards,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._cards = cards
        self._clock = clock

    async def ask(self, facts: DiagnosisFacts, asker: Actor, justification: str) -> AskOutcome:
        if not asker.user_id:
            raise ValueError("the asker has no Entra object id")
        now = self._clock()
        requester_id = f"{BOT_REQUEST_PREFIX}{uuid.uuid4().hex}"
        requester = NewRequester(
            id=requester_id,
            user_id=asker.user_id,
            display_name=asker.name,
            user_principal_name=None,
            mail=None,
            reason=justification,
            requested_at=now,
            status="InProgress",
        )
        try:
            return await self._record(facts, asker, requester, now)
        except IntegrityError:
            # Somebody else opened the app's request at the same moment: join theirs.
            return await self._record(facts, asker, requester, now)

    async def _record(
        self, facts: DiagnosisFacts, asker: Actor, requester: NewRequester, now: datetime
    ) -> AskOutcome:
        async with self._sessions() as session:
            if not await destinations.active_destinations(session):
                return AskOutcome(None, ())
            row = await requests.open_bot_request(session, facts.app.app_id)
            if row is not None:
                places = await self._places(session, row)
                people = await requests.requesters_of(session, row.id)
                if any(p.user_id == asker.user_id for p in people):
                    return AskOutcome(row.id, places, joined=True)
                await requests.add_requesters(session, row.id, [requester])
                await self._cards.queue_updates(session, row)
                joined = True
            else:
                request_id = await requests.next_bot_request_id(session, facts.app.app_id)
                request = self._new_request(request_id, facts, requester, now)
                await requests.insert_request(session, request, now)
                row = await requests.get_request(session, request.id)
                assert row is not None
                _, places = await self._cards.announce_routed(session, [row])
                joined = False
            entry = AuditEntry(
                asker.user_id, asker.name, AuditAction.ASK_REVIEWERS, AuditResult.SUCCEEDED, row
            )
            await audit_trail.record(session, entry, now)
            await session.commit()
        return AskOutcome(row.id, places, joined=joined)

    async def _places(self, session: AsyncSession, row: ConsentRequestRow) -> tuple[str, ...]:
        """Where an open request's card went."""
        routed = await self._cards.routed(session, [row])
        found = [await destinations.get_destination(session, d) for d in routed]
        return tuple(d.name for d in found if d is not None)

    @staticmethod
    def _new_request(
        request_id: str, facts: DiagnosisFacts, requester: NewRequester, now: datetime
    ) -> NewRequest:
        app = facts.app
        publisher = Publisher(app.publisher_name, bool(app.verified)) if app.in_tenant else None
        kept = {
            s.value
            for s in facts.scopes
            if kept_under(facts.tenant, s.value, s.resource_name, app.app_id)
        }
        snapshot = snapshot_of(publisher, app.homepage_url, scope_details(facts.scopes, kept))
        # Intake closes the request once Entra takes requests again, unless the app is blocked.
        blocked = app.in_tenant and not app.enabled
        snapshot[ASKED_BECAUSE] = AskedBecause.APP_BLOCKED if blocked else AskedBecause.REQUESTS_OFF
        return NewRequest(
            id=request_id,
            app_id=app.app_id,
            app_display_name=app.display_name,
            scopes=tuple(s.value for s in facts.scopes),
            first_requested_at=now,
            expires_at=None,
            app_snapshot=snapshot,
            requesters=(requester,),
            origin=RequestOrigin.BOT,
        )
