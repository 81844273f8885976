"""``proactive help``: the admins' view of the switch, what it leaves out, and the sign-in log.

One card answers every form of the command, topped by what the command just
did (or why it changed nothing), so an admin always sees the state that is
now in force: on or off, the excluded apps, how often a person may be
messaged, how long attempts are kept, and whether the bot can read the
sign-in log at all (and if not, which permission or licence is missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from cards.elements import Element, adaptive_card, callout, fact_set, text_block
from cards.text import NAME_LIMIT, safe
from domain.i18n import Messages

EXCLUDED_SHOWN = 30
"""Excluded apps named on the card; the rest are counted."""


class LogAccess(StrEnum):
    """What reading the sign-in log gave just now."""

    READABLE = "readable"
    PERMISSION = "permission"
    """Graph refused for want of ``AuditLog.Read.All``."""
    LICENCE = "licence"
    """Graph refused the tenant's licence (or the bot lacks ``Directory.Read.All``)."""
    UNREACHABLE = "unreachable"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True, slots=True)
class ExcludedApp:
    app_id: str
    name: str | None


@dataclass(frozen=True, slots=True)
class ProactiveHelpStatus:
    on: bool
    excluded: Sequence[ExcludedApp]
    period_days: int
    retention_days: int
    offered: int
    """Messages offering help within the last period."""
    log: LogAccess


_LOG_STYLE = {
    LogAccess.READABLE: "good",
    LogAccess.PERMISSION: "attention",
    LogAccess.LICENCE: "attention",
    LogAccess.UNREACHABLE: "warning",
    LogAccess.NOT_CHECKED: "default",
}


def _excluded(apps: Sequence[ExcludedApp], messages: Messages) -> str:
    if not apps:
        return messages.t("proactive_help.excluded_none")
    named = [
        f"{safe(app.name, NAME_LIMIT)} ({safe(app.app_id)})" if app.name else safe(app.app_id)
        for app in apps[:EXCLUDED_SHOWN]
    ]
    if len(apps) > EXCLUDED_SHOWN:
        named.append(messages.plural("proactive_help.excluded_more", len(apps) - EXCLUDED_SHOWN))
    return ", ".join(named)


def build_proactive_help_card(
    status: ProactiveHelpStatus, messages: Messages, lead: tuple[str, str] | None = None
) -> Element:
    """The state of proactive help, topped by ``lead`` (a Container style and a safe sentence)."""
    title = messages.t("proactive_help.title")
    body: list[Element] = []
    if lead is not None:
        style, text = lead
        body.append(callout(style, "proactive-help-lead", text))
    body.append(text_block(title, "proactive-help-title", weight="bolder", size="medium"))
    state = "proactive_help.state_on" if status.on else "proactive_help.state_off"
    body.append(text_block(messages.t(state), f"proactive-help-{'on' if status.on else 'off'}"))
    body.append(
        fact_set(
            [
                (
                    messages.t("proactive_help.label_period"),
                    messages.plural("proactive_help.period", status.period_days),
                ),
                (
                    messages.t("proactive_help.label_offered"),
                    messages.plural("proactive_help.offered", status.offered),
                ),
                (
                    messages.t("proactive_help.label_excluded"),
                    _excluded(status.excluded, messages),
                ),
                (
                    messages.t("proactive_help.label_retention"),
                    messages.plural("proactive_help.retention", status.retention_days),
                ),
            ],
            "proactive-help-facts",
        )
    )
    body.append(
        callout(
            _LOG_STYLE[status.log],
            f"proactive-help-log-{status.log.value}",
            messages.t("proactive_help.label_log"),
            messages.t(f"proactive_help.log_{status.log.value}"),
        )
    )
    body.append(text_block(messages.t("proactive_help.hint"), "proactive-help-hint", isSubtle=True))
    return adaptive_card(body, fallback_text=title, language=messages.language)
