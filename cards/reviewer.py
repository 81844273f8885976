"""The card reviewers see for one admin consent request.

It answers, top to bottom, what a busy reviewer asks: is this still open,
which app and who publishes it, how long has it waited and when does it
expire, what may it do, and who asked and why. Riskiest permissions come
first. The one action opens the request in Entra; decision buttons are not
part of this card yet.

Every string that comes from outside goes through ``cards.text.safe``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import Publisher, RequestStatus, ReviewerCardView
from bot.i18n import Messages
from cards.elements import (
    CARD_BUDGET,
    Element,
    adaptive_card,
    callout,
    card_size,
    fact_set,
    open_url,
    text_block,
)
from cards.requesters import requester_section
from cards.scopes import scope_section
from cards.text import safe


@dataclass(frozen=True, slots=True)
class _Detail:
    """How much of a request fits on one card.

    Requests can gather hundreds of requesters and apps can ask for hundreds
    of permissions; a card past Teams' size limit is refused outright, so
    detail is given up in the order a reviewer misses it least.
    """

    requesters: int
    scope_descriptions: bool = True
    scopes: int | None = None


_DETAIL_LEVELS = (
    _Detail(requesters=10),
    _Detail(requesters=3),
    _Detail(requesters=3, scope_descriptions=False),
    _Detail(requesters=1, scope_descriptions=False, scopes=30),
    _Detail(requesters=1, scope_descriptions=False, scopes=10),
    # Fits whatever the input, as cards.text caps every text: the scopes are
    # then only counted, and Entra shows them.
    _Detail(requesters=1, scope_descriptions=False, scopes=0),
)

_BANNERS = {
    RequestStatus.APPROVED_IN_ENTRA: (
        "good",
        "reviewer.status_completed",
        "reviewer.status_completed_hint",
    ),
    RequestStatus.DENIED_IN_ENTRA: (
        "attention",
        "reviewer.status_denied_in_entra",
        "reviewer.status_denied_in_entra_hint",
    ),
    RequestStatus.CLOSED_IN_ENTRA: (
        "default",
        "reviewer.status_closed_in_entra",
        "reviewer.status_closed_in_entra_hint",
    ),
    RequestStatus.EXPIRED: ("warning", "reviewer.status_expired", "reviewer.status_expired_hint"),
}


def build_reviewer_card(view: ReviewerCardView, now: datetime, messages: Messages) -> Element:
    """The reviewer card for ``view`` as of ``now``, within Teams' size limit."""
    fallback = messages.t("reviewer.fallback", app=safe(view.app_display_name))
    pending = view.status is RequestStatus.PENDING
    actions = [_open_in_entra(view, messages)] if pending else []
    card: Element = {}
    for detail in _DETAIL_LEVELS:
        card = adaptive_card(
            _body(view, now, messages, detail),
            fallback_text=fallback,
            language=messages.language,
            actions=actions,
        )
        if card_size(card) <= CARD_BUDGET:
            return card
    return card


def _body(
    view: ReviewerCardView, now: datetime, messages: Messages, detail: _Detail
) -> list[Element]:
    body = [*_status_banner(view.status, messages)]
    body.append(text_block(messages.t("reviewer.kicker"), "kicker", isSubtle=True))
    body.append(
        text_block(
            safe(view.app_display_name),
            "app-name",
            spacing="none",
            size="large",
            weight="bolder",
            style="heading",
        )
    )
    body.append(_publisher(view.publisher, messages))
    body.append(_timing(view, now, messages))
    body += scope_section(view.scopes, messages, detail.scopes, detail.scope_descriptions)
    body += requester_section(view.requesters, messages, detail.requesters)
    return body


def _status_banner(status: RequestStatus, messages: Messages) -> list[Element]:
    if status not in _BANNERS:
        return []
    style, title, hint = _BANNERS[status]
    return [callout(style, "status-banner", messages.t(title), messages.t(hint))]


def _publisher(publisher: Publisher | None, messages: Messages) -> Element:
    if publisher is None:
        return callout(
            "warning",
            "publisher",
            messages.t("reviewer.not_in_tenant"),
            messages.t("reviewer.not_in_tenant_hint"),
        )
    name = safe(publisher.display_name) or messages.t("reviewer.publisher_unnamed")
    if publisher.verified:
        text = messages.t("reviewer.publisher_verified", publisher=name)
        return text_block(text, "publisher", color="good", weight="bolder")
    return callout(
        "attention",
        "publisher",
        messages.t("reviewer.publisher_unverified", publisher=name),
        messages.t("reviewer.publisher_unverified_hint"),
    )


def _timing(view: ReviewerCardView, now: datetime, messages: Messages) -> Element:
    if view.status is not RequestStatus.PENDING:
        # A closed request no longer waits; only when it started matters.
        first = messages.date_time(view.first_requested_at)
        return fact_set([(messages.t("reviewer.first_requested_label"), first)], "timing")
    waited = messages.t(
        "reviewer.waiting_value",
        duration=messages.duration(now - view.first_requested_at),
        date=messages.date(view.first_requested_at),
    )
    return fact_set(
        [
            (messages.t("reviewer.waiting_label"), waited),
            (messages.t("reviewer.expires_label"), _expiry(view.expires_at, now, messages)),
        ],
        "timing",
    )


def _expiry(expires_at: datetime | None, now: datetime, messages: Messages) -> str:
    if expires_at is None:
        return messages.t("reviewer.expiry_unknown")
    date = messages.date_time(expires_at)
    if expires_at >= now:
        return messages.t(
            "reviewer.expires_future", date=date, duration=messages.duration(expires_at - now)
        )
    return messages.t(
        "reviewer.expires_past", date=date, duration=messages.duration(now - expires_at)
    )


def _open_in_entra(view: ReviewerCardView, messages: Messages) -> Element:
    return open_url(
        messages.t("reviewer.open_entra"),
        view.entra_review_url,
        "open-entra",
        tooltip=messages.t("reviewer.open_entra_tooltip"),
    )
