"""The small card that tells the person who asked for an app how it ended.

It goes to their personal chat with the bot, in their language, and says
the one thing they can do next. Kept well under Teams' limits (8 KB) so it
is never refused, whatever the app is called or the reviewer wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from cards.elements import Element, adaptive_card, card_size, text_block
from cards.text import NAME_LIMIT, REASON_LIMIT, safe
from domain.i18n import Messages
from domain.types import RequestStatus

NOTICE_BUDGET = 8_000


@dataclass(frozen=True, slots=True)
class _Notice:
    color: str
    title: str
    next_step: str
    shows_reason: bool = False
    shows_reviewer: bool = True


_APPROVED = _Notice("good", "notice.approved", "notice.approved_next")
_DENIED = _Notice("attention", "notice.denied", "notice.denied_next", shows_reason=True)
_NOTICES = {
    RequestStatus.APPROVED: _APPROVED,
    RequestStatus.APPROVED_IN_ENTRA: _APPROVED,
    RequestStatus.DENIED: _DENIED,
    RequestStatus.DENIED_IN_ENTRA: _DENIED,
    RequestStatus.BLOCKED: _Notice("attention", "notice.blocked", "notice.blocked_next"),
    RequestStatus.REQUESTS_ENABLED: _Notice(
        "accent", "notice.requests_enabled", "notice.requests_enabled_next", shows_reviewer=False
    ),
    RequestStatus.EXPIRED: _Notice(
        "warning", "notice.expired", "notice.expired_next", shows_reviewer=False
    ),
}
NOTICE_OUTCOMES = frozenset(_NOTICES)
"""The outcomes a requester is told about; the others are not final."""

# Names and reasons are cut further only when the full ones would not fit.
_LIMITS = ((NAME_LIMIT, REASON_LIMIT), (60, 250), (30, 100))


def build_requester_notice(
    outcome: RequestStatus,
    app_name: str,
    reason: str | None,
    reviewer_name: str | None,
    messages: Messages,
) -> Element:
    """The notice for a request that ended in ``outcome``.

    ``reason`` is shown for denials only, ``reviewer_name`` whenever someone
    reviewed it. Raises ``ValueError`` for an outcome that is not final.
    """
    notice = _NOTICES.get(outcome)
    if notice is None:
        raise ValueError(f"no requester notice for {outcome.value!r}")
    card: Element = {}
    for name_limit, reason_limit in _LIMITS:
        app = safe(app_name, name_limit)
        title = messages.t(notice.title, app=app)
        body = [
            text_block(messages.t("notice.kicker"), "notice-kicker", isSubtle=True),
            text_block(
                title,
                "notice-title",
                spacing="none",
                size="medium",
                weight="bolder",
                style="heading",
                color=notice.color,
            ),
        ]
        said = safe(reason, reason_limit) if notice.shows_reason else ""
        if said:
            body.append(text_block(messages.t("notice.reason", reason=said), "notice-reason"))
        reviewer = safe(reviewer_name, name_limit) if notice.shows_reviewer else ""
        if reviewer:
            text = messages.t("notice.reviewed_by", name=reviewer)
            body.append(text_block(text, "notice-reviewer", isSubtle=True, spacing="none"))
        body.append(text_block(messages.t(notice.next_step, app=app), "notice-next"))
        card = adaptive_card(body, fallback_text=title, language=messages.language)
        if card_size(card) <= NOTICE_BUDGET:
            return card
    return card
