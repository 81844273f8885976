"""The settings form of a review destination as submitted: its fields read and checked.

Checked as a whole and without Graph; ``bot.admin.destination_settings``
resolves the reviewers typed and saves it all, or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.review.reminder_settings import parse_overrides
from cards.settings import (
    APPROVALS_INPUT_ID,
    NAME_INPUT_ID,
    NAME_LIMIT,
    REMINDER_INPUT_PREFIX,
    REVIEWERS_INPUT_ID,
    REVIEWERS_LIMIT,
    ROLE_INPUT_ID,
    ROLES,
    ROUTE_INPUT_ID,
    ROUTES,
    SettingsValues,
)
from domain.i18n import Messages
from domain.reminder_cadence import FIELDS, ReminderOverrides
from domain.routing import MAX_APPROVALS

MAX_REVIEWERS = 20
_SEPARATORS = re.compile(r"[,;\r\n]+")


@dataclass(frozen=True, slots=True)
class ParsedSettings:
    """The form as typed, checked field by field; ``errors`` maps input id to message."""

    values: SettingsValues
    role: str
    name: str
    route: str
    approvals: int
    reviewer_keys: tuple[str, ...]
    reminders: ReminderOverrides | None
    errors: dict[str, str] = field(default_factory=dict)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def parse_settings(
    place: str,
    data: Mapping[str, Any],
    messages: Messages,
    *,
    escalation_ids: Collection[int] = (),
    own_id: int | None = None,
) -> ParsedSettings:
    """Check every field of a submitted form; nothing here touches Graph or the store.

    ``escalation_ids`` are the destinations this one's escalations may be sent
    to instead of every "escalate here" destination.
    """
    errors: dict[str, str] = {}
    role, name, route = (
        _text(data, ROLE_INPUT_ID),
        _text(data, NAME_INPUT_ID),
        _text(data, ROUTE_INPUT_ID),
    )
    approvals_text, reviewers_text = (
        _text(data, APPROVALS_INPUT_ID),
        _text(data, REVIEWERS_INPUT_ID),
    )
    if role not in ROLES:
        errors[ROLE_INPUT_ID] = messages.t("settings.error.role")
    if role != "off" and not name:
        errors[NAME_INPUT_ID] = messages.t("settings.error.name_missing")
    elif len(name) > NAME_LIMIT or any(ord(c) < 32 for c in name):
        errors[NAME_INPUT_ID] = messages.t("settings.error.name", limit=NAME_LIMIT)
    if route not in ROUTES:
        errors[ROUTE_INPUT_ID] = messages.t("settings.error.route")
    elif role == "escalation" and route != "all":
        errors[ROUTE_INPUT_ID] = messages.t("settings.error.route_escalation")
    approvals = int(approvals_text) if approvals_text.isdigit() and len(approvals_text) < 3 else 0
    if not 1 <= approvals <= MAX_APPROVALS:
        errors[APPROVALS_INPUT_ID] = messages.t("settings.error.approvals", most=MAX_APPROVALS)
    elif approvals > 1 and (role != "review" or route == "all"):
        errors[APPROVALS_INPUT_ID] = messages.t("settings.error.approvals_needs_rule")
    keys = tuple(k.strip() for k in _SEPARATORS.split(reviewers_text) if k.strip())
    if len(reviewers_text) > REVIEWERS_LIMIT or len(keys) > MAX_REVIEWERS:
        errors[REVIEWERS_INPUT_ID] = messages.t("settings.error.too_many", most=MAX_REVIEWERS)
    typed = {name: _text(data, REMINDER_INPUT_PREFIX + name) for name in FIELDS}
    reminders = parse_overrides(typed, messages, destination_ids=escalation_ids, own_id=own_id)
    if isinstance(reminders, dict):
        errors.update({REMINDER_INPUT_PREFIX + k: v for k, v in reminders.items()})
    values = SettingsValues(
        place,
        role,
        name,
        route,
        approvals_text,
        reviewers_text,
        {k: v for k, v in typed.items() if v},
    )
    overrides = reminders if isinstance(reminders, ReminderOverrides) else None
    return ParsedSettings(values, role, name, route, approvals, keys, overrides, errors)
