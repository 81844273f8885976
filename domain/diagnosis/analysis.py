"""Why this user cannot connect this app: a pure function of the facts.

It follows Entra's rules (graph-contract section 3): who may consent is set
by the tenant's permission grant policies; Admin-type scopes always need an
admin; under ``microsoft-user-default-low`` only verified publishers (or the
tenant's own apps) and scopes classified low qualify; risk-based step-up
sends unverified multi-tenant apps asking for more than basic scopes to an
admin; apps that require assignment are never user-consented. When users
cannot consent, the request workflow decides between situation 2 (request
form) and 3 (nothing can be requested).

Where a fact is unknown (an app new to the tenant, permissions nobody
listed) the diagnosis says so instead of guessing, and an error code the user
pasted, which records what Entra actually showed them, settles the situation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from domain.diagnosis.facts import (
    AskedStatus,
    DiagnosisFacts,
    ScopeFact,
    ScopeKind,
    ScopeSource,
    UserConsentMode,
)
from domain.diagnosis.managed_policies import kept_for_admins

# Scopes risk-based step-up lets through for unverified apps.
BASIC_SCOPES = frozenset({"openid", "profile", "email", "offline_access", "user.read"})
# Error codes that mean "an admin must approve": the user did not get a consent prompt.
ADMIN_NEEDED_CODES = frozenset({"AADSTS90094", "AADSTS90095", "AADSTS65001"})


class Situation(IntEnum):
    """The three situations of product.md, numbered as there."""

    FREE_CONSENT = 1
    REQUEST_NEEDED = 2
    REQUESTS_OFF = 3


class CauseCode(StrEnum):
    APP_BLOCKED = "app_blocked"
    ALREADY_APPROVED = "already_approved"
    PARTLY_APPROVED = "partly_approved"
    USER_MAY_CONSENT = "user_may_consent"
    USER_CONSENT_OFF = "user_consent_off"
    CUSTOM_POLICY = "custom_policy"
    MANAGED_POLICY_SCOPES = "managed_policy_scopes"
    UNVERIFIED_PUBLISHER = "unverified_publisher"
    PUBLISHER_NOT_KNOWN = "publisher_not_known"
    STEP_UP_POSSIBLE = "step_up_possible"
    UNCLASSIFIED_SCOPES = "unclassified_scopes"
    ADMIN_SCOPES = "admin_scopes"
    UNKNOWN_SCOPES = "unknown_scopes"
    RISKY_STEP_UP = "risky_step_up"
    ASSIGNMENT_REQUIRED = "assignment_required"
    USER_NOT_ASSIGNED = "user_not_assigned"
    SCOPES_NOT_KNOWN = "scopes_not_known"
    NEW_TO_TENANT = "new_to_tenant"
    REQUESTS_OFF = "requests_off"
    REQUEST_PENDING = "request_pending"
    REQUEST_DENIED = "request_denied"
    REQUEST_EXPIRED = "request_expired"
    OTHERS_WAITING = "others_waiting"


@dataclass(frozen=True, slots=True)
class Cause:
    code: CauseCode
    scopes: tuple[str, ...] = ()


class NextStep(StrEnum):
    TRY_AGAIN = "try_again"  # approved for everyone: sign in again
    CONSENT = "consent"  # accept the consent prompt yourself
    SUBMIT_REQUEST = "submit_request"  # fill Entra's "Approval required" form
    WAIT = "wait"  # a request is with the reviewers
    ASK_REVIEWERS = "ask_reviewers"  # nothing can be requested in Entra: ask through the bot
    ASK_TO_UNBLOCK = "ask_to_unblock"  # the organisation blocked the app
    ASK_ASSIGNMENT = "ask_assignment"  # an admin must assign the user to the app


@dataclass(frozen=True, slots=True)
class Diagnosis:
    situation: Situation
    causes: tuple[Cause, ...]
    next_step: NextStep
    certain: bool = True

    @property
    def can_ask_reviewers(self) -> bool:
        """Whether "Ask the reviewers for me" helps: Entra offers this user no request form."""
        return self.next_step in {NextStep.ASK_REVIEWERS, NextStep.ASK_TO_UNBLOCK}

    def has(self, code: CauseCode) -> bool:
        return any(cause.code is code for cause in self.causes)


_STEP_UP_MODES = frozenset({UserConsentMode.LEGACY, UserConsentMode.RECOMMENDED})
"""Settings under which users may consent to unverified apps, so risk-based step-up applies."""


def _values(scopes: list[ScopeFact]) -> tuple[str, ...]:
    return tuple(scope.value for scope in scopes)


def _consent_blockers(facts: DiagnosisFacts, missing: list[ScopeFact] | None) -> list[Cause]:
    """Every reason the user cannot consent alone to what is still missing."""
    tenant, app = facts.tenant, facts.app
    if tenant.user_consent is UserConsentMode.OFF:
        return [Cause(CauseCode.USER_CONSENT_OFF)]
    blockers: list[Cause] = []
    if tenant.user_consent is UserConsentMode.CUSTOM:
        blockers.append(Cause(CauseCode.CUSTOM_POLICY))
    if app.assignment_required:
        blockers.append(Cause(CauseCode.ASSIGNMENT_REQUIRED))
    known = missing or []
    admin = [s for s in known if s.kind is ScopeKind.ADMIN]
    unknown = [s for s in known if s.kind is ScopeKind.UNKNOWN]
    if admin:
        blockers.append(Cause(CauseCode.ADMIN_SCOPES, _values(admin)))
    if unknown:
        blockers.append(Cause(CauseCode.UNKNOWN_SCOPES, _values(unknown)))
    unverified_elsewhere = app.verified is False and not app.own_tenant
    if tenant.user_consent is UserConsentMode.LOW:
        if unverified_elsewhere:
            blockers.append(Cause(CauseCode.UNVERIFIED_PUBLISHER))
        unclassified = [s for s in known if s.kind is ScopeKind.USER and not s.classified_low]
        if unclassified:
            blockers.append(Cause(CauseCode.UNCLASSIFIED_SCOPES, _values(unclassified)))
    else:
        if tenant.user_consent is UserConsentMode.RECOMMENDED:
            kept = [
                s
                for s in known
                if s.kind is ScopeKind.USER
                and kept_for_admins(
                    s.value, s.resource_name, app.app_id, tenant.mail_clients_allowed
                )
            ]
            if kept:
                blockers.append(Cause(CauseCode.MANAGED_POLICY_SCOPES, _values(kept)))
        if tenant.user_consent in _STEP_UP_MODES and tenant.risky_step_up:
            beyond = [s for s in known if s.value.lower() not in BASIC_SCOPES]
            if unverified_elsewhere and beyond:
                blockers.append(Cause(CauseCode.RISKY_STEP_UP, _values(beyond)))
    return blockers


def _unknowns(facts: DiagnosisFacts, missing: list[ScopeFact] | None) -> list[Cause]:
    """What the bot could not see and that might explain the block."""
    found = []
    if missing is None:
        found.append(Cause(CauseCode.SCOPES_NOT_KNOWN))
    app, tenant = facts.app, facts.tenant
    publisher_unknown = app.verified is None and not app.own_tenant
    if tenant.user_consent is UserConsentMode.LOW and publisher_unknown:
        found.append(Cause(CauseCode.PUBLISHER_NOT_KNOWN))
    beyond_basic = missing is None or any(s.value.lower() not in BASIC_SCOPES for s in missing)
    if (
        tenant.user_consent in _STEP_UP_MODES
        and tenant.risky_step_up
        and publisher_unknown
        and beyond_basic
    ):
        found.append(Cause(CauseCode.STEP_UP_POSSIBLE))
    return found


def _request_state(facts: DiagnosisFacts, situation: Situation) -> tuple[list[Cause], NextStep]:
    """Causes and next step from the user's own request, when users cannot consent."""
    asked = facts.asked
    ask_next = (
        NextStep.SUBMIT_REQUEST if situation is Situation.REQUEST_NEEDED else NextStep.ASK_REVIEWERS
    )
    causes: list[Cause] = []
    if situation is Situation.REQUESTS_OFF:
        causes.append(Cause(CauseCode.REQUESTS_OFF))
    if asked is not None and asked.status is AskedStatus.PENDING:
        return [*causes, Cause(CauseCode.REQUEST_PENDING)], NextStep.WAIT
    if asked is not None and asked.status is AskedStatus.DENIED:
        causes.append(Cause(CauseCode.REQUEST_DENIED))
    elif asked is not None and asked.status is AskedStatus.EXPIRED:
        causes.append(Cause(CauseCode.REQUEST_EXPIRED))
    if facts.others_waiting and situation is Situation.REQUEST_NEEDED:
        causes.append(Cause(CauseCode.OTHERS_WAITING))
    return causes, ask_next


def diagnose(facts: DiagnosisFacts) -> Diagnosis:
    """The situation, its precise causes and the user's next step."""
    app = facts.app
    context = [Cause(CauseCode.NEW_TO_TENANT)] if not app.in_tenant else []
    if app.in_tenant and not app.enabled:
        return Diagnosis(
            Situation.REQUESTS_OFF, (Cause(CauseCode.APP_BLOCKED),), NextStep.ASK_TO_UNBLOCK
        )
    granted = {s.lower() for s in facts.granted_to_all | facts.granted_to_user}
    not_assigned = app.assignment_required and app.user_assigned is False
    assignment = [Cause(CauseCode.USER_NOT_ASSIGNED)] if not_assigned else []
    known = facts.scope_source is not ScopeSource.NONE and bool(facts.scopes)
    missing = [s for s in facts.scopes if s.value.lower() not in granted] if known else None

    if (missing == [] and known) or (missing is None and facts.granted_to_all):
        causes = [Cause(CauseCode.ALREADY_APPROVED), *_unknowns(facts, missing)[:1], *assignment]
        step = NextStep.ASK_ASSIGNMENT if not_assigned else NextStep.TRY_AGAIN
        return Diagnosis(Situation.FREE_CONSENT, tuple(causes), step, certain=missing is not None)

    partly = (
        [Cause(CauseCode.PARTLY_APPROVED, _values(missing))]
        if missing and facts.granted_to_all
        else []
    )
    blockers = _consent_blockers(facts, missing)
    # With user consent off, what the bot cannot see changes nothing: an admin is needed.
    consent_off = facts.tenant.user_consent is UserConsentMode.OFF
    unknowns = [] if consent_off else _unknowns(facts, missing)
    admin_seen = facts.error_code in ADMIN_NEEDED_CODES
    if not blockers and not (unknowns and admin_seen):
        causes = [*context, *partly, Cause(CauseCode.USER_MAY_CONSENT), *unknowns, *assignment]
        step = NextStep.ASK_ASSIGNMENT if not_assigned else NextStep.CONSENT
        return Diagnosis(Situation.FREE_CONSENT, tuple(causes), step, certain=not unknowns)

    situation = (
        Situation.REQUEST_NEEDED if facts.tenant.requests_enabled else Situation.REQUESTS_OFF
    )
    request_causes, step = _request_state(facts, situation)
    causes = [*context, *partly, *blockers, *unknowns, *request_causes, *assignment]
    return Diagnosis(situation, tuple(causes), step, certain=bool(blockers) or admin_seen)
