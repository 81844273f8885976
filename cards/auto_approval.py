"""Auto-approval on cards: the allow-list for admins, and the verdict line on a reviewer card.

The reviewer card of a listed app's request says what the allow-list made
of it: approved automatically (and for which permissions), or why not (the
permissions beyond the list, a blocked app, permissions no single API
defines, a grant that did not go through). App names and scope names come
from outside and go through ``cards.text.safe``.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.elements import (
    CARD_BUDGET,
    Element,
    adaptive_card,
    callout,
    card_size,
    fact_set,
    text_block,
)
from cards.text import NAME_LIMIT, SCOPE_LIMIT, safe
from domain.i18n import Messages
from domain.listings import AutoApprovalListing
from domain.types import AutoApprovalOutcome, ReviewerCardView

AUTO_APPROVAL_ID = "auto-approval"
"""The verdict line on a reviewer card."""
SCOPES_SHOWN = 20
"""Scopes named on a reviewer card's verdict line; the rest are counted."""
ENTRIES_SHOWN = 100
"""Apps listed on the allow-list card; the rest are counted."""
_SCOPES_PER_ENTRY = (50, 10, 3, 0)
"""Scopes named per app on the allow-list card, fewer as long as it is too big."""

_COLOURS = {
    AutoApprovalOutcome.APPROVED: "good",
    AutoApprovalOutcome.FAILED: "warning",
    AutoApprovalOutcome.BEYOND: "warning",
    AutoApprovalOutcome.BLOCKED: "attention",
    AutoApprovalOutcome.UNRESOLVED: "warning",
}


def _scopes(scopes: Sequence[str], messages: Messages, shown: int | None = None) -> str:
    named = [safe(scope, SCOPE_LIMIT) for scope in (scopes if shown is None else scopes[:shown])]
    hidden = len(scopes) - len(named)
    if hidden and not named:
        return messages.plural("auto_approval.scope_count", hidden)
    if hidden:
        named.append(messages.plural("auto_approval.more", hidden))
    return ", ".join(named)


def auto_approval_line(view: ReviewerCardView, messages: Messages) -> list[Element]:
    """The allow-list's verdict on ``view``'s request, or nothing when its app is not listed."""
    note = view.auto_approval
    if note is None:
        return []
    app = safe(view.app_display_name, NAME_LIMIT)
    scopes = _scopes(note.scopes, messages, SCOPES_SHOWN)
    if note.outcome is AutoApprovalOutcome.APPROVED:
        text = messages.t("auto_approval.card_approved", app=app, scopes=scopes)
    elif note.outcome is AutoApprovalOutcome.FAILED:
        text = messages.t("auto_approval.card_failed", app=app, scopes=scopes)
    elif note.outcome is AutoApprovalOutcome.BLOCKED:
        text = messages.t("auto_approval.card_blocked", app=app)
    elif note.outcome is AutoApprovalOutcome.UNRESOLVED:
        text = messages.plural("auto_approval.card_unresolved", len(note.scopes), scopes=scopes)
    else:
        text = messages.plural("auto_approval.card_beyond", len(note.scopes), scopes=scopes)
    return [text_block(text, AUTO_APPROVAL_ID, color=_COLOURS[note.outcome], weight="bolder")]


def build_auto_approvals_card(
    entries: Sequence[AutoApprovalListing],
    messages: Messages,
    lead: tuple[str, str] | None = None,
) -> Element:
    """The allow-list, app by app, topped by ``lead`` (a Container style and a sentence).

    ``lead`` reports what the command just did, or why it saved nothing; its
    sentence must already be safe. A long list names fewer scopes per app
    (counting the rest) so the card stays within Teams' size limit.
    """
    card: Element = {}
    for shown in _SCOPES_PER_ENTRY:
        card = _allow_list_card(entries, messages, lead, shown)
        if card_size(card) <= CARD_BUDGET:
            break
    return card


def _allow_list_card(
    entries: Sequence[AutoApprovalListing],
    messages: Messages,
    lead: tuple[str, str] | None,
    scopes_shown: int,
) -> Element:
    title = messages.t("auto_approval.title")
    body: list[Element] = []
    if lead is not None:
        style, text = lead
        body.append(callout(style, "auto-approvals-lead", text))
    body.append(text_block(title, "auto-approvals-title", weight="bolder", size="medium"))
    if not entries:
        body.append(text_block(messages.t("auto_approval.none"), "auto-approvals-none"))
    else:
        body.append(
            fact_set(
                [
                    (
                        safe(row.app_name, NAME_LIMIT) if row.app_name else row.app_id,
                        messages.t(
                            "auto_approval.entry",
                            scopes=_scopes(row.max_scopes, messages, scopes_shown),
                            id=safe(row.app_id),
                            origin=messages.t(
                                "auto_approval.origin_file"
                                if row.origin == "file"
                                else "auto_approval.origin_chat"
                            ),
                        ),
                    )
                    for row in entries[:ENTRIES_SHOWN]
                ],
                "auto-approvals",
            )
        )
        if len(entries) > ENTRIES_SHOWN:
            more = messages.plural("auto_approval.more_apps", len(entries) - ENTRIES_SHOWN)
            body.append(text_block(more, "auto-approvals-more", isSubtle=True))
    body.append(text_block(messages.t("auto_approval.hint"), "auto-approvals-hint", isSubtle=True))
    return adaptive_card(body, fallback_text=title, language=messages.language)
