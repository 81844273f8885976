"""The card reviewers see for one admin consent request.

It answers, top to bottom, what a busy reviewer asks: is this still open,
which app and who publishes it, how long has it waited and when does it
expire, what may it do, and who asked and why. Riskiest permissions come
first. While the request is open the card offers the decision buttons, a
snooze for its reminders and the Entra hand-off; once someone decided, a
banner on every copy says who, when and what is left to do, and the buttons
are gone.

Every string that comes from outside goes through ``cards.text.safe``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cards.approvals import approval_progress
from cards.buttons import close_in_entra, decision_buttons, open_in_entra, snooze_button
from cards.elements import (
    CARD_BUDGET,
    CONTAINER_STYLES,
    Element,
    adaptive_card,
    callout,
    card_size,
    fact_set,
    text_block,
)
from cards.requesters import requester_section
from cards.risk import risk_fact_set, risk_headline
from cards.scopes import scope_section
from cards.status import status_banner
from cards.text import safe
from domain.i18n import Messages
from domain.types import Publisher, RequestOrigin, RequestStatus, ReviewerCardView

NOTE_ID = "note"
"""The callout on top of a noted card."""


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


def build_reviewer_card(view: ReviewerCardView, now: datetime, messages: Messages) -> Element:
    """The reviewer card for ``view`` as of ``now``, within Teams' size limit."""
    return _fitted(view, now, messages, lead=[])


def build_refusal_card(
    view: ReviewerCardView, now: datetime, messages: Messages, reason_key: str, **params: object
) -> Element:
    """The reviewer card as it stands, topped by why the clicker may not do that.

    It answers only the person who clicked (the invoke response), so the
    buttons stay for whoever may use them. ``reason_key`` is a ``refusal.*``
    catalogue key; text ``params`` are escaped here like any outside text.
    """
    refusal = callout(
        "attention",
        "refusal",
        messages.t("refusal.title"),
        messages.t(reason_key, **_safe_params(params, messages)),
    )
    return _fitted(view, now, messages, lead=[refusal])


def build_noted_card(
    view: ReviewerCardView,
    now: datetime,
    messages: Messages,
    style: str,
    key: str,
    **params: object,
) -> Element:
    """The reviewer card as it stands, topped by a note such as ``snooze.done``.

    For answering a button that changed nothing on the request itself: the
    clicker sees what happened, and the buttons stay. ``style`` is a Container
    style (``good``, ``accent``, ``emphasis``...); ``key`` a catalogue key.
    Text ``params`` are escaped like any outside text, and datetimes are
    written the reader's way (``messages.date_time``).
    """
    if style not in CONTAINER_STYLES:
        raise ValueError(f"not a Container style: {style!r}")
    note = callout(style, NOTE_ID, messages.t(key, **_safe_params(params, messages)))
    return _fitted(view, now, messages, lead=[note])


def _safe_params(params: Mapping[str, object], messages: Messages) -> dict[str, object]:
    def shown(value: object) -> object:
        if isinstance(value, datetime):
            return messages.date_time(value)
        return safe(value) if isinstance(value, str) else value

    return {key: shown(value) for key, value in params.items()}


def _fitted(
    view: ReviewerCardView, now: datetime, messages: Messages, lead: list[Element]
) -> Element:
    fallback = messages.t("reviewer.fallback", app=safe(view.app_display_name))
    actions = _actions(view, messages)
    card: Element = {}
    for detail in _DETAIL_LEVELS:
        card = adaptive_card(
            [*lead, *_body(view, now, messages, detail)],
            fallback_text=fallback,
            language=messages.language,
            actions=actions,
        )
        if card_size(card) <= CARD_BUDGET:
            return card
    return card


def _actions(view: ReviewerCardView, messages: Messages) -> list[Element]:
    if view.status is RequestStatus.PENDING:
        # A decision in flight hides the buttons; one that failed brings them back.
        decidable = view.decision is None or bool(view.decision.problem)
        buttons = (
            [*decision_buttons(view, messages), snooze_button(view, messages)] if decidable else []
        )
        return [*buttons, open_in_entra(view, messages)]
    if view.status is RequestStatus.DENIED and view.entra_requests_url:
        return [close_in_entra(view.entra_requests_url, messages)]
    return []


def _body(
    view: ReviewerCardView, now: datetime, messages: Messages, detail: _Detail
) -> list[Element]:
    body = status_banner(view, messages)
    body += approval_progress(view, messages)
    if view.origin is RequestOrigin.BOT and view.status is RequestStatus.PENDING:
        body.append(_origin(view, messages))
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
    body += risk_headline(view, messages)
    body.append(publisher_line(view.publisher, messages, pending=view.details_pending))
    body.append(_timing(view, now, messages))
    body.append(risk_fact_set(view, messages))
    body += scope_section(view.scopes, messages, detail.scopes, detail.scope_descriptions)
    if not view.scopes and view.status is RequestStatus.PENDING:
        body.append(text_block(messages.t("reviewer.no_scopes_hint"), "no-scopes", isSubtle=True))
    if view.requesters or view.started_by is None:  # an admin's review from the log has none
        body += requester_section(view.requesters, messages, detail.requesters)
    return body


def _origin(view: ReviewerCardView, messages: Messages) -> Element:
    """Why the bot holds this request: a user asked it, or an admin started it from the log."""
    if view.started_by is not None:
        hint = messages.t("reviewer.started_from_log_hint", name=safe(view.started_by))
        return callout("accent", "origin", messages.t("reviewer.started_from_log"), hint)
    return callout(
        "accent",
        "origin",
        messages.t("reviewer.asked_through_bot"),
        messages.t("reviewer.asked_through_bot_hint"),
    )


def publisher_line(
    publisher: Publisher | None, messages: Messages, *, pending: bool = False
) -> Element:
    """Who publishes the app, a warning box unless Microsoft verified them.

    ``pending``: the request came with a backlog and its app is still being
    read; the card is edited once it is, so it must not say "not in tenant".
    """
    if pending and publisher is None:
        return text_block(messages.t("reviewer.publisher_checking"), "publisher", isSubtle=True)
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


def waiting_fact(view: ReviewerCardView, now: datetime, messages: Messages) -> tuple[str, str]:
    """How long the request has waited, as a fact row."""
    waited = messages.t(
        "reviewer.waiting_value",
        duration=messages.duration(now - view.first_requested_at),
        date=messages.date(view.first_requested_at),
    )
    return messages.t("reviewer.waiting_label"), waited


def _timing(view: ReviewerCardView, now: datetime, messages: Messages) -> Element:
    if view.status is not RequestStatus.PENDING:
        # A closed request no longer waits; only when it started matters.
        first = messages.date_time(view.first_requested_at)
        return fact_set([(messages.t("reviewer.first_requested_label"), first)], "timing")
    return fact_set(
        [
            waiting_fact(view, now, messages),
            (
                messages.t("reviewer.expires_label"),
                messages.t("reviewer.no_expiry")
                if view.origin is RequestOrigin.BOT
                else _expiry(view.expires_at, now, messages),
            ),
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
