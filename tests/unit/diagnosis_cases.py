"""Hand-built diagnosis facts, one per consent rule, with the diagnosis each must get.

``TABLE`` names each case: the facts known for one user and the situation,
causes and next step ``diagnose`` must find. The tests of ``diagnose`` and of
the answer card built from a diagnosis both run over it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.diagnosis.analysis import Cause, CauseCode, Diagnosis, NextStep, Situation
from domain.diagnosis.facts import (
    AppFacts,
    AskedFacts,
    AskedStatus,
    DiagnosisFacts,
    ScopeFact,
    ScopeKind,
    ScopeSource,
    TenantConsentFacts,
    UserConsentMode,
)

NOW = datetime(2026, 3, 12, 15, 30, tzinfo=UTC)
OFF, LOW, LEGACY, CUSTOM, RECOMMENDED = (
    UserConsentMode(m) for m in ("off", "low", "legacy", "custom", "recommended")
)
USER_READ = ScopeFact("User.Read", ScopeKind.USER, classified_low=True)
OPENID = ScopeFact("openid", ScopeKind.USER, classified_low=True)
MAIL_READ = ScopeFact("Mail.Read", ScopeKind.USER)
GRAPH_CALENDARS = ScopeFact("Calendars.ReadWrite", ScopeKind.USER, resource_name="Microsoft Graph")
GRAPH_MAIL = ScopeFact("Mail.ReadWrite", ScopeKind.USER, resource_name="Microsoft Graph")
GRAPH_USER_READ = ScopeFact("User.Read", ScopeKind.USER, resource_name="Microsoft Graph")
THUNDERBIRD = "9e5f94bc-e8a4-4e73-b8be-63364c29d753"
DIRECTORY = ScopeFact("Directory.Read.All", ScopeKind.ADMIN)
SECRET = ScopeFact("Contoso.Secret", ScopeKind.UNKNOWN)


def app(**changes: Any) -> AppFacts:
    """A verified multi-tenant app with a service principal here, changed by ``changes``."""
    base = AppFacts("11111111-2222-3333-4444-555555555555", "Contoso Sync", True, "Contoso", True)
    return replace(base, **changes)


NEW_APP = app(in_tenant=False, publisher_name=None, verified=None)


def asked(status: AskedStatus, *, through_bot: bool = False) -> AskedFacts:
    return AskedFacts("req-1", status, NOW - timedelta(days=2), None, through_bot)


def facts(
    mode: UserConsentMode = LEGACY,
    scopes: tuple[ScopeFact, ...] = (USER_READ,),
    *,
    requests: bool = True,
    step_up: bool = True,
    mail_clients: bool = True,
    **changes: Any,
) -> DiagnosisFacts:
    """What is known for one user under consent ``mode``, changed by ``changes``."""
    custom = ("contoso-policy",) if mode is CUSTOM else ()
    settings = TenantConsentFacts(
        mode, requests, 30, step_up, ("Adele Vance",), custom, mail_clients_allowed=mail_clients
    )
    source = ScopeSource.URL if scopes else ScopeSource.NONE
    return replace(DiagnosisFacts(settings, app(), scopes, source), **changes)


def expect(situation: int, causes: str, step: str, certain: bool = True) -> Diagnosis:
    """A diagnosis from its short form: ``"admin_scopes:Mail.Send user_consent_off"``."""
    parsed = []
    for cause in causes.split():
        code, _, scopes = cause.partition(":")
        parsed.append(Cause(CauseCode(code), tuple(scopes.split(",")) if scopes else ()))
    return Diagnosis(Situation(situation), tuple(parsed), NextStep(step), certain)


MAIL = (USER_READ, MAIL_READ)
UNVERIFIED = app(verified=False, publisher_name="Fabrikam")
OWN = replace(UNVERIFIED, own_tenant=True)
GRANTED = frozenset({"User.Read"})
ASSIGNMENT = {"assignment_required": True, "user_assigned": False}
PENDING_BOT = asked(AskedStatus.PENDING, through_bot=True)

TABLE: dict[str, tuple[DiagnosisFacts, Diagnosis]] = {
    "free consent": (facts(scopes=MAIL), expect(1, "user_may_consent", "consent")),
    "off: unknown scopes don't matter": (
        facts(OFF, (USER_READ, SECRET)),
        expect(2, "user_consent_off", "submit_request"),
    ),
    "off: scopes not known don't matter": (
        facts(OFF, ()),
        expect(2, "user_consent_off", "submit_request"),
    ),
    "custom policy": (facts(CUSTOM), expect(2, "custom_policy", "submit_request")),
    "recommended: a calendar app asks for what Microsoft keeps for admins": (
        facts(RECOMMENDED, (GRAPH_USER_READ, GRAPH_CALENDARS)),
        expect(2, "managed_policy_scopes:Calendars.ReadWrite", "submit_request"),
    ),
    "recommended: basic permissions are the user's to give": (
        facts(RECOMMENDED, (GRAPH_USER_READ,)),
        expect(1, "user_may_consent", "consent"),
    ),
    "recommended: the same name on another API is not kept": (
        facts(
            RECOMMENDED,
            (ScopeFact("Calendars.ReadWrite", ScopeKind.USER, resource_name="Contoso API"),),
        ),
        expect(1, "user_may_consent", "consent"),
    ),
    "recommended: a listed mail client may have the mail permissions": (
        facts(RECOMMENDED, (GRAPH_USER_READ, GRAPH_MAIL), app=app(app_id=THUNDERBIRD)),
        expect(1, "user_may_consent", "consent"),
    ),
    "recommended: not without the mail-client policy": (
        facts(
            RECOMMENDED,
            (GRAPH_USER_READ, GRAPH_MAIL),
            mail_clients=False,
            app=app(app_id=THUNDERBIRD),
        ),
        expect(2, "managed_policy_scopes:Mail.ReadWrite", "submit_request"),
    ),
    "recommended + step-up: unverified app beyond basic scopes": (
        facts(RECOMMENDED, (GRAPH_USER_READ, MAIL_READ), app=UNVERIFIED),
        expect(2, "risky_step_up:Mail.Read", "submit_request"),
    ),
    "low: unverified": (
        facts(LOW, app=UNVERIFIED),
        expect(2, "unverified_publisher", "submit_request"),
    ),
    "low: own app": (facts(LOW, app=OWN), expect(1, "user_may_consent", "consent")),
    "low: publisher not known yet": (
        facts(LOW, app=NEW_APP),
        expect(1, "new_to_tenant user_may_consent publisher_not_known", "consent", False),
    ),
    "low: publisher not known, AADSTS90095 pasted": (
        facts(LOW, app=NEW_APP, error_code="AADSTS90095"),
        expect(2, "new_to_tenant publisher_not_known", "submit_request"),
    ),
    "legacy + step-up: a new app's publisher is not known yet": (
        facts(LEGACY, MAIL, app=NEW_APP),
        expect(1, "new_to_tenant user_may_consent step_up_possible", "consent", False),
    ),
    "low: unclassified scopes": (
        facts(LOW, MAIL),
        expect(2, "unclassified_scopes:Mail.Read", "submit_request"),
    ),
    "admin scopes": (
        facts(LEGACY, (USER_READ, DIRECTORY)),
        expect(2, "admin_scopes:Directory.Read.All", "submit_request"),
    ),
    "unknown scopes": (
        facts(LEGACY, (SECRET, USER_READ)),
        expect(2, "unknown_scopes:Contoso.Secret", "submit_request"),
    ),
    "step-up: unverified multi-tenant app beyond basic scopes": (
        facts(scopes=(USER_READ, OPENID, MAIL_READ), app=UNVERIFIED),
        expect(2, "risky_step_up:Mail.Read", "submit_request"),
    ),
    "step-up: not for basic scopes": (
        facts(scopes=(USER_READ, OPENID), app=UNVERIFIED),
        expect(1, "user_may_consent", "consent"),
    ),
    "step-up: not when off": (
        facts(scopes=MAIL, step_up=False, app=UNVERIFIED),
        expect(1, "user_may_consent", "consent"),
    ),
    "step-up: not for own app": (
        facts(scopes=MAIL, app=OWN),
        expect(1, "user_may_consent", "consent"),
    ),
    "assigned": (
        facts(app=app(assignment_required=True, user_assigned=True)),
        expect(2, "assignment_required", "submit_request"),
    ),
    "not assigned": (
        facts(app=app(**ASSIGNMENT)),
        expect(2, "assignment_required user_not_assigned", "submit_request"),
    ),
    "blocked, even when granted": (
        facts(app=app(enabled=False), granted_to_all=GRANTED),
        expect(3, "app_blocked", "ask_to_unblock"),
    ),
    "approved for everyone (any casing)": (
        facts(scopes=MAIL, granted_to_all=frozenset({"user.read", "MAIL.READ"})),
        expect(1, "already_approved", "try_again"),
    ),
    "approved for this user": (
        facts(OFF, MAIL, granted_to_user=frozenset({"User.Read", "Mail.Read"})),
        expect(1, "already_approved", "try_again"),
    ),
    "approved, scopes not known": (
        facts(OFF, (), granted_to_all=GRANTED),
        expect(1, "already_approved scopes_not_known", "try_again", False),
    ),
    "approved, user not assigned": (
        facts(app=app(**ASSIGNMENT), granted_to_all=GRANTED),
        expect(1, "already_approved user_not_assigned", "ask_assignment"),
    ),
    "partly approved": (
        facts(scopes=(USER_READ, DIRECTORY), granted_to_all=GRANTED),
        expect(
            2,
            "partly_approved:Directory.Read.All admin_scopes:Directory.Read.All",
            "submit_request",
        ),
    ),
    "scopes not known": (
        facts(scopes=()),
        expect(1, "user_may_consent scopes_not_known", "consent", False),
    ),
    "scopes not known, an unrelated code pasted": (
        facts(scopes=(), error_code="AADSTS50105"),
        expect(1, "user_may_consent scopes_not_known", "consent", False),
    ),
    "scopes not known, AADSTS90094 pasted": (
        facts(scopes=(), requests=False, error_code="AADSTS90094"),
        expect(3, "scopes_not_known requests_off", "ask_reviewers"),
    ),
    "new app, consent off": (
        facts(OFF, app=NEW_APP),
        expect(2, "new_to_tenant user_consent_off", "submit_request"),
    ),
    "own request pending (others not mentioned)": (
        facts(OFF, asked=asked(AskedStatus.PENDING), others_waiting=2),
        expect(2, "user_consent_off request_pending", "wait"),
    ),
    "own request denied": (
        facts(OFF, asked=asked(AskedStatus.DENIED)),
        expect(2, "user_consent_off request_denied", "submit_request"),
    ),
    "own request expired": (
        facts(OFF, asked=asked(AskedStatus.EXPIRED)),
        expect(2, "user_consent_off request_expired", "submit_request"),
    ),
    "own request through the bot pending": (
        facts(OFF, requests=False, asked=PENDING_BOT),
        expect(3, "user_consent_off requests_off request_pending", "wait"),
    ),
    "own request denied, requests off": (
        facts(OFF, requests=False, asked=asked(AskedStatus.DENIED)),
        expect(3, "user_consent_off requests_off request_denied", "ask_reviewers"),
    ),
    "others waiting": (
        facts(OFF, others_waiting=3),
        expect(2, "user_consent_off others_waiting", "submit_request"),
    ),
    "requests off (others waiting not mentioned)": (
        facts(OFF, requests=False, others_waiting=3),
        expect(3, "user_consent_off requests_off", "ask_reviewers"),
    ),
}
