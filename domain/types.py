"""Plain value types shared by intake, the store, routing and the card builders.

They carry no behaviour and know nothing of Graph, Teams or SQL, so card
builders stay pure functions of data and tests can build them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class RequestStatus(StrEnum):
    """Where a consent request stands from the bot's point of view."""

    PENDING = "pending"
    APPROVING = "approving"  # a reviewer approved; the grant is being made
    APPROVED = "approved"
    DENIED = "denied"
    BLOCKING = "blocking"  # a reviewer confirmed the block; it is being applied
    BLOCKED = "blocked"
    APPROVED_IN_ENTRA = "approved_in_entra"
    DENIED_IN_ENTRA = "denied_in_entra"
    CLOSED_IN_ENTRA = "closed_in_entra"  # gone from Entra with no outcome we can read
    EXPIRED = "expired"
    REQUESTS_ENABLED = "requests_enabled"  # asked through the bot; Entra takes requests again


class RequestOrigin(StrEnum):
    """Where a consent request came from."""

    ENTRA = "entra"  # Entra's admin consent request workflow (read from Graph)
    BOT = "bot"  # "Ask the reviewers for me": Entra's workflow was off, so no request exists


ASKED_BECAUSE = "asked_because"
"""The key, in a bot-made request's app snapshot, of why the bot was asked (``AskedBecause``)."""

USER_GRANTS = "user_grants"
"""The key, in a request's app snapshot, of how many people had already granted the app
something for themselves when it was read (None: Graph did not say)."""

STARTED_BY = "started_by"
"""The key, in a request an admin started from the sign-in log, of that admin's name."""


class AskedBecause(StrEnum):
    """Why a user asked the reviewers through the bot rather than through Entra's form."""

    REQUESTS_OFF = "requests_off"  # Entra's workflow was off: Entra takes over once it is on
    APP_BLOCKED = "app_blocked"  # the app is blocked: Entra never takes those
    SIGN_IN_LOG = "sign_in_log"  # an admin started it from the sign-in log ("blocked apps")


@dataclass(frozen=True, slots=True)
class ScopeDetail:
    """One requested delegated permission, as a reviewer should see it.

    ``needs_admin`` is ``None`` when the scope is not in the tenant's catalogue
    (the bot never guesses what an unknown scope allows).
    """

    value: str
    description: str | None = None
    needs_admin: bool | None = None
    resource_name: str | None = None
    kept_by_microsoft: bool = False
    """Users could consent to it, but the tenant lets Microsoft manage user consent and
    Microsoft's recommended settings keep it for an admin (``diagnosis.managed_policies``)."""
    on_risk_list: bool = False
    """The admins' high-risk list names it (read when a card is drawn, never stored)."""


@dataclass(frozen=True, slots=True)
class Requester:
    """A user who asked for the app, with the justification they typed."""

    user_id: str
    display_name: str
    user_principal_name: str | None
    reason: str | None
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class Publisher:
    """Who publishes the app and whether Microsoft verified them."""

    display_name: str | None
    verified: bool


@dataclass(frozen=True, slots=True)
class Actor:
    """Who wrote or clicked, as the (signed, or sandbox) activity says."""

    user_id: str | None
    name: str
    locale: str | None = None


class DecisionAction(StrEnum):
    APPROVE = "approve"
    DENY = "deny"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class DecisionView:
    """Who decided what, shown on every copy of the card once a reviewer acted.

    ``problem`` explains why an approval or block could not be completed here
    (for example scopes no resource defines, listed in ``unresolved_scopes``);
    the request is then pending again and the card offers the Entra hand-off.
    """

    action: DecisionAction
    actor_name: str
    decided_at: datetime
    reason: str | None = None
    problem: str | None = None
    unresolved_scopes: tuple[str, ...] = ()


class AutoApprovalOutcome(StrEnum):
    """What the auto-approval allow-list made of a request when intake first saw it."""

    APPROVED = "approved"  # every scope on the app's list: the bot approved it itself
    FAILED = "failed"  # approved by the list, but the grant did not go through
    BEYOND = "beyond"  # some scopes are not on the app's list
    BLOCKED = "blocked"  # the app is listed but disabled (blocked) in the tenant
    UNRESOLVED = "unresolved"  # some scopes match no single API, so nothing is guessed


@dataclass(frozen=True, slots=True)
class AutoApprovalNote:
    """The allow-list's verdict shown on the card, for a request of a listed app.

    ``scopes``: for APPROVED and FAILED the scopes the list allowed; for BEYOND
    those not on the list; for UNRESOLVED those matching no single API.
    """

    outcome: AutoApprovalOutcome
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReviewerCardView:
    """Everything the reviewer card shows for one admin consent request.

    ``publisher`` is ``None`` when the app has no service principal in the
    tenant yet: the card then says the app is not yet in the tenant.
    """

    request_id: str
    app_id: str
    app_display_name: str
    publisher: Publisher | None
    scopes: tuple[ScopeDetail, ...]
    requesters: tuple[Requester, ...]
    first_requested_at: datetime
    expires_at: datetime | None
    entra_review_url: str
    status: RequestStatus = RequestStatus.PENDING
    decision: DecisionView | None = None
    entra_requests_url: str | None = None
    homepage_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    origin: RequestOrigin = RequestOrigin.ENTRA
    approvals_required: int = 1
    """Distinct approvals needed before the bot grants (two-person approval when 2 or more)."""
    approved_by: tuple[str, ...] = ()
    """Who approved so far, oldest first, when more than one approval is needed."""
    auto_approval: AutoApprovalNote | None = None
    """The auto-approval allow-list's verdict, for a request of a listed app."""
    details_pending: bool = False
    """Recorded from Entra's pending list alone: the publisher is still being read."""
    user_grants: int | None = None
    """People in the organisation who already granted the app something for themselves,
    when it was read (None: not known)."""
    started_by: str | None = None
    """The admin who started the review from the sign-in log ("blocked apps"), if one did."""
