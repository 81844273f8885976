"""The sign-in simulator: what Entra shows a user connecting an app, rule by rule.

One row per cause, on the seeded apps, each set up with the tenant's own
switches; the seeded defaults are user consent off, the workflow on and the
risk-based step-up on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.errors import BadRequest, NotFound
from sandbox.seed import BOT_APP_ID, TENANT_ID, seeded_tenant
from sandbox.seed_apps import (
    EXPENSES_APP_ID,
    ONECAL_APP_ID,
    PDF_CONVERTER_APP_ID,
    PIPELINE_APP_ID,
)
from sandbox.state.sign_in import OUTCOMES
from sandbox.tenant import SandboxTenant
from tests.conftest import ManualClock

ADELE, MEGAN, LYNNE = "adelev@example.com", "meganb@example.com", "lynner@example.com"
SHAREPOINT = "Office 365 SharePoint Online"


@pytest.fixture
def tenant(clock: ManualClock) -> SandboxTenant:
    return seeded_tenant(clock)


Setup = Callable[[SandboxTenant], object]


def legacy(tenant: SandboxTenant) -> None:
    tenant.set_consent_settings(user_consent="legacy")


def low(tenant: SandboxTenant) -> None:
    tenant.set_consent_settings(user_consent="low")


def workflow_off(tenant: SandboxTenant) -> None:
    tenant.set_consent_settings(requests_enabled=False)


def legacy_workflow_off(tenant: SandboxTenant) -> None:
    tenant.set_consent_settings(user_consent="legacy", requests_enabled=False)


def step_up_off(tenant: SandboxTenant) -> None:
    tenant.set_consent_settings(user_consent="legacy", risky_step_up=False)


def onecal_classified(tenant: SandboxTenant) -> None:
    low(tenant)
    tenant.classify_scope("Calendars.ReadWrite")


def sharepoint_classified(tenant: SandboxTenant) -> None:
    low(tenant)
    tenant.classify_scope("AllSites.Read", resource=SHAREPOINT)
    tenant.classify_scope("MyFiles.Read", resource=SHAREPOINT)


def adele_asked_onecal(tenant: SandboxTenant) -> None:
    tenant.create_request("OneCal", ADELE, "Calendar sync")


def megan_asked_onecal(tenant: SandboxTenant) -> None:
    tenant.create_request("OneCal", MEGAN, "Calendar sync")


def adele_assigned_expenses(tenant: SandboxTenant) -> None:
    legacy(tenant)
    tenant.set_app("Northwind Expenses", assign_users=[ADELE])


def reviewers_assigned_expenses(tenant: SandboxTenant) -> None:
    tenant.set_app("Northwind Expenses", assign_groups=["Consent Reviewers"])


def onecal_granted(tenant: SandboxTenant) -> None:
    tenant.grant_admin_consent("OneCal")


def zeliq_partly_granted(tenant: SandboxTenant) -> None:
    legacy(tenant)
    tenant.grant_admin_consent("Zeliq", ["User.Read", "offline_access"])


def onecal_unverified(tenant: SandboxTenant) -> None:
    legacy(tenant)
    tenant.set_app("OneCal", verified=False)


def pipeline_verified(tenant: SandboxTenant) -> None:
    legacy(tenant)
    tenant.set_app("Pipeline CRM Sidebar", verified=True)


def onecal_blocked(tenant: SandboxTenant) -> None:
    legacy(tenant)
    tenant.set_app("OneCal", service_principal="present", enabled=False)


def pdf_unblocked(tenant: SandboxTenant) -> None:
    legacy(tenant)
    tenant.set_app("Quick PDF Converter Online", enabled=True)


def nothing(tenant: SandboxTenant) -> None:
    return None


@dataclass(frozen=True)
class Case:
    id: str
    setup: Setup
    app: str
    user: str
    outcome: str
    reasons: list[str]
    scopes: list[str] | None = None


CASES = [
    # Situation 2 (seeded): user consent off, workflow on.
    Case("consent-off-request-form", nothing, "OneCal", ADELE, "approval_required",
         ["user_consent_off"]),
    Case("consent-off-admin-scope-still-listed", nothing, "Pipeline CRM Sidebar", MEGAN,
         "approval_required", ["user_consent_off", "admin_scopes:[User.Read.All]"]),
    Case("consent-off-unknown-scope-still-listed", nothing, "Tailspin Meeting Notes", ADELE,
         "approval_required", ["user_consent_off", "unknown_scopes:[Meetings.Summarize]"]),
    Case("request-pending", adele_asked_onecal, "OneCal", ADELE, "request_pending",
         ["user_consent_off"]),
    Case("someone-elses-request-is-not-mine", megan_asked_onecal, "OneCal", ADELE,
         "approval_required", ["user_consent_off"]),
    # Situation 3: workflow off.
    Case("workflow-off", workflow_off, "Zeliq", ADELE, "need_admin_approval",
         ["user_consent_off"]),
    # Situation 1: users may consent (legacy).
    Case("legacy-verified-calendar-app", legacy, "OneCal", ADELE, "consent_prompt", []),
    Case("legacy-verified-mail-send", legacy, "Zeliq", ADELE, "consent_prompt", []),
    Case("legacy-carerix", legacy, "Carerix", LYNNE, "consent_prompt", []),
    Case("legacy-sharepoint-scopes", legacy, "Fabrikam Docs for SharePoint", ADELE,
         "consent_prompt", []),
    Case("legacy-admin-scope-and-step-up", legacy, "Pipeline CRM Sidebar", MEGAN,
         "approval_required", ["admin_scopes:[User.Read.All]", "risky_step_up"]),
    Case("legacy-only-ungranted-scopes-count", legacy, "Pipeline CRM Sidebar", ADELE,
         "approval_required", ["admin_scopes:[User.Read.All]", "risky_step_up"]),
    Case("legacy-unknown-scope", legacy, "Tailspin Meeting Notes", ADELE, "approval_required",
         ["unknown_scopes:[Meetings.Summarize]"]),
    Case("legacy-step-up-alone", legacy, "Pipeline CRM Sidebar", MEGAN, "approval_required",
         ["risky_step_up"], ["Mail.Read"]),
    Case("legacy-step-up-spares-basic-scopes", legacy, "Pipeline CRM Sidebar", MEGAN,
         "consent_prompt", [], ["openid", "profile", "User.Read", "offline_access"]),
    Case("legacy-step-up-off", step_up_off, "Pipeline CRM Sidebar", MEGAN, "consent_prompt",
         [], ["Mail.Read"]),
    Case("legacy-step-up-off-admin-scope-remains", step_up_off, "Pipeline CRM Sidebar", MEGAN,
         "approval_required", ["admin_scopes:[User.Read.All]"]),
    Case("legacy-unverified-by-switch", onecal_unverified, "OneCal", ADELE,
         "approval_required", ["risky_step_up"]),
    Case("legacy-verified-by-switch", pipeline_verified, "Pipeline CRM Sidebar", MEGAN,
         "approval_required", ["admin_scopes:[User.Read.All]"]),
    Case("legacy-assigned-user-still-cannot-consent", adele_assigned_expenses,
         "Northwind Expenses", ADELE, "approval_required", ["assignment_required"]),
    Case("legacy-workflow-off", legacy_workflow_off, "Tailspin Meeting Notes",
         ADELE, "need_admin_approval", ["unknown_scopes:[Meetings.Summarize]"]),
    # The "-low" policy: verified publishers (or own apps) and low scopes only.
    Case("low-unclassified", low, "OneCal", ADELE, "approval_required",
         ["unclassified_scopes:[Calendars.ReadWrite]"]),
    Case("low-classified", onecal_classified, "OneCal", ADELE, "consent_prompt", []),
    Case("low-zeliq", low, "Zeliq", ADELE, "approval_required",
         ["unclassified_scopes:[Mail.Send,Mail.ReadWrite,Calendars.ReadWrite,Contacts.Read]"]),
    Case("low-carerix", low, "Carerix", LYNNE, "approval_required",
         ["unclassified_scopes:[Calendars.ReadWrite.Shared,User.ReadBasic.All]"]),
    Case("low-unverified-publisher", low, "Pipeline CRM Sidebar", MEGAN, "approval_required",
         ["unverified_publisher", "unclassified_scopes:[Mail.Read,Contacts.ReadWrite]",
          "admin_scopes:[User.Read.All]", "risky_step_up"]),
    Case("low-basic-scopes-of-unverified-app", low, "Pipeline CRM Sidebar", MEGAN,
         "approval_required", ["unverified_publisher"], ["User.Read", "offline_access"]),
    Case("low-own-app-needs-no-verification", low, BOT_APP_ID, ADELE, "consent_prompt", [],
         ["User.Read", "offline_access"]),
    Case("low-sharepoint-unclassified", low, "Fabrikam Docs for SharePoint", ADELE,
         "approval_required", ["unclassified_scopes:[AllSites.Read,MyFiles.Read]"]),
    Case("low-sharepoint-classified", sharepoint_classified, "Fabrikam Docs for SharePoint",
         ADELE, "consent_prompt", []),
    Case("low-ambiguous-scope-on-its-registered-api", low, "Litware Cloud Cost Monitor",
         ADELE, "approval_required", ["unclassified_scopes:[user_impersonation]"]),
    # Granted already: tenant-wide or by this user.
    Case("granted-tenant-wide", nothing, "Wingtip Whiteboard", ADELE, "signed_in", []),
    Case("granted-by-admin-consent-switch", onecal_granted, "OneCal", ADELE, "signed_in", []),
    Case("granted-by-this-user", nothing, "Pipeline CRM Sidebar", ADELE, "signed_in", [],
         ["Mail.Read", "Contacts.ReadWrite", "offline_access"]),
    Case("granted-to-another-user-only", nothing, "Pipeline CRM Sidebar", MEGAN,
         "approval_required", ["user_consent_off"], ["Mail.Read"]),
    Case("partly-granted", zeliq_partly_granted, "Zeliq", ADELE, "consent_prompt", []),
    # Blocked and assignment-required apps, before any consent question.
    Case("disabled", nothing, "Quick PDF Converter Online", ADELE, "app_disabled",
         ["app_disabled"]),
    Case("disabled-by-switch", onecal_blocked, "OneCal", ADELE, "app_disabled",
         ["app_disabled"]),
    Case("unblocked-by-switch", pdf_unblocked, "Quick PDF Converter Online", ADELE,
         "approval_required", ["risky_step_up"]),
    Case("disabled-beats-granted", lambda t: t.set_app("Wingtip Whiteboard", enabled=False),
         "Wingtip Whiteboard", ADELE, "app_disabled", ["app_disabled"]),
    Case("not-assigned", nothing, "Northwind Expenses", ADELE, "user_not_assigned",
         ["assignment_required", "user_not_assigned"]),
    Case("assigned-through-a-group", reviewers_assigned_expenses, "Northwind Expenses",
         "isaiah@example.com", "approval_required", ["user_consent_off", "assignment_required"]),
    Case("group-of-others-does-not-count", reviewers_assigned_expenses, "Northwind Expenses",
         ADELE, "user_not_assigned", ["assignment_required", "user_not_assigned"]),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_sign_in_outcome_and_reasons(tenant: SandboxTenant, case: Case) -> None:
    case.setup(tenant)
    result = tenant.attempt_sign_in(case.app, case.user, case.scopes)
    assert (result["outcome"], result["reasons"]) == (case.outcome, case.reasons)


def test_every_outcome_is_covered() -> None:
    assert {c.outcome for c in CASES} == set(OUTCOMES)
    reasons = {r.split(":")[0] for c in CASES for r in c.reasons}
    assert reasons == {
        "user_consent_off",
        "unverified_publisher",
        "unclassified_scopes",
        "admin_scopes",
        "unknown_scopes",
        "risky_step_up",
        "assignment_required",
        "user_not_assigned",
        "app_disabled",
    }


@pytest.mark.parametrize(
    ("setup", "app", "outcome", "code"),
    [
        (nothing, "OneCal", "approval_required", "AADSTS90095"),
        (adele_asked_onecal, "OneCal", "request_pending", "AADSTS90095"),
        (workflow_off, "OneCal", "need_admin_approval", "AADSTS90094"),
        (nothing, "Quick PDF Converter Online", "app_disabled", "AADSTS7000112"),
        (nothing, "Northwind Expenses", "user_not_assigned", "AADSTS50105"),
    ],
)
def test_error_page_text_carries_the_code_app_and_trace(
    tenant: SandboxTenant, setup: Setup, app: str, outcome: str, code: str
) -> None:
    setup(tenant)
    result = tenant.attempt_sign_in(app, ADELE)
    assert (result["outcome"], result["aadsts"]) == (outcome, code)
    text = result["errorText"]
    assert code in text
    assert result["appId"] in text
    assert result["appDisplayName"] in text
    trace = result["trace"]
    assert trace["requestId"] in text
    assert trace["correlationId"] in text
    assert re.search(r"Timestamp: 2026-11-23[T ]09:00:00", text)
    assert text.count("\n") >= 6


def test_error_page_wording_varies_between_attempts(tenant: SandboxTenant) -> None:
    texts = {tenant.attempt_sign_in("OneCal", ADELE)["errorText"] for _ in range(30)}
    ids = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    assert len({ids.sub("<id>", t) for t in texts}) > 2


def test_no_error_page_when_nothing_goes_wrong(tenant: SandboxTenant) -> None:
    legacy(tenant)
    prompt = tenant.attempt_sign_in("OneCal", ADELE)
    assert (prompt["aadsts"], prompt["errorText"], prompt["trace"]) == (None, None, None)
    signed_in = tenant.attempt_sign_in("Wingtip Whiteboard", ADELE)
    assert (signed_in["aadsts"], signed_in["errorText"], signed_in["ungrantedScopes"]) == (
        None,
        None,
        [],
    )


def test_consent_url_names_the_app_and_its_scopes(tenant: SandboxTenant) -> None:
    url = tenant.attempt_sign_in("Fabrikam Docs for SharePoint", ADELE)["consentUrl"]
    parts = urlsplit(url)
    assert parts.netloc == "login.microsoftonline.com"
    assert parts.path == f"/{TENANT_ID}/oauth2/v2.0/authorize"
    assert "scope=" in parts.query
    assert "%20" in parts.query
    query = parse_qs(parts.query)
    assert query["client_id"] == [tenant.apps.find_app("Fabrikam Docs for SharePoint").app_id]  # type: ignore[union-attr]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["https://docs.fabrikam.example.com/auth/microsoft/callback"]
    assert query["state"][0]
    sharepoint = "00000003-0000-0ff1-ce00-000000000000"
    assert query["scope"][0].split() == [
        f"{sharepoint}/AllSites.Read",
        f"{sharepoint}/MyFiles.Read",
        "User.Read",
        "offline_access",
    ]


def test_explicit_scopes_resolve_like_the_authorize_endpoint(tenant: SandboxTenant) -> None:
    legacy(tenant)
    graph = "https://graph.microsoft.com/"
    result = tenant.attempt_sign_in(
        ONECAL_APP_ID, ADELE, [f"{graph}mail.read", "User.Read", "user.read", f"{graph}.default"]
    )
    assert result["scopes"] == [
        "Mail.Read",
        "User.Read",
        "Calendars.ReadWrite",
        "offline_access",
    ]
    assert result["outcome"] == "consent_prompt"
    sharepoint = tenant.attempt_sign_in(
        "Fabrikam Docs for SharePoint", ADELE, ["00000003-0000-0ff1-ce00-000000000000/.default"]
    )
    assert sharepoint["scopes"] == ["AllSites.Read", "MyFiles.Read"]
    unknown = tenant.attempt_sign_in("OneCal", ADELE, ["api://nothing/Do.Things"])
    assert unknown["reasons"] == ["unknown_scopes:[Do.Things]"]


def test_simulation_changes_nothing(tenant: SandboxTenant) -> None:
    legacy(tenant)
    before = (tenant.grants(), len(tenant.apps.service_principals), tenant.consent.all())
    for app in ("OneCal", "Zeliq", "Pipeline CRM Sidebar", "Northwind Expenses"):
        tenant.attempt_sign_in(app, ADELE)
    after = (tenant.grants(), len(tenant.apps.service_principals), tenant.consent.all())
    assert after == before


def test_pending_request_ends_with_a_decision_or_expiry(
    tenant: SandboxTenant, clock: ManualClock
) -> None:
    ids = tenant.create_request("OneCal", ADELE, "sync")
    pending = tenant.attempt_sign_in("OneCal", ADELE)
    assert pending["outcome"] == "request_pending"
    assert pending["appConsentRequestId"] == ids["appConsentRequestId"]

    tenant.complete_request(ids["appConsentRequestId"], approve=False)
    assert tenant.attempt_sign_in("OneCal", ADELE)["outcome"] == "approval_required"

    tenant.create_request("OneCal", ADELE, "please")
    clock.advance(days=31)
    assert tenant.attempt_sign_in("OneCal", ADELE)["outcome"] == "approval_required"

    tenant.create_request("OneCal", ADELE, "again")
    tenant.complete_request(ids["appConsentRequestId"], approve=True)
    assert tenant.attempt_sign_in("OneCal", ADELE)["outcome"] == "signed_in"


def test_bad_sign_in_input_is_refused(tenant: SandboxTenant) -> None:
    with pytest.raises(NotFound, match="Unknown app 'Nope'"):
        tenant.attempt_sign_in("Nope", ADELE)
    with pytest.raises(NotFound, match="Unknown app"):
        tenant.attempt_sign_in("Microsoft Graph", ADELE)
    with pytest.raises(NotFound, match="Unknown user 'nobody'"):
        tenant.attempt_sign_in("OneCal", "nobody")
    with pytest.raises(BadRequest, match="at least one scope"):
        tenant.attempt_sign_in("OneCal", ADELE, [])
    with pytest.raises(BadRequest, match="Invalid scope"):
        tenant.attempt_sign_in("OneCal", ADELE, ["User.Read Mail.Read"])


def test_apps_and_users_may_be_named_by_id_in_any_case(tenant: SandboxTenant) -> None:
    by_id = {
        PDF_CONVERTER_APP_ID: "app_disabled",
        EXPENSES_APP_ID: "user_not_assigned",
        PIPELINE_APP_ID: "approval_required",
    }
    assert {k: tenant.attempt_sign_in(k, ADELE.upper())["outcome"] for k in by_id} == by_id
