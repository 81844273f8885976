"""The facts a diagnosis is computed from, as plain values.

They are what Graph and the store say about one tenant, one app and one user
at one moment. ``analysis.diagnose`` is a pure function of them, so every
situation can be tested by building facts by hand, and the Graph reads that
produce them are tested separately against the sandbox tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class UserConsentMode(StrEnum):
    """What ``permissionGrantPoliciesAssigned`` lets users consent to."""

    OFF = "off"  # no ManagePermissionGrantsForSelf policy: nobody consents alone
    LOW = "low"  # microsoft-user-default-low: verified publishers, low-risk scopes
    LEGACY = "legacy"  # microsoft-user-default-legacy: any scope that needs no admin
    RECOMMENDED = "recommended"  # microsoft-user-default-recommended: Microsoft-managed
    CUSTOM = "custom"  # a policy this bot cannot evaluate scope by scope


@dataclass(frozen=True, slots=True)
class TenantConsentFacts:
    """The tenant's consent settings (authorizationPolicy and adminConsentRequestPolicy)."""

    user_consent: UserConsentMode
    requests_enabled: bool
    request_duration_days: int | None
    risky_step_up: bool
    reviewers: tuple[str, ...] = ()
    custom_policies: tuple[str, ...] = ()
    mail_clients_allowed: bool = False
    """``microsoft-user-default-allow-consent-apps`` is assigned too (see ``managed_policies``)."""


class ScopeKind(StrEnum):
    USER = "user"  # users may consent (subject to the tenant's settings)
    ADMIN = "admin"  # only an admin can consent
    UNKNOWN = "unknown"  # no API in the tenant defines it, or several do


@dataclass(frozen=True, slots=True)
class ScopeFact:
    """One permission the app asks for, resolved against the tenant's APIs."""

    value: str
    kind: ScopeKind
    classified_low: bool = False
    description: str | None = None
    resource_name: str | None = None


@dataclass(frozen=True, slots=True)
class AppFacts:
    """The app as this tenant knows it; ``in_tenant`` is False before anyone consented.

    ``verified`` is None when the tenant cannot tell (no service principal yet).
    ``user_assigned`` is None when assignment is not required or not checked.
    """

    app_id: str
    display_name: str
    in_tenant: bool
    publisher_name: str | None = None
    verified: bool | None = None
    own_tenant: bool = False
    enabled: bool = True
    assignment_required: bool = False
    user_assigned: bool | None = None
    homepage_url: str | None = None
    privacy_url: str | None = None
    terms_url: str | None = None


class ScopeSource(StrEnum):
    """Where the list of requested permissions came from (Graph cannot say for unknown apps)."""

    REQUEST = "request"  # an admin consent request for the app
    URL = "url"  # the consent URL the user pasted
    NONE = "none"  # nowhere: the permissions are not known


class AskedStatus(StrEnum):
    PENDING = "pending"
    DENIED = "denied"
    APPROVED = "approved"
    BLOCKED = "blocked"
    EXPIRED = "expired"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class AskedFacts:
    """The user's own latest request for the app (through Entra or the bot)."""

    request_id: str
    status: AskedStatus
    asked_at: datetime
    expires_at: datetime | None
    through_bot: bool = False
    reason: str | None = None
    decided_by: str | None = None
    review_places: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DiagnosisFacts:
    """Everything the diagnosis needs, for one user, one app and one tenant."""

    tenant: TenantConsentFacts
    app: AppFacts
    scopes: tuple[ScopeFact, ...]
    scope_source: ScopeSource
    granted_to_all: frozenset[str] = frozenset()
    granted_to_user: frozenset[str] = frozenset()
    asked: AskedFacts | None = None
    others_waiting: int = 0
    error_code: str | None = None
