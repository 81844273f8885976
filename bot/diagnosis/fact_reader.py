"""Gathers a diagnosis's facts from Graph (cached where they change rarely) and the store.

Graph cannot list the permissions of an app the tenant has not met, so the
requested scopes come from what the user pasted (a consent URL shows what the
app asks for today) or else from the latest consent request for the app.
The tenant settings, the app and the store are read concurrently, and so is
the app's request in Entra when the last answer about the app needed it: a
warm answer then waits for one Graph round trip, not two. The guess decides
only when Graph is read, never what is answered: a wrong guess costs one
read nobody uses, or the round trip that was saved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.diagnosis.request_state import AppRequest, EntraRequests, needs_entra
from bot.graph.app_directory import REFRESH_SECONDS, AppDirectory
from bot.graph.gateway import PendingRequest
from bot.graph.scope_catalogue import ScopeCatalogue
from bot.graph.tenant_consent import TenantConsentReader
from bot.infra.ttl_cache import TtlCache
from bot.store import decisions, destinations
from bot.store.app_history import AskedBefore, app_history, known_apps
from domain.diagnosis.analysis import Diagnosis, diagnose
from domain.diagnosis.facts import (
    AskedFacts,
    AskedStatus,
    DiagnosisFacts,
    ScopeSource,
    TenantConsentFacts,
)
from domain.diagnosis.matching import Candidate
from domain.diagnosis.question import Question
from domain.types import RequestOrigin, RequestStatus

GUESSES_KEPT = 4096
"""Apps whose last answer is remembered for the guess; past this the memory starts afresh."""

_ASKED_STATUS = {
    RequestStatus.PENDING: AskedStatus.PENDING,
    RequestStatus.APPROVING: AskedStatus.PENDING,
    RequestStatus.BLOCKING: AskedStatus.PENDING,
    RequestStatus.APPROVED: AskedStatus.APPROVED,
    RequestStatus.APPROVED_IN_ENTRA: AskedStatus.APPROVED,
    RequestStatus.DENIED: AskedStatus.DENIED,
    RequestStatus.DENIED_IN_ENTRA: AskedStatus.DENIED,
    RequestStatus.BLOCKED: AskedStatus.BLOCKED,
    RequestStatus.EXPIRED: AskedStatus.EXPIRED,
    RequestStatus.CLOSED_IN_ENTRA: AskedStatus.CLOSED,
    RequestStatus.REQUESTS_ENABLED: AskedStatus.CLOSED,
}


def _with(candidates: list[Candidate], more: dict[str, str]) -> list[Candidate]:
    """``candidates`` and, after them, the apps of ``more`` (app id -> name) not among them."""
    seen = {c.app_id.lower() for c in candidates}
    return [*candidates, *(Candidate(a, n) for a, n in more.items() if a.lower() not in seen)]


@dataclass(frozen=True, slots=True)
class _Stored:
    """What the store knows of the app and of this user's requests for it."""

    name: str | None
    scopes: tuple[str, ...]
    asked: AskedBefore | None
    decided_by: str | None
    reason: str | None
    others_waiting: int
    review_places: tuple[str, ...]


class FactReader:
    def __init__(
        self,
        settings: TenantConsentReader,
        directory: AppDirectory,
        catalogue: ScopeCatalogue,
        pending_requests: Callable[[], Awaitable[list[PendingRequest]]],
        entra: EntraRequests,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        *,
        places_ttl_seconds: float = 30,
    ) -> None:
        self._settings = settings
        self._directory = directory
        self._pending_requests = pending_requests
        self._entra = entra
        self._entra_wanted: dict[str, bool] = {}
        """App id (lower case) -> whether the last answer about it read Entra's requests."""
        self._catalogue = catalogue
        self._sessions = sessions
        self._places = TtlCache[tuple[str, ...]](places_ttl_seconds, clock)
        # Entra's pending requests, shared by the misses of a burst: a user repeating a
        # question about an unknown app (or a tenant with a long pending list) costs one
        # listing per REFRESH_SECONDS, as the index's catch-up does.
        self._pending = TtlCache[list[PendingRequest]](REFRESH_SECONDS, clock)
        # The apps anyone requested, for matching names: read by the questions of a burst
        # once, not once each (the whole list grows with the tenant). Like the index, it
        # may miss an app requested a moment ago, and a miss is never final: the catch-up
        # (``fresh_candidates``) reads it again.
        self._requested = TtlCache[dict[str, str]](REFRESH_SECONDS, clock)

    async def candidates(self) -> list[Candidate]:
        """Apps with a service principal here and apps anyone requested."""
        in_tenant = await self._directory.candidates()
        return _with(in_tenant, await self._requested.get_or_load(self._known_apps))

    async def fresh_candidates(self) -> list[Candidate]:
        """The candidates once more, after catching up with the tenant: before saying
        "no such app", the service principals added since the index was read, the apps
        the store knows now, and the requests Entra holds right now (the store learns of
        them one poll later)."""
        _, pending, requested = await asyncio.gather(
            self._directory.refresh(),
            self._pending.get_or_load(self._pending_requests),
            self._known_apps(),
        )
        known = _with(await self._directory.candidates(), self._requested.put(requested))
        return _with(known, {p.app_id: p.app_display_name for p in pending})

    async def _known_apps(self) -> dict[str, str]:
        async with self._sessions() as session:
            return await known_apps(session)

    async def read(
        self, app_id: str, name: str, user_id: str | None, question: Question | None = None
    ) -> DiagnosisFacts:
        tenant, reading, stored = await asyncio.gather(
            self._settings.settings(question.error_code if question else None),
            self._directory.read(app_id, user_id, name),
            self._stored(app_id, user_id),
        )
        app = reading.app
        if not app.in_tenant and stored.name and app.display_name == app.app_id:
            app = replace(app, display_name=stored.name)
        pasted = question.scopes if question else ()
        values: Sequence[str] = pasted or stored.scopes
        source = (
            ScopeSource.URL
            if pasted
            else ScopeSource.REQUEST
            if stored.scopes
            else ScopeSource.NONE
        )
        return DiagnosisFacts(
            tenant=tenant,
            app=app,
            scopes=await self._catalogue.describe(values) if values else (),
            scope_source=source,
            granted_to_all=reading.granted_to_all,
            granted_to_user=reading.granted_to_user,
            asked=self._asked(stored, tenant),
            others_waiting=stored.others_waiting,
            error_code=question.error_code if question else None,
        )

    async def diagnosed(
        self, app_id: str, name: str, user_id: str | None, question: Question | None = None
    ) -> tuple[DiagnosisFacts, Diagnosis]:
        """The facts and their diagnosis, with the asker's own request as Entra holds it
        now where the answer depends on it (``bot.diagnosis.request_state``)."""
        key = app_id.lower()
        early = None
        if user_id and self._entra_wanted.get(key):
            early = asyncio.create_task(self._entra.of_app(app_id))
        try:
            facts = await self.read(app_id, name, user_id, question)
            diagnosis = diagnose(facts)
            wanted = needs_entra(facts, user_id, diagnosis.next_step)
            if user_id:
                self._remember_wanted(key, wanted)
            if not wanted:
                return facts, diagnosis
            ahead: list[AppRequest] | None = await early if early is not None else None
            current = await self._entra.current(
                facts, user_id, diagnosis.next_step, await self._review_places(), ahead
            )
        finally:
            if early is not None:
                _discard(early)
        return (facts, diagnosis) if current is facts else (current, diagnose(current))

    def _remember_wanted(self, key: str, wanted: bool) -> None:
        if len(self._entra_wanted) >= GUESSES_KEPT and key not in self._entra_wanted:
            self._entra_wanted.clear()
        self._entra_wanted[key] = wanted

    async def _stored(self, app_id: str, user_id: str | None) -> _Stored:
        async with self._sessions() as session:
            history = await app_history(session, app_id)
            asked = history.asked_by(user_id)
            decision = await decisions.latest_decision(session, asked[0].id) if asked else None
        with_scopes = next((r for r in history.requests if r.scopes), None)
        return _Stored(
            name=history.requests[0].app_display_name if history.requests else None,
            scopes=tuple(with_scopes.scopes) if with_scopes else (),
            asked=AskedBefore(*asked) if asked else None,
            decided_by=decision.actor_name if decision else None,
            reason=decision.reason if decision else None,
            others_waiting=history.others_waiting(user_id),
            review_places=await self._review_places(),
        )

    async def _review_places(self) -> tuple[str, ...]:
        """Names of the review destinations (cached briefly: they change rarely)."""

        async def load() -> tuple[str, ...]:
            async with self._sessions() as session:
                return tuple(d.name for d in await destinations.active_destinations(session))

        return await self._places.get_or_load(load)

    @staticmethod
    def _asked(stored: _Stored, tenant: TenantConsentFacts) -> AskedFacts | None:
        if stored.asked is None:
            return None
        request, requester = stored.asked.request, stored.asked.requester
        status = _ASKED_STATUS[RequestStatus(request.status)]
        if status is AskedStatus.PENDING and requester.status.lower() == "expired":
            status = AskedStatus.EXPIRED  # theirs ran out while others' requests remain
        through_bot = request.origin == RequestOrigin.BOT
        days = tenant.request_duration_days
        expires = (
            requester.requested_at + timedelta(days=days) if days and not through_bot else None
        )
        return AskedFacts(
            request_id=request.id,
            status=status,
            asked_at=requester.requested_at,
            expires_at=expires,
            through_bot=through_bot,
            reason=stored.reason,
            decided_by=stored.decided_by,
            review_places=stored.review_places,
        )


def _discard(task: asyncio.Future[list[AppRequest]]) -> None:
    """An early read the answer is done with: stopped if unused, its failure (if any) seen."""
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()
