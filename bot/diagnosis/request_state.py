"""The user's own request as Entra holds it when they ask, not as the last poll saw it.

The store learns of a request filed in Entra, and of a decision taken in the
Entra portal, at the next poll. An answer about "your request" must not lag
behind it: when the answer would tell the user to file a request, Entra is
asked whether they did since, and how it ended; when it would tell them to
wait, whether their request was decided since.

Both questions are answered by one read: the app's consent request with its
users' requests expanded inline (``$expand=userConsentRequests``), over plain
JSON. It does not depend on the asker, so it can start before the answer is
known to need it (``FactReader`` starts it alongside the app's own reads when
the last answer about the app needed it) and cost no round trip of its own.
Where Graph refuses the expansion, or pages it, the users' requests are read
by the request's id, as before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from bot.graph.gateway import UserRequest, user_request
from bot.graph.json_reads import GraphJson, GraphReadError, NotInGraph
from domain.diagnosis.analysis import NextStep
from domain.diagnosis.facts import AskedFacts, AskedStatus, DiagnosisFacts

logger = logging.getLogger(__name__)

IN_PROGRESS = "inprogress"
REQUESTS = "/identityGovernance/appConsent/appConsentRequests"
USERS = "userConsentRequests"


@dataclass(frozen=True, slots=True)
class AppRequest:
    """One of the app's consent requests; ``users`` is None when Graph did not expand them."""

    id: str
    users: tuple[UserRequest, ...] | None


def _request(item: dict[str, Any]) -> AppRequest:
    expanded = item.get(USERS)
    users = None
    if isinstance(expanded, list) and not item.get(f"{USERS}@odata.nextLink"):
        users = tuple(user_request(u) for u in expanded if isinstance(u, dict))
    return AppRequest(id=str(item.get("id") or ""), users=users)


def _decided(request: UserRequest) -> AskedStatus:
    """What became of a user request that is no longer in progress."""
    if request.status.lower() == "expired":
        return AskedStatus.EXPIRED
    result = (request.review_result or "").lower()
    if result == "approve":
        return AskedStatus.APPROVED
    if result == "deny":
        return AskedStatus.DENIED
    return AskedStatus.CLOSED


def _latest_of(users: tuple[UserRequest, ...], user_id: str) -> UserRequest | None:
    mine = sorted((u for u in users if u.user_id.lower() == user_id.lower()), key=_created)
    return mine[-1] if mine else None


def _created(request: UserRequest) -> datetime:
    return request.created_at


def needs_entra(facts: DiagnosisFacts, user_id: str | None, next_step: NextStep) -> bool:
    """Whether the answer depends on the asker's request as Entra holds it now."""
    asked = facts.asked
    if not user_id:
        return False
    if next_step is NextStep.SUBMIT_REQUEST:
        return asked is None or asked.status is not AskedStatus.PENDING
    return next_step is NextStep.WAIT and asked is not None and not asked.through_bot


class EntraRequests:
    """Reads the app's requests from Entra, and the asker's among them when it matters."""

    def __init__(self, reads: GraphJson) -> None:
        self._reads = reads
        self._expands = True

    async def of_app(self, app_id: str) -> list[AppRequest]:
        """The app's consent requests as Entra holds them now (one per app groups every
        user's), with their users' requests where Graph expands them: one call."""
        literal = app_id.replace("'", "''")
        params = {"$filter": f"appId eq '{literal}'"}
        if self._expands:
            try:
                items = await self._reads.items(REQUESTS, {**params, "$expand": USERS})
                return [_request(item) for item in items]
            except GraphReadError as error:
                if error.status != 400:
                    raise
                logger.warning("Graph refused $expand=%s; users are read per request", USERS)
                self._expands = False
        items = await self._reads.items(REQUESTS, params)
        return [AppRequest(str(item.get("id") or ""), None) for item in items]

    async def current(
        self,
        facts: DiagnosisFacts,
        user_id: str | None,
        next_step: NextStep,
        review_places: tuple[str, ...],
        requests: list[AppRequest] | None = None,
    ) -> DiagnosisFacts:
        """``facts`` with the asker's request as Entra holds it now, where that matters;
        ``requests`` is the app's requests when they were already read for this answer."""
        if not user_id or not needs_entra(facts, user_id, next_step):
            return facts
        found = requests if requests is not None else await self.of_app(facts.app.app_id)
        if next_step is NextStep.SUBMIT_REQUEST:
            filed = await self._filed_since(facts, user_id, found, review_places)
            return replace(facts, asked=filed) if filed is not None else facts
        assert facts.asked is not None
        return replace(facts, asked=await self._decided_since(facts.asked, user_id, found))

    async def _users(self, request: AppRequest) -> tuple[UserRequest, ...]:
        """The request's users' requests: as expanded, else read by its id (NotInGraph on 404)."""
        if request.users is not None:
            return request.users
        path = f"{REQUESTS}/{quote(request.id, safe='')}/{USERS}"
        return tuple(user_request(item) for item in await self._reads.items(path))

    async def _filed_since(
        self,
        facts: DiagnosisFacts,
        user_id: str,
        requests: list[AppRequest],
        review_places: tuple[str, ...],
    ) -> AskedFacts | None:
        """The user's latest request in Entra, when it is newer than the one the store knows."""
        if not requests:
            return None
        request = requests[0]
        try:
            latest = _latest_of(await self._users(request), user_id)
        except NotInGraph:
            return None  # removed between the two reads: the next question sees how
        if latest is None:
            return None
        known = facts.asked
        if known is not None and latest.created_at <= known.asked_at:
            # The request the store already knows (perhaps decided here: Graph cannot deny,
            # so Entra may still show it in progress): not one filed since.
            return None
        days = facts.tenant.request_duration_days
        in_progress = latest.status.lower() == IN_PROGRESS
        return AskedFacts(
            request_id=request.id,
            status=AskedStatus.PENDING if in_progress else _decided(latest),
            asked_at=latest.created_at,
            expires_at=latest.created_at + timedelta(days=days) if days else None,
            review_places=review_places,
        )

    async def _decided_since(
        self, asked: AskedFacts, user_id: str, requests: list[AppRequest]
    ) -> AskedFacts:
        """The request the store knows as pending, decided since in the Entra portal?"""
        wanted = asked.request_id.lower()
        request = next((r for r in requests if r.id.lower() == wanted), None)
        try:
            users = await self._users(request or AppRequest(asked.request_id, None))
        except NotInGraph:
            return asked
        latest = _latest_of(users, user_id)
        if latest is None or latest.status.lower() == IN_PROGRESS:
            return asked
        return replace(asked, status=_decided(latest))
