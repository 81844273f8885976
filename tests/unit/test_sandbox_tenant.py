"""Tenant operations called directly, the way tests and demos drive the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.backlog import add_backlog
from sandbox.errors import BadRequest, Conflict, NotFound
from sandbox.seed import ALEX_ID, LYNNE_ID, TENANT_ID, seeded_tenant
from sandbox.seed_apps import MEETING_NOTES_APP_ID, PIPELINE_APP_ID
from sandbox.tenant import SandboxTenant


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tenant(clock: FakeClock) -> SandboxTenant:
    return seeded_tenant(clock)


def test_seeded_people_keep_the_playground_ids(tenant: SandboxTenant) -> None:
    assert tenant.tenant_id == TENANT_ID
    expected = {
        "alexw@example.com": "00000000-0000-0000-0000-000000000020",
        "meganb@example.com": "00000000-0000-0000-0000-000000000021",
        "adelev@example.com": "00000000-0000-0000-0000-000000000022",
        "isaiah@example.com": "00000000-0000-0000-0000-000000000023",
        "pattif@example.com": "00000000-0000-0000-0000-000000000024",
        "lynner@example.com": "00000000-0000-0000-0000-000000000025",
    }
    assert {u.user_principal_name: u.id for u in tenant.users.values()} == expected
    assert tenant.users["ISAIAHL@example.com"].display_name == "Isaiah Langer"
    assert tenant.users[LYNNE_ID].preferred_language == "fr-FR"
    assert tenant.consent.all() == []


def test_requests_group_per_app_and_refuse_duplicates(tenant: SandboxTenant) -> None:
    first = tenant.create_request("OneCal", "meganb@example.com", "calendar sync")
    second = tenant.create_request(tenant.apps.find_app("onecal").app_id, ALEX_ID, "me too")  # type: ignore[union-attr]

    assert first["appConsentRequestId"] == second["appConsentRequestId"]
    with pytest.raises(Conflict, match="already has a pending request"):
        tenant.create_request("OneCal", "MEGANB@example.com", "again")
    with pytest.raises(NotFound, match="Unknown app"):
        tenant.create_request("Not An App", ALEX_ID, "r")
    with pytest.raises(NotFound, match="Unknown user"):
        tenant.create_request("OneCal", "nobody@example.com", "r")
    with pytest.raises(BadRequest):
        tenant.create_request("Zeliq", ALEX_ID, "   ")


def test_workflow_off_blocked_app_and_approved_app_refuse_requests(tenant: SandboxTenant) -> None:
    with pytest.raises(Conflict, match="already has admin consent"):
        tenant.create_request("Wingtip Whiteboard", ALEX_ID, "r")
    with pytest.raises(Conflict, match="disabled"):
        tenant.create_request("Quick PDF Converter Online", ALEX_ID, "r")
    tenant.set_consent_settings(requests_enabled=False)
    with pytest.raises(Conflict, match="isEnabled false"):
        tenant.create_request("OneCal", ALEX_ID, "r")
    tenant.set_consent_settings(requests_enabled=True)
    assert tenant.create_request("OneCal", ALEX_ID, "r")


def test_requests_expire_on_the_tenant_clock(tenant: SandboxTenant, clock: FakeClock) -> None:
    tenant.set_consent_settings(request_duration_days=7)
    ids = tenant.create_request("Carerix", "lynner@example.com", "Entretiens")
    request = tenant.consent.get(ids["appConsentRequestId"])
    assert request.is_pending

    clock.now += timedelta(days=7)
    assert not tenant.consent.get(ids["appConsentRequestId"]).is_pending
    assert request.user_requests[0].status == "Expired"
    again = tenant.create_request("Carerix", "lynner@example.com", "Entretiens, encore")
    assert again["appConsentRequestId"] == ids["appConsentRequestId"]
    assert tenant.consent.get(ids["appConsentRequestId"]).is_pending


def test_portal_approval_grants_on_each_resource(tenant: SandboxTenant) -> None:
    ids = tenant.create_request("Fabrikam Docs for SharePoint", "pattif@example.com", "templates")
    result = tenant.complete_request(ids["appConsentRequestId"], approve=True)

    assert result["reviewedBy"] == "alexw@example.com"
    scopes = {
        g["resourceDisplayName"]: g["scope"]
        for g in tenant.grants()
        if g["clientDisplayName"].startswith("Fabrikam")
    }
    assert scopes == {
        "Office 365 SharePoint Online": "AllSites.Read MyFiles.Read",
        "Microsoft Graph": "User.Read offline_access",
    }
    assert tenant.apps.sp_for_app(tenant.apps.find_app("Fabrikam Docs for SharePoint").app_id)  # type: ignore[union-attr]


def test_approval_reports_scopes_no_resource_defines(tenant: SandboxTenant) -> None:
    ids = tenant.create_request(MEETING_NOTES_APP_ID, "adelev@example.com", "notes")
    result = tenant.complete_request(ids["appConsentRequestId"], approve=True, justification="ok")
    assert result["unresolvedScopes"] == ["Meetings.Summarize"]
    assert [g["scope"] for g in result["grants"]] == ["User.Read Calendars.Read offline_access"]


def test_existing_tenant_wide_grant_is_extended_not_duplicated(tenant: SandboxTenant) -> None:
    ids = tenant.create_request("Pipeline CRM Sidebar", "meganb@example.com", "crm")
    assert tenant.consent.get(ids["appConsentRequestId"]).pending_scopes == [
        "Mail.Read",
        "Contacts.ReadWrite",
        "User.Read.All",
        "offline_access",
    ]
    tenant.complete_request(ids["appConsentRequestId"], approve=True)
    client = tenant.apps.sp_for_app(PIPELINE_APP_ID)
    assert client is not None
    kinds = sorted(g.consent_type for g in tenant.permission_grants.for_client(client.id))
    assert kinds == ["AllPrincipals", "Principal", "Principal"]


def test_denial_grants_nothing_and_records_the_review(tenant: SandboxTenant) -> None:
    before = len(tenant.grants())
    ids = tenant.create_request("Carerix", "lynner@example.com", "Entretiens")
    result = tenant.complete_request(
        ids["appConsentRequestId"],
        approve=False,
        reviewer="isaiah@example.com",
        justification="Use the ATS",
    )
    assert result["decision"] == "Deny"
    assert len(tenant.grants()) == before
    stage = tenant.consent.get(ids["appConsentRequestId"]).user_requests[0].stage
    assert (stage.review_result, stage.justification) == ("Deny", "Use the ATS")
    with pytest.raises(Conflict):
        tenant.expire_request(ids["appConsentRequestId"])


def test_user_impersonation_is_defined_by_two_resources(tenant: SandboxTenant) -> None:
    owners = {sp.app.display_name for sp in tenant.apps.resources_defining("user_impersonation")}
    assert owners == {"Windows Azure Service Management API", "Azure Key Vault"}
    assert [sp.app.display_name for sp in tenant.apps.resources_defining("Mail.Send")] == [
        "Microsoft Graph"
    ]


def test_settings_switch_user_consent_modes(tenant: SandboxTenant) -> None:
    assert not [p for p in tenant.policies.grant_policies_assigned() if "ForSelf" in p]
    tenant.set_consent_settings(user_consent="legacy")
    assert (
        "ManagePermissionGrantsForSelf.microsoft-user-default-legacy"
        in tenant.policies.grant_policies_assigned()
    )
    with pytest.raises(BadRequest):
        tenant.set_consent_settings(user_consent="always")
    with pytest.raises(BadRequest):
        tenant.set_consent_settings(request_duration_days=31)


def test_reset_restores_the_seed(tenant: SandboxTenant) -> None:
    tenant.create_request("OneCal", ALEX_ID, "r")
    tenant.set_faults(throttle_ratio=0.5, seed=1)
    tenant.set_bot_blocked("adelev@example.com")
    tenant.reset()
    assert tenant.consent.all() == []
    assert tenant.faults.settings.throttle_ratio == 0
    assert tenant.teams.blocked_users == set()
    assert len(tenant.grants()) == 3


def test_backlog_is_reproducible(clock: FakeClock) -> None:
    first, second = seeded_tenant(clock), seeded_tenant(clock)
    assert add_backlog(first, 40, seed=5) == add_backlog(second, 40, seed=5)
    assert len(first.consent.all()) == 40
    assert all(r.is_pending for r in first.consent.all())


def test_microsofts_recommended_setting_keeps_calendars_for_an_admin(
    tenant: SandboxTenant,
) -> None:
    tenant.set_consent_settings(user_consent="recommended")
    assigned = tenant.policies.grant_policies_assigned()
    assert "ManagePermissionGrantsForSelf.microsoft-user-default-recommended" in assigned
    assert "ManagePermissionGrantsForSelf.microsoft-user-default-allow-consent-apps" in assigned
    calendar = tenant.attempt_sign_in("OneCal", "adelev@example.com")
    assert calendar["outcome"] == "approval_required"
    assert "managed_policy_scopes:[Calendars.ReadWrite]" in calendar["reasons"]
    basic = tenant.attempt_sign_in("OneCal", "adelev@example.com", scopes=["User.Read"])
    assert basic["outcome"] == "consent_prompt"
