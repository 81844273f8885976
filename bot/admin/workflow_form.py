"""The "switch requests on" form as submitted: fields split and checked, and the policy it asks.

Everything here is checked without Graph; the reviewers typed are resolved to
object ids by ``bot.admin.workflow_switch``, which then writes the policy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.graph.reviewer_lookup import Directory
from cards.text import safe
from cards.workflow_switch import (
    DURATION_INPUT_ID,
    FIELD_DURATION,
    FIELD_GROUPS,
    FIELD_NOTIFY,
    FIELD_REMINDERS,
    FIELD_REVIEWERS,
    FIELD_ROLES,
    FIELD_USERS,
    GROUPS_INPUT_ID,
    NOTIFY_INPUT_ID,
    REMINDERS_INPUT_ID,
    ROLES_INPUT_ID,
    USERS_INPUT_ID,
    FormValues,
)
from domain.entra import (
    CONSENT_ROLES,
    REVIEWER_QUERY_TYPE,
    group_query,
    role_query,
    user_query,
)
from domain.i18n import Messages

MIN_DAYS, MAX_DAYS = 1, 30
MAX_ENTRIES = 20
"""Per reviewer field: each entry costs a Graph read while the admin waits."""
# Users never have spaces in a UPN or id; group names do, so only , ; and new lines part them.
_USER_SEPARATORS = re.compile(r"[,;\s]+")
_GROUP_SEPARATORS = re.compile(r"[,;\r\n]+")


@dataclass(frozen=True, slots=True)
class ParsedForm:
    """The form's fields, split and checked without Graph; ``errors`` by field."""

    values: FormValues
    users: tuple[str, ...]
    groups: tuple[str, ...]
    roles: tuple[str, ...]
    duration: int | None
    errors: dict[str, str] = field(default_factory=dict)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) else ""


def _entries(text: str, separators: re.Pattern[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for entry in separators.split(text):
        entry = entry.strip()
        if entry and entry.casefold() not in seen:
            seen[entry.casefold()] = entry
    return tuple(seen.values())


def _toggle(data: Mapping[str, Any], key: str) -> bool | None:
    """True/False from an Input.Toggle; None when the value is neither (missing means on)."""
    value = data.get(key, True)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _duration(data: Mapping[str, Any]) -> int | None:
    value = data.get(DURATION_INPUT_ID)
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            return None
    if isinstance(value, int) and MIN_DAYS <= value <= MAX_DAYS:
        return value
    return None


def parse_form(data: Mapping[str, Any], messages: Messages) -> ParsedForm:
    """Every field checked on its own; Graph is asked nothing here."""
    errors: dict[str, str] = {}
    users_text = _text(data, USERS_INPUT_ID)
    groups_text = _text(data, GROUPS_INPUT_ID)
    users = _entries(users_text, _USER_SEPARATORS)
    groups = _entries(groups_text, _GROUP_SEPARATORS)
    roles = _entries(_text(data, ROLES_INPUT_ID), _USER_SEPARATORS)
    for name, entries in ((FIELD_USERS, users), (FIELD_GROUPS, groups)):
        if len(entries) > MAX_ENTRIES:
            errors[name] = messages.t("workflow.error.too_many", limit=MAX_ENTRIES)
    unknown_roles = [role for role in roles if role.lower() not in CONSENT_ROLES]
    if unknown_roles:
        errors[FIELD_ROLES] = messages.t(
            "workflow.error.unknown_role", value=safe(", ".join(unknown_roles))
        )
    if not (users or groups or roles):
        errors[FIELD_REVIEWERS] = messages.t("workflow.error.no_reviewer")
    duration = _duration(data)
    if duration is None:
        errors[FIELD_DURATION] = messages.t("workflow.error.duration")
    notify = _toggle(data, NOTIFY_INPUT_ID)
    reminders = _toggle(data, REMINDERS_INPUT_ID)
    if notify is None:
        errors[FIELD_NOTIFY] = messages.t("workflow.error.toggle")
    if reminders is None:
        errors[FIELD_REMINDERS] = messages.t("workflow.error.toggle")
    values = FormValues(
        users=users_text,
        groups=groups_text,
        roles=tuple(role.lower() for role in roles),
        duration=_text(data, DURATION_INPUT_ID),
        notify=notify is not False,
        reminders=reminders is not False,
    )
    return ParsedForm(
        values=values,
        users=users,
        groups=groups,
        roles=tuple(role.lower() for role in roles),
        duration=duration,
        errors=errors,
    )


def policy_body(
    *,
    users: list[Directory],
    groups: list[Directory],
    roles: tuple[str, ...],
    duration: int,
    notify: bool,
    reminders: bool,
) -> dict[str, Any]:
    """The PUT body as the Graph reference documents it: the whole policy, switched on."""
    queries = (
        [user_query(u.id) for u in users]
        + [group_query(g.id) for g in groups]
        + [role_query(r) for r in roles]
    )
    return {
        "isEnabled": True,
        "notifyReviewers": notify,
        "remindersEnabled": reminders,
        "requestDurationInDays": duration,
        "reviewers": [
            {"query": q, "queryType": REVIEWER_QUERY_TYPE} for q in dict.fromkeys(queries)
        ],
    }
