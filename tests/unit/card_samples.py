"""Sample requests, decisions and digest entries the card unit tests build their cards from.

Every sample is dated against ``NOW`` and can be changed field by field, so a
test states only what its case is about.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cards.digest import DigestItem
from domain.i18n import Messages
from domain.types import (
    DecisionAction,
    DecisionView,
    Publisher,
    Requester,
    RequestStatus,
    ReviewerCardView,
    ScopeDetail,
)

NOW = datetime(2026, 3, 12, 15, 30, tzinfo=UTC)
ENTRA_URL = (
    "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ConsentRequestDetailsBlade/requestId/req-1"
)
ENTRA_REQUESTS_URL = "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/StartboardApplicationsMenuBlade/~/AccessRequests"
EN = Messages.for_locale("en-US")
LANGUAGES = ["en", "fr", "ja"]

CALENDAR_SCOPES = (
    ScopeDetail("Calendars.ReadWrite", "Read and write your calendars", True, "Microsoft Graph"),
    ScopeDetail("User.Read", "Sign you in and read your profile", False, "Microsoft Graph"),
    ScopeDetail("offline_access", "Maintain access to data you gave it access to", False, None),
)

REFUSALS = [
    "refusal.not_a_reviewer",
    "refusal.own_request",
    "refusal.needs_role",
    "refusal.block_needs_role",
    "refusal.reason_required",
    "refusal.already_decided",
]


def requester(index: int, **overrides: Any) -> Requester:
    """The ``index``-th sample requester, one hour newer than the previous one."""
    values: dict[str, Any] = {
        "user_id": f"user-{index}",
        "display_name": f"Megan Bowen {index}",
        "user_principal_name": f"megan{index}@contoso.example",
        "reason": f"I need my meetings in the sync tool ({index})",
        "requested_at": NOW - timedelta(days=3) + timedelta(hours=index),
    }
    values.update(overrides)
    return Requester(**values)


def make_view(**overrides: Any) -> ReviewerCardView:
    """A pending request for a verified calendar app, changed by ``overrides``."""
    values: dict[str, Any] = {
        "request_id": "req-1",
        "app_id": "11111111-2222-3333-4444-555555555555",
        "app_display_name": "Contoso Calendar Sync",
        "publisher": Publisher("Contoso Ltd", verified=True),
        "scopes": CALENDAR_SCOPES,
        "requesters": (requester(0), requester(1)),
        "first_requested_at": NOW - timedelta(days=3, hours=5),
        "expires_at": NOW + timedelta(days=8, hours=2),
        "entra_review_url": ENTRA_URL,
    }
    values.update(overrides)
    return ReviewerCardView(**values)


def decision(action: DecisionAction, **overrides: Any) -> DecisionView:
    """A decision by Adele Vance an hour before ``NOW``, changed by ``overrides``."""
    values: dict[str, Any] = {
        "action": action,
        "actor_name": "Adele Vance",
        "decided_at": NOW - timedelta(hours=1),
    }
    if action is DecisionAction.DENY:
        values["reason"] = "We already use Fabrikam Calendar for this"
    values.update(overrides)
    return DecisionView(**values)


def digest_item(index: int, **overrides: Any) -> DigestItem:
    """The ``index``-th sample digest entry, an unverified app one hour older than the last."""
    values: dict[str, Any] = {
        "request_id": f"req-{index}",
        "app_display_name": f"Fabrikam Notes {index}",
        "publisher_verified": False,
        "needs_admin": 2,
        "unknown_scopes": 1,
        "scope_count": 5,
        "requesters": ("Adele Vance", "Patti Fernandez", "Lee Gu", "Megan Bowen", "Alex Wilber"),
        "first_requested_at": NOW - timedelta(hours=2 + index),
    }
    values.update(overrides)
    return DigestItem(**values)


def decided_view(status: RequestStatus, **overrides: Any) -> ReviewerCardView:
    """A request in a decided ``status`` with the matching decision on record."""
    action = {
        RequestStatus.APPROVING: DecisionAction.APPROVE,
        RequestStatus.APPROVED: DecisionAction.APPROVE,
        RequestStatus.DENIED: DecisionAction.DENY,
        RequestStatus.BLOCKING: DecisionAction.BLOCK,
        RequestStatus.BLOCKED: DecisionAction.BLOCK,
    }[status]
    values: dict[str, Any] = {
        "status": status,
        "decision": decision(action),
        "entra_requests_url": ENTRA_REQUESTS_URL,
    }
    values.update(overrides)
    return make_view(**values)
