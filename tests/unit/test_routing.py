"""Where every scenario app's request goes under a typical set of rules.

Rules, tried in order: high risk to Security (2), apps of unverified
publishers to Vetting (3), Carerix to HR (4), everything else to General (1).
"""

from __future__ import annotations

import pytest

from domain.routing import DEFAULT_HIGH_RISK, RoutedRequest, Rule, RuleKind, route, valid_pattern
from domain.types import ScopeDetail
from sandbox.seed_apps import (
    CARERIX_APP_ID,
    COST_MONITOR_APP_ID,
    MEETING_NOTES_APP_ID,
    ONECAL_APP_ID,
    PDF_CONVERTER_APP_ID,
    PIPELINE_APP_ID,
    SHAREPOINT_DOCS_APP_ID,
    WHITEBOARD_APP_ID,
    ZELIQ_APP_ID,
)

GENERAL, SECURITY, VETTING, HR = 1, 2, 3, 4
RULES = (
    Rule(RuleKind.HIGH_RISK, SECURITY),
    Rule(RuleKind.UNVERIFIED, VETTING),
    Rule(RuleKind.APP, HR, CARERIX_APP_ID),
    Rule(RuleKind.DEFAULT, GENERAL),
)
ALL = [GENERAL, SECURITY, VETTING, HR]


def user(value: str) -> ScopeDetail:
    return ScopeDetail(value, needs_admin=False)


def admin(value: str) -> ScopeDetail:
    return ScopeDetail(value, needs_admin=True)


def unknown(value: str) -> ScopeDetail:
    return ScopeDetail(value, needs_admin=None)


SCENARIO_APPS = {
    "OneCal": (ONECAL_APP_ID, True, (user("Calendars.ReadWrite"), user("User.Read")), GENERAL),
    "Zeliq (Mail.Send is high risk)": (ZELIQ_APP_ID, True, (user("Mail.Send"),), SECURITY),
    "Pipeline CRM Sidebar (admin scope)": (
        PIPELINE_APP_ID,
        False,
        (user("Mail.Read"), admin("User.Read.All")),
        SECURITY,
    ),
    "Carerix (its own rule)": (
        CARERIX_APP_ID,
        True,
        (user("Calendars.ReadWrite.Shared"), user("User.ReadBasic.All")),
        HR,
    ),
    "Quick PDF Converter (Files.ReadWrite.All)": (
        PDF_CONVERTER_APP_ID,
        False,
        (user("Files.ReadWrite.All"),),
        SECURITY,
    ),
    "Fabrikam Docs (Sites pattern is not AllSites)": (
        SHAREPOINT_DOCS_APP_ID,
        True,
        (user("AllSites.Read"), user("MyFiles.Read")),
        GENERAL,
    ),
    "Tailspin (unknown scope, new to the tenant)": (
        MEETING_NOTES_APP_ID,
        None,
        (user("User.Read"), unknown("Meetings.Summarize")),
        VETTING,
    ),
    "Litware (ambiguous scope)": (
        COST_MONITOR_APP_ID,
        True,
        (unknown("user_impersonation"), user("User.Read")),
        GENERAL,
    ),
    "Wingtip Whiteboard": (WHITEBOARD_APP_ID, True, (user("User.Read"), user("openid")), GENERAL),
}


@pytest.mark.parametrize("name", list(SCENARIO_APPS))
def test_every_scenario_app_lands_where_the_rules_say(name: str) -> None:
    app_id, verified, scopes, expected = SCENARIO_APPS[name]
    request = RoutedRequest(app_id, verified, scopes)
    assert route(request, RULES, ALL, DEFAULT_HIGH_RISK) == [expected]


def test_no_rules_means_every_review_destination() -> None:
    request = RoutedRequest(ONECAL_APP_ID, True, (user("User.Read"),))
    assert route(request, [], ALL) == ALL


def test_without_a_default_the_rest_goes_where_no_rule_points() -> None:
    request = RoutedRequest(ONECAL_APP_ID, True, (user("User.Read"),))
    rules = [Rule(RuleKind.HIGH_RISK, SECURITY)]
    assert route(request, rules, ALL) == [GENERAL, VETTING, HR]


def test_rules_for_stopped_destinations_are_skipped() -> None:
    request = RoutedRequest(ZELIQ_APP_ID, True, (user("Mail.Send"),))
    assert route(request, RULES, [GENERAL, VETTING]) == [GENERAL]


def test_the_high_risk_list_is_the_admins() -> None:
    request = RoutedRequest(ONECAL_APP_ID, True, (user("Calendars.ReadWrite"),))
    assert route(request, RULES, ALL, ("Calendars.*",)) == [SECURITY]
    assert route(request, RULES, ALL, ()) == [GENERAL]


@pytest.mark.parametrize(
    ("pattern", "valid"),
    [
        ("Mail.*", True),
        ("Files.ReadWrite.All", True),
        ("", False),
        ("Mail Send", False),
        ("a/b", False),
    ],
)
def test_patterns_are_scope_names_with_wildcards(pattern: str, valid: bool) -> None:
    assert valid_pattern(pattern) is valid
