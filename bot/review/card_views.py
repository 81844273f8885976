"""What a reviewer card shows: a stored request read back as the frozen view cards are built from.

The view is read in the caller's transaction, so a card answered to a click
and the copies edited for it show the same state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.review.auto_approval import note_of
from bot.store import approvals, decisions, requests, routing
from bot.store.tables import ConsentRequestRow, DecisionRow
from domain.routing import on_high_risk_list
from domain.types import (
    STARTED_BY,
    USER_GRANTS,
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
                "kept_by_microsoft": s.kept_by_microsoft,
            }
            for s in scopes
        ],
    }


def stored_publisher(row: ConsentRequestRow) -> Publisher | None:
    """The app's publisher as intake stored it; None when not in the tenant or not read yet."""
    publisher = row.app_snapshot.get("publisher")
    return Publisher(**publisher) if publisher else None


def stored_scopes(row: ConsentRequestRow) -> tuple[ScopeDetail, ...]:
    """The request's scopes with what intake learned of each, without touching the database."""
    by_value = {s["value"].lower(): s for s in row.app_snapshot.get("scopes", [])}
    return tuple(
        ScopeDetail(**by_value[value.lower()])
        if value.lower() in by_value
        else ScopeDetail(value=value)
        for value in row.scopes
    )


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


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


class CardViews:
    """Reads a request's reviewer card view from the store."""

    def __init__(self, links: EntraLinks) -> None:
        self._links = links

    async def view_of(self, session: AsyncSession, row: ConsentRequestRow) -> ReviewerCardView:
        stored = row.app_snapshot
        publisher = stored_publisher(row)
        patterns = await routing.high_risk_patterns(session)
        scopes = tuple(
            replace(s, on_risk_list=True) if on_high_risk_list(s.value, patterns) else s
            for s in stored_scopes(row)
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
            publisher=publisher,
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
            details_pending=row.details_pending,
            user_grants=_count(stored.get(USER_GRANTS)),
            started_by=_text(stored.get(STARTED_BY)),
        )
