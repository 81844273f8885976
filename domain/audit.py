"""What the audit trail records: who did what, and how it ended, in words fixed once.

The values are stored (the ``audit`` table, the CSV export) and read by
admins, so they never change; a new kind of action or outcome is added here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NewType


class AuditAction(StrEnum):
    # Decisions on a request (the reviewer card, the decision worker, auto-approval).
    APPROVE = "approve"
    DENY = "deny"
    BLOCK = "block"
    SNOOZE = "snooze"
    SHOW_CARD = "show_card"
    AUTO_APPROVE = "auto_approve"
    ASK_REVIEWERS = "ask_reviewers"
    # Admin configuration.
    SETTINGS = "settings"
    RENAME_DESTINATION = "rename_destination"
    REMOVE_DESTINATION = "remove_destination"
    ADD_PERSON_DESTINATION = "add_person_destination"
    ADD_RULE = "add_rule"
    REMOVE_RULE = "remove_rule"
    SET_HIGH_RISK = "set_high_risk"
    ADD_AUTO_APPROVAL = "add_auto_approval"
    REMOVE_AUTO_APPROVAL = "remove_auto_approval"
    ENABLE_REQUESTS = "enable_requests"
    LIST_CONNECTED_APPS = "list_connected_apps"
    BLOCK_CONNECTED_APP = "block_connected_app"
    RETRY_FAILED_MESSAGES = "retry_failed_messages"
    PROACTIVE_HELP_ON = "proactive_help_on"
    PROACTIVE_HELP_OFF = "proactive_help_off"
    PROACTIVE_HELP_EXCLUDE = "proactive_help_exclude"
    PROACTIVE_HELP_INCLUDE = "proactive_help_include"
    LIST_BLOCKED_APPS = "list_blocked_apps"
    REVIEW_BLOCKED_APP = "review_blocked_app"


class AuditResult(StrEnum):
    SUCCEEDED = "succeeded"
    ACCEPTED = "accepted"
    """Taken on; the Graph work follows (its own entry says how it ended)."""
    COUNTED = "counted"
    """One approval of several a two-person rule asks for."""
    REFUSED = "refused"
    INVALID = "invalid"
    FAILED = "failed"


CommandAction = NewType("CommandAction", str)
"""A chat command someone may not run: ``command:<the command>``."""


def command_action(command: str) -> CommandAction:
    return CommandAction(f"command:{command}")
