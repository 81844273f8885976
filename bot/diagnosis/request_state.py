"""The user's own request as Entra holds it when they ask, not as the last poll saw it.

The store learns of a request filed in Entra, and of a decision taken in the
Entra portal, at the next poll. An answer about "your request" must not lag
behind it: when the answer would tell the user to file a request, Entra is
asked whether they did since, and how it ended (one call, two when the app has
a request); when it would tell them to wait, whether their request was decided
since (one call).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.graph.gateway import GraphGateway, NotInGraph, UserRequest
from domain.diagnosis.analysis import NextStep
from domain.diagnosis.facts import AskedFacts, AskedStatus, DiagnosisFacts

IN_PROGRESS = "inprogress"


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


class EntraRequests:
    """Reads the asker's request for an app from Entra, when the answer depends on it."""

    def __init__(self, gateway: GraphGateway) -> None:
        self._gateway = gateway

    async def current(
        self,
        facts: DiagnosisFacts,
        user_id: str | None,
        next_step: NextStep,
        review_places: tuple[str, ...],
    ) -> DiagnosisFacts:
        """``facts`` with the asker's request as Entra holds it now, where that matters."""
        asked = facts.asked
        if not user_id:
            return facts
        if next_step is NextStep.SUBMIT_REQUEST and (
            asked is None or asked.status is not AskedStatus.PENDING
        ):
            filed = await self._filed_since(facts, user_id, review_places)
            return replace(facts, asked=filed) if filed is not None else facts
        if next_step is NextStep.WAIT and asked is not None and not asked.through_bot:
            return replace(facts, asked=await self._decided_since(asked, user_id))
        return facts

    async def _filed_since(
        self, facts: DiagnosisFacts, user_id: str, review_places: tuple[str, ...]
    ) -> AskedFacts | None:
        """The user's latest request in Entra, when it is newer than the one the store knows."""
        request = await self._gateway.request_for(facts.app.app_id)
        if request is None:
            return None
        try:
            users = await self._gateway.user_requests(request.id, in_progress_only=False)
        except NotInGraph:
            return None  # removed between the two reads: the next question sees how
        mine = sorted(
            (u for u in users if u.user_id.lower() == user_id.lower()),
            key=lambda u: u.created_at,
        )
        if not mine:
            return None
        latest = mine[-1]
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

    async def _decided_since(self, asked: AskedFacts, user_id: str) -> AskedFacts:
        try:
            users = await self._gateway.user_requests(asked.request_id, in_progress_only=False)
        except NotInGraph:
            return asked
        mine = sorted(
            (u for u in users if u.user_id.lower() == user_id.lower()),
            key=lambda u: u.created_at,
        )
        if not mine or mine[-1].status.lower() == IN_PROGRESS:
            return asked
        return replace(asked, status=_decided(mine[-1]))
