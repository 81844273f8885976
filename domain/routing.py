"""Which review destination gets which request: the admins' rules, tried in order.

A rule matches by risk (any scope that needs an admin, or a scope in the
high-risk list, wildcards allowed: ``Mail.*``), by publisher verified or not,
or by app id; the first match wins. A ``default`` rule names where everything
else goes; without one, everything else goes to the review destinations no
rule names. With no rules at all every review destination gets every request,
as before routing existed. The rule that places a request also says how
many distinct reviewers must approve it (two-person approval); a request no
rule places needs one. Pure functions, so the routing of every scenario
app can be read off a table in the tests.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from domain.types import ScopeDetail

DEFAULT_HIGH_RISK = (
    "Mail.*",
    "Files.ReadWrite.All",
    "Sites.*",
    "Directory.*",
    "User.ReadWrite.All",
    "Group.ReadWrite.All",
    "Application.ReadWrite.All",
    "RoleManagement.*",
    "MailboxSettings.ReadWrite",
)
HIGH_RISK_KEY = "high_risk_scopes"
MAX_APPROVALS = 5
"""The most approvals a rule may require; 2 to this is two-person (or more) approval."""
_PATTERN = re.compile(r"^[A-Za-z0-9_.*-]{1,120}$")


class RuleKind(StrEnum):
    HIGH_RISK = "high_risk"
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    APP = "app"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class Rule:
    kind: RuleKind
    destination_id: int
    value: str | None = None
    approvals_required: int = 1


@dataclass(frozen=True, slots=True)
class RoutedRequest:
    """What routing looks at; ``verified`` is None for an app new to the tenant."""

    app_id: str
    verified: bool | None
    scopes: tuple[ScopeDetail, ...]


def valid_pattern(pattern: str) -> bool:
    """A scope name, optionally with ``*`` wildcards (``Mail.*``)."""
    return bool(_PATTERN.fullmatch(pattern))


def on_high_risk_list(scope: str, patterns: Sequence[str]) -> bool:
    """Whether the admins' high-risk list names ``scope`` (wildcards allowed, any case)."""
    return any(fnmatch.fnmatchcase(scope.lower(), p.lower()) for p in patterns)


def is_high_risk(request: RoutedRequest, patterns: Sequence[str]) -> bool:
    """A scope needs an admin, or the admins listed it: the same test routing and cards use."""
    return any(s.needs_admin or on_high_risk_list(s.value, patterns) for s in request.scopes)


def matches(rule: Rule, request: RoutedRequest, patterns: Sequence[str]) -> bool:
    if rule.kind is RuleKind.HIGH_RISK:
        return is_high_risk(request, patterns)
    if rule.kind is RuleKind.UNVERIFIED:
        return request.verified is not True  # an unknown publisher is not a verified one
    if rule.kind is RuleKind.VERIFIED:
        return request.verified is True
    if rule.kind is RuleKind.APP:
        return (rule.value or "").lower() == request.app_id.lower()
    return False


def route(
    request: RoutedRequest,
    rules: Sequence[Rule],
    review_destinations: Sequence[int],
    patterns: Sequence[str] = DEFAULT_HIGH_RISK,
) -> list[int]:
    """The ids of the destinations that get this request's card."""
    live = [rule for rule in rules if rule.destination_id in review_destinations]
    if not live:
        return list(review_destinations)
    placed_by = placing_rule(request, rules, review_destinations, patterns)
    if placed_by is not None:
        return [placed_by.destination_id]
    named = {rule.destination_id for rule in live}
    rest = [d for d in review_destinations if d not in named]
    return rest or list(review_destinations)


def placing_rule(
    request: RoutedRequest,
    rules: Sequence[Rule],
    review_destinations: Sequence[int],
    patterns: Sequence[str] = DEFAULT_HIGH_RISK,
) -> Rule | None:
    """The rule that sends this request where ``route`` does; None when no rule does.

    The first matching rule of a live destination, else the first live
    ``default`` rule. Rules of stopped destinations are skipped, as in ``route``.
    """
    live = [rule for rule in rules if rule.destination_id in review_destinations]
    for rule in live:
        if rule.kind is not RuleKind.DEFAULT and matches(rule, request, patterns):
            return rule
    return next((rule for rule in live if rule.kind is RuleKind.DEFAULT), None)


def required_approvals(
    request: RoutedRequest,
    rules: Sequence[Rule],
    review_destinations: Sequence[int],
    patterns: Sequence[str] = DEFAULT_HIGH_RISK,
) -> int:
    """Distinct approvals this request needs: the placing rule's, 1 when no rule places it."""
    placed_by = placing_rule(request, rules, review_destinations, patterns)
    return max(placed_by.approvals_required, 1) if placed_by is not None else 1
