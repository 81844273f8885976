"""Two-person approval on the reviewer card: how many approvals are needed and who gave them.

Shown only when a request needs more than one approval. While it is open the
box says how many of how many and by whom ("1 of 2 approvals: Megan Bowen")
and how many more are awaited; once the grant starts, who approved it.
Every copy of the card is edited when an approval is counted, so everyone
watching sees the same progress. Reviewer names go through
``cards.text.safe``.
"""

from __future__ import annotations

from cards.elements import Element, callout
from cards.text import NAME_LIMIT, safe
from domain.i18n import Messages
from domain.types import RequestStatus, ReviewerCardView

APPROVALS_ID = "approvals"
NAMES_SHOWN = 10
"""Approvers named on the card; a request needs at most a handful."""


def approval_progress(view: ReviewerCardView, messages: Messages) -> list[Element]:
    """The approvals box for ``view``, or nothing when one approval is enough."""
    needed = view.approvals_required
    if needed <= 1:
        return []
    count = len(view.approved_by)
    progress = messages.t(
        "quorum.progress", count=count, required=needed, names=_names(view, messages)
    )
    if view.status in (RequestStatus.APPROVING, RequestStatus.APPROVED):
        return [callout("good", APPROVALS_ID, progress)] if count else []
    if view.status is not RequestStatus.PENDING:
        return []
    if not count:
        return [
            callout(
                "accent",
                APPROVALS_ID,
                messages.t("quorum.needed", required=needed),
                messages.t("quorum.needed_hint"),
            )
        ]
    if count >= needed:  # the grant failed and the request is open again
        return [callout("accent", APPROVALS_ID, progress, messages.t("quorum.met_retry"))]
    waiting = messages.plural("quorum.waiting", needed - count)
    return [callout("accent", APPROVALS_ID, progress, waiting)]


def _names(view: ReviewerCardView, messages: Messages) -> str:
    shown = [
        safe(name, NAME_LIMIT) or messages.t("decision.someone")
        for name in view.approved_by[:NAMES_SHOWN]
    ]
    return ", ".join(shown)
