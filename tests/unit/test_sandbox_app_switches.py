"""The tenant's switches for consent settings, app properties and scope classifications."""

from __future__ import annotations

import pytest

from sandbox.errors import BadRequest, Conflict, NotFound
from sandbox.scopes_catalog import GRAPH_APP_ID
from sandbox.seed import ADELE_ID, TENANT_ID, seeded_tenant
from sandbox.seed_apps import ONECAL_APP_ID, PIPELINE_APP_ID
from sandbox.tenant import SandboxTenant

ADELE = "adelev@example.com"


@pytest.fixture
def tenant() -> SandboxTenant:
    return seeded_tenant()


def test_risky_step_up_is_on_by_default_and_shows_in_the_authorization_policy(
    tenant: SandboxTenant,
) -> None:
    assert tenant.consent_settings()["risky_step_up"] is True
    assert tenant.policies.authorization_policy()["allowUserConsentForRiskyApps"] is None

    assert tenant.set_consent_settings(risky_step_up=False)["risky_step_up"] is False
    assert tenant.policies.authorization_policy()["allowUserConsentForRiskyApps"] is True
    tenant.set_consent_settings(risky_step_up=True)
    assert tenant.policies.authorization_policy()["allowUserConsentForRiskyApps"] is False
    assert tenant.consent_settings()["risky_step_up"] is True
    tenant.reset()
    assert tenant.policies.authorization_policy()["allowUserConsentForRiskyApps"] is None


def test_app_properties_read_back(tenant: SandboxTenant) -> None:
    onecal = tenant.app_properties("onecal")
    assert onecal == {
        "appId": ONECAL_APP_ID,
        "displayName": "OneCal",
        "publisher": "OneCal",
        "verified": True,
        "verifiedPublisherId": "6214789",
        "homeTenantId": onecal["homeTenantId"],
        "ownedByThisTenant": False,
        "servicePrincipal": "absent",
        "servicePrincipalId": None,
        "enabled": None,
        "assignmentRequired": None,
        "assignedUsers": [],
        "assignedGroups": [],
        "requiredScopes": ["Calendars.ReadWrite", "User.Read", "offline_access"],
        "tenantWideGrantedScopes": [],
        "userGrants": {},
    }
    pipeline = tenant.app_properties(PIPELINE_APP_ID)
    assert (pipeline["verified"], pipeline["servicePrincipal"], pipeline["enabled"]) == (
        False,
        "present",
        True,
    )
    assert pipeline["userGrants"] == {
        ADELE: ["Mail.Read", "Contacts.ReadWrite", "offline_access"],
        "pattif@example.com": ["Mail.Read", "Contacts.ReadWrite", "offline_access"],
    }
    assert tenant.app_properties("Wingtip Whiteboard")["tenantWideGrantedScopes"] == [
        "User.Read",
        "openid",
        "profile",
        "offline_access",
    ]
    assert tenant.app_properties("Consent Desk")["ownedByThisTenant"] is True


def test_publisher_verification_follows_into_the_service_principal(
    tenant: SandboxTenant,
) -> None:
    result = tenant.set_app("Pipeline CRM Sidebar", verified=True)
    assert result["verified"] is True
    sp = tenant.apps.sp_for_app(PIPELINE_APP_ID)
    assert sp is not None
    publisher = sp.to_json()["verifiedPublisher"]
    assert publisher["displayName"] == "Sidebar Apps Ltd"
    assert publisher["verifiedPublisherId"] == result["verifiedPublisherId"]
    assert publisher["addedDateTime"]

    tenant.set_app("Pipeline CRM Sidebar", verified=False)
    assert sp.to_json()["verifiedPublisher"] == {
        "displayName": None,
        "verifiedPublisherId": None,
        "addedDateTime": None,
    }
    again = tenant.set_app("Pipeline CRM Sidebar", verified=True)
    assert again["verifiedPublisherId"] == result["verifiedPublisherId"]


def test_service_principal_created_blocked_and_deleted_with_its_grants(
    tenant: SandboxTenant,
) -> None:
    created = tenant.set_app("OneCal", service_principal="present", enabled=False)
    assert (created["servicePrincipal"], created["enabled"]) == ("present", False)
    sp = tenant.apps.sp_for_app(ONECAL_APP_ID)
    assert sp is not None
    assert sp.id == created["servicePrincipalId"]
    assert not sp.account_enabled

    before = len(tenant.grants())
    pipeline = tenant.set_app("Pipeline CRM Sidebar", service_principal="absent")
    assert pipeline["servicePrincipal"] == "absent"
    assert tenant.apps.sp_for_app(PIPELINE_APP_ID) is None
    assert len(tenant.grants()) == before - 2
    assert tenant.apps.find_app(PIPELINE_APP_ID) is not None  # the registration stays


def test_assignment_switches(tenant: SandboxTenant) -> None:
    result = tenant.set_app(
        "Northwind Expenses", assign_users=[ADELE, "pattif@example.com"], assignment_required=True
    )
    assert result["assignedUsers"] == [ADELE, "pattif@example.com"]
    sp = tenant.apps.sp(result["servicePrincipalId"])
    [adele] = tenant.assignments.of_user(ADELE_ID)
    assert adele.to_json() == {
        "id": adele.id,
        "deletedDateTime": None,
        "appRoleId": "00000000-0000-0000-0000-000000000000",
        "createdDateTime": adele.to_json()["createdDateTime"],
        "principalDisplayName": "Adele Vance",
        "principalId": ADELE_ID,
        "principalType": "User",
        "resourceDisplayName": "Northwind Expenses",
        "resourceId": sp.id,
    }
    assert tenant.set_app("Northwind Expenses", assign_users=[ADELE])["assignedUsers"] == [
        ADELE,
        "pattif@example.com",
    ]
    result = tenant.set_app("Northwind Expenses", unassign_users=["PATTIF@example.com"])
    assert result["assignedUsers"] == [ADELE]
    assert (
        tenant.set_app("Northwind Expenses", assignment_required=False)["assignmentRequired"]
        is False
    )
    tenant.set_app("Northwind Expenses", service_principal="absent")
    assert tenant.assignments.of_user(ADELE_ID) == []


def test_group_assignment_lets_in_direct_members(tenant: SandboxTenant) -> None:
    result = tenant.set_app("Northwind Expenses", assign_groups=["consent reviewers"])
    assert (result["assignedGroups"], result["assignedUsers"]) == (["Consent Reviewers"], [])
    sp = tenant.apps.sp(result["servicePrincipalId"])
    [group] = tenant.assignments.to_resource(sp.id)
    assert group.to_json()["principalType"] == "Group"
    isaiah = tenant.users["isaiah@example.com"]
    assert tenant.assignments.is_assigned(sp, isaiah)
    assert tenant.assignments.of_user(isaiah.id) == [group]
    assert not tenant.assignments.is_assigned(sp, tenant.users[ADELE])
    with pytest.raises(NotFound, match=r"Unknown group 'Nobody'\. Known groups: Consent Reviewers"):
        tenant.set_app("Northwind Expenses", unassign_groups=["Nobody"])
    result = tenant.set_app("Northwind Expenses", unassign_groups=[group.principal_id])
    assert result["assignedGroups"] == []


@pytest.mark.parametrize(
    ("app", "changes", "error", "message"),
    [
        ("OneCal", {}, BadRequest, "Nothing to change"),
        ("OneCal", {"service_principal": "maybe"}, BadRequest, "'present' or 'absent'"),
        ("OneCal", {"enabled": False}, Conflict, "no service principal"),
        ("OneCal", {"assign_users": [ADELE]}, Conflict, "no service principal"),
        (
            "Northwind Expenses",
            {"service_principal": "absent", "enabled": True},
            BadRequest,
            "same change",
        ),
        (
            "Northwind Expenses",
            {"assign_users": [ADELE], "unassign_users": ["ADELEV@example.com"]},
            BadRequest,
            "same user",
        ),
        (
            "Northwind Expenses",
            {"verified": False, "enabled": False, "assign_users": [ADELE, "nobody"]},
            NotFound,
            "Unknown user 'nobody'",
        ),
        ("Microsoft Graph", {"service_principal": "absent"}, NotFound, "Unknown app"),
        ("Nope", {"verified": True}, NotFound, "Unknown app 'Nope'"),
    ],
)
def test_refused_app_changes_change_nothing(
    tenant: SandboxTenant,
    app: str,
    changes: dict[str, object],
    error: type[Exception],
    message: str,
) -> None:
    before = tenant.app_properties(app) if app not in ("Nope", "Microsoft Graph") else None
    with pytest.raises(error, match=message):
        tenant.set_app(app, **changes)  # type: ignore[arg-type]
    if before is not None:
        assert tenant.app_properties(app) == before
    assert tenant.assignments.items == {}
    assert tenant.apps.sp_for_app(GRAPH_APP_ID) is not None


def test_admin_consent_switch_grants_all_or_listed_scopes(tenant: SandboxTenant) -> None:
    partial = tenant.grant_admin_consent("Zeliq", ["user.read", "offline_access"])
    assert [g["scope"] for g in partial["grants"]] == ["User.Read offline_access"]
    full = tenant.grant_admin_consent("Zeliq")
    assert full["grants"][0]["scope"].split() == [
        "User.Read",
        "offline_access",
        "Mail.Send",
        "Mail.ReadWrite",
        "Calendars.ReadWrite",
        "Contacts.Read",
    ]
    assert tenant.app_properties("Zeliq")["servicePrincipal"] == "present"
    notes = tenant.grant_admin_consent("Tailspin Meeting Notes")
    assert notes["unresolvedScopes"] == ["Meetings.Summarize"]
    with pytest.raises(BadRequest, match=r"does not ask for Mail\.Send"):
        tenant.grant_admin_consent("OneCal", ["Mail.Send"])
    with pytest.raises(BadRequest, match="at least one scope"):
        tenant.grant_admin_consent("OneCal", [])
    with pytest.raises(BadRequest, match="asks for no delegated permissions"):
        tenant.grant_admin_consent("Consent Desk")
    assert tenant.app_properties("OneCal")["servicePrincipal"] == "absent"


def test_admin_consent_leaves_open_requests_open(tenant: SandboxTenant) -> None:
    ids = tenant.create_request("OneCal", ADELE, "sync")
    tenant.grant_admin_consent("OneCal")
    assert tenant.consent.get(ids["appConsentRequestId"]).is_pending


def test_scope_classification_switch(tenant: SandboxTenant) -> None:
    result = tenant.classify_scope("calendars.readwrite")
    assert (result["scope"], result["low"], result["resource"]) == (
        "Calendars.ReadWrite",
        True,
        "Microsoft Graph",
    )
    assert "Calendars.ReadWrite" in result["lowScopes"]
    assert tenant.classify_scope("Calendars.ReadWrite")["lowScopes"] == result["lowScopes"]
    removed = tenant.classify_scope("User.Read", low=False)
    assert "User.Read" not in removed["lowScopes"]
    sharepoint = tenant.classify_scope("AllSites.Read", resource="Office 365 SharePoint Online")
    assert sharepoint["lowScopes"] == ["AllSites.Read"]
    assert tenant.classifications("00000003-0000-0ff1-ce00-000000000000") == {
        "resource": "Office 365 SharePoint Online",
        "resourceAppId": "00000003-0000-0ff1-ce00-000000000000",
        "servicePrincipalId": sharepoint["servicePrincipalId"],
        "lowScopes": ["AllSites.Read"],
    }


@pytest.mark.parametrize(
    ("scope", "resource", "error", "message"),
    [
        ("User.Read.All", None, BadRequest, "needs admin consent"),
        ("Meetings.Summarize", None, BadRequest, "not defined by Microsoft Graph"),
        ("AllSites.Read", None, BadRequest, "not defined"),
        ("User.Read", "OneCal", NotFound, "Unknown resource API"),
        ("User.Read", "Nope", NotFound, "Unknown resource API"),
    ],
)
def test_refused_classifications_change_nothing(
    tenant: SandboxTenant, scope: str, resource: str | None, error: type[Exception], message: str
) -> None:
    before = tenant.classifications()
    with pytest.raises(error, match=message):
        tenant.classify_scope(scope, resource)
    assert tenant.classifications() == before


def test_switches_are_undone_by_reset(tenant: SandboxTenant) -> None:
    tenant.set_consent_settings(risky_step_up=False)
    tenant.set_app("OneCal", verified=False, service_principal="present", assign_users=[ADELE])
    tenant.classify_scope("Mail.Send")
    tenant.grant_admin_consent("Zeliq")
    tenant.reset()
    assert tenant.consent_settings()["risky_step_up"] is True
    assert tenant.app_properties("OneCal")["verified"] is True
    assert tenant.app_properties("OneCal")["servicePrincipal"] == "absent"
    assert tenant.assignments.items == {}
    assert "Mail.Send" not in tenant.classifications()["lowScopes"]
    assert len(tenant.grants()) == 3
    assert tenant.tenant_id == TENANT_ID
