"""Cards for admins in chat: where reviews go, and the recent audit trail.

Only admins see them (``bot.review.admins``). Names of conversations and people and
reasons come from outside and go through ``cards.text.safe``.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.elements import Element, adaptive_card, fact_set, text_block
from cards.text import NAME_LIMIT, REASON_LIMIT, safe
from domain.audit import AuditResult
from domain.i18n import Messages
from domain.listings import AuditListing, DestinationListing, RoutingRuleListing

AUDIT_SHOWN = 15


def build_destinations_card(rows: Sequence[DestinationListing], messages: Messages) -> Element:
    """Every active destination with its role, numbered as they were added."""
    title = messages.t("admin.destinations_title")
    body: list[Element] = [text_block(title, "destinations-title", weight="bolder", size="medium")]
    if not rows:
        body.append(text_block(messages.t("admin.destinations_none"), "destinations-none"))
    else:
        body.append(
            fact_set(
                [
                    (
                        safe(row.name, NAME_LIMIT),
                        messages.t(
                            f"admin.role_{row.role}", kind=messages.t(f"admin.kind_{row.kind}")
                        ),
                    )
                    for row in rows
                ],
                "destinations",
            )
        )
    body.append(
        text_block(messages.t("admin.destinations_hint"), "destinations-hint", isSubtle=True)
    )
    return adaptive_card(body, fallback_text=title, language=messages.language)


def build_rules_card(
    rules: Sequence[tuple[RoutingRuleListing, str]], patterns: Sequence[str], messages: Messages
) -> Element:
    """The routing rules in the order they are tried, and the high-risk list they use."""
    title = messages.t("admin.rules_title")
    body: list[Element] = [text_block(title, "rules-title", weight="bolder", size="medium")]
    if not rules:
        body.append(text_block(messages.t("admin.rules_none"), "rules-none"))
    else:
        body.append(
            fact_set(
                [
                    (str(number), _rule_line(row, name, messages))
                    for number, (row, name) in enumerate(rules, start=1)
                ],
                "rules",
            )
        )
    shown = ", ".join(safe(p, NAME_LIMIT) for p in patterns) or messages.t("admin.high_risk_empty")
    body.append(text_block(messages.t("admin.high_risk_list", patterns=shown), "high-risk"))
    body.append(text_block(messages.t("admin.rules_hint"), "rules-hint", isSubtle=True))
    return adaptive_card(body, fallback_text=title, language=messages.language)


def _rule_line(row: RoutingRuleListing, destination: str, messages: Messages) -> str:
    """What the rule sends where and, for two-person approval, how many approvals it needs."""
    line = messages.t(
        f"admin.rule_{row.kind}",
        app=safe(row.value or "", NAME_LIMIT),
        destination=safe(destination, NAME_LIMIT),
    )
    if row.approvals_required > 1:
        line += " " + messages.t("admin.rule_approvals", count=row.approvals_required)
    return line


def _audit_line(row: AuditListing, messages: Messages) -> str:
    what = safe(row.app_name, NAME_LIMIT) if row.app_name else ""
    why = safe(row.reason, REASON_LIMIT) if row.reason else ""
    return (
        messages.t(
            "admin.audit_line",
            time=messages.date_time(row.at),
            actor=safe(row.actor_name, NAME_LIMIT),
            action=safe(row.action, NAME_LIMIT),
            result=safe(row.result, NAME_LIMIT),
            app=what,
            reason=why,
        )
        .replace("  ", " ")
        .strip()
    )


def build_audit_card(rows: Sequence[AuditListing], messages: Messages) -> Element:
    """The latest entries, newest first, and how to get all of them."""
    title = messages.t("admin.audit_title")
    body: list[Element] = [text_block(title, "audit-title", weight="bolder", size="medium")]
    if not rows:
        body.append(text_block(messages.t("admin.audit_none"), "audit-none"))
    for index, row in enumerate(reversed(rows[-AUDIT_SHOWN:])):
        went_wrong = row.result in (AuditResult.REFUSED, AuditResult.FAILED)
        color = "attention" if went_wrong else "default"
        body.append(text_block(_audit_line(row, messages), f"audit-{index}", color=color))
    body.append(text_block(messages.t("admin.audit_export_hint"), "audit-hint", isSubtle=True))
    return adaptive_card(body, fallback_text=title, language=messages.language)
