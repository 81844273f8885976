"""How many approvals a request needs: the rule that places it decides, and how admins say so.

Same rules as ``test_routing``, with two-person approval on the high-risk
rule (Security) and three approvals for Carerix (HR).
"""

from __future__ import annotations

import pytest

from bot.admin.command_table import Command, parse_command
from bot.admin.commands import route_rule, valid_approvals
from domain.routing import (
    DEFAULT_HIGH_RISK,
    MAX_APPROVALS,
    RoutedRequest,
    Rule,
    RuleKind,
    placing_rule,
    required_approvals,
    route,
)
from domain.types import ScopeDetail
from sandbox.seed_apps import CARERIX_APP_ID, MEETING_NOTES_APP_ID, ONECAL_APP_ID, ZELIQ_APP_ID

GENERAL, SECURITY, VETTING, HR = 1, 2, 3, 4
ALL = [GENERAL, SECURITY, VETTING, HR]
RULES = (
    Rule(RuleKind.HIGH_RISK, SECURITY, approvals_required=2),
    Rule(RuleKind.UNVERIFIED, VETTING),
    Rule(RuleKind.APP, HR, CARERIX_APP_ID, 3),
    Rule(RuleKind.DEFAULT, GENERAL),
)
ZELIQ = RoutedRequest(ZELIQ_APP_ID, True, (ScopeDetail("Mail.Send", needs_admin=False),))
ONECAL = RoutedRequest(ONECAL_APP_ID, True, (ScopeDetail("User.Read", needs_admin=False),))
CARERIX = RoutedRequest(CARERIX_APP_ID, True, (ScopeDetail("User.Read", needs_admin=False),))
TAILSPIN = RoutedRequest(MEETING_NOTES_APP_ID, None, (ScopeDetail("Meetings.Summarize"),))


@pytest.mark.parametrize(
    ("request_", "destination", "approvals"),
    [(ZELIQ, SECURITY, 2), (TAILSPIN, VETTING, 1), (CARERIX, HR, 3), (ONECAL, GENERAL, 1)],
    ids=["high risk", "unverified", "its own rule", "default"],
)
def test_the_placing_rule_says_how_many_approvals(
    request_: RoutedRequest, destination: int, approvals: int
) -> None:
    assert route(request_, RULES, ALL, DEFAULT_HIGH_RISK) == [destination]
    rule = placing_rule(request_, RULES, ALL, DEFAULT_HIGH_RISK)
    assert rule is not None
    assert rule.destination_id == destination
    assert required_approvals(request_, RULES, ALL, DEFAULT_HIGH_RISK) == approvals


def test_no_rules_means_one_approval() -> None:
    assert placing_rule(ZELIQ, [], ALL) is None
    assert required_approvals(ZELIQ, [], ALL) == 1
    assert required_approvals(ZELIQ, [], []) == 1


def test_a_request_no_rule_places_needs_one_approval() -> None:
    rules = [Rule(RuleKind.HIGH_RISK, SECURITY, approvals_required=2)]
    assert route(ONECAL, rules, ALL) == [GENERAL, VETTING, HR]
    assert placing_rule(ONECAL, rules, ALL) is None
    assert required_approvals(ONECAL, rules, ALL) == 1


def test_a_stopped_destination_s_quorum_no_longer_applies() -> None:
    # Security stopped: Zeliq falls to the default rule, which needs one approval.
    assert route(ZELIQ, RULES, [GENERAL, VETTING, HR]) == [GENERAL]
    assert required_approvals(ZELIQ, RULES, [GENERAL, VETTING, HR]) == 1


def test_a_default_rule_can_need_two_approvals_too() -> None:
    rules = [Rule(RuleKind.HIGH_RISK, SECURITY), Rule(RuleKind.DEFAULT, GENERAL, None, 2)]
    assert required_approvals(ONECAL, rules, ALL) == 2
    assert required_approvals(ZELIQ, rules, ALL) == 1


def test_the_high_risk_list_decides_the_quorum_too() -> None:
    calendar = RoutedRequest(ONECAL_APP_ID, True, (ScopeDetail("Calendars.ReadWrite"),))
    assert required_approvals(calendar, RULES, ALL, ("Calendars.*",)) == 2
    assert required_approvals(calendar, RULES, ALL, ()) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("route high risk here", (RuleKind.HIGH_RISK, None, 1)),
        ("route high risk here with 2 approvals", (RuleKind.HIGH_RISK, None, 2)),
        ("Route risky apps here, two-person approval.", (RuleKind.HIGH_RISK, None, 2)),
        ("route high-risk here with two-person approval", (RuleKind.HIGH_RISK, None, 2)),
        ("route unverified here with a 2-person approval", (RuleKind.UNVERIFIED, None, 2)),
        ("route verified publishers here with three approvals", (RuleKind.VERIFIED, None, 3)),
        ("route everything else here with 5 approvals", (RuleKind.DEFAULT, None, 5)),
        (
            "route app 11111111-2222-3333-4444-555555555555 here with 4 approvals",
            (RuleKind.APP, "11111111-2222-3333-4444-555555555555", 4),
        ),
        ("route high risk here with 6 approvals", (RuleKind.HIGH_RISK, None, 6)),
        ("route high risk here with 1 approval", (RuleKind.HIGH_RISK, None, 0)),
        ("route high risk here with 0 approvals", (RuleKind.HIGH_RISK, None, 0)),
        ("route high risk here with many approvals", (RuleKind.HIGH_RISK, None, 0)),
        ("route high risk here with 99999 approvals", (RuleKind.HIGH_RISK, None, 0)),
        ("route high risk here please", None),
        ("route somewhere here with 2 approvals", None),
    ],
)
def test_route_rule_reads_the_number_of_approvals(
    text: str, expected: tuple[RuleKind, str | None, int] | None
) -> None:
    assert parse_command(text) is Command.ROUTE
    assert route_rule(text) == expected


@pytest.mark.parametrize(
    ("count", "valid"), [(0, False), (1, True), (2, True), (5, True), (6, False)]
)
def test_a_rule_needs_one_to_five_approvals(count: int, valid: bool) -> None:
    assert MAX_APPROVALS == 5
    assert valid_approvals(count) is valid
