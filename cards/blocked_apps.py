"""The "blocked apps" card: apps people tried to connect and consent stopped, most people first.

Per app: its name, its publisher and whether Microsoft verified it (or that
the tenant does not know it yet), how many distinct people were stopped and
how often, what they saw (request form, no form, consent needed), whether a
consent request exists, and one button: "Open review card" when a request
exists, else "Review here", which unfolds the permissions to review and the
button that starts the review. App names come from whoever registered the
app, so every outside string goes through ``safe``; like the digest, the list
drops detail (shorter names, fewer apps) until it fits its budget.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from cards import verbs
from cards.elements import (
    CARD_BUDGET,
    Element,
    action_set,
    adaptive_card,
    callout,
    card_size,
    container,
    execute,
    fact_set,
    filled_text_input,
    show_card,
    text_block,
)
from cards.text import NAME_LIMIT, SCOPE_LIMIT, clean, safe
from domain.blocked_apps import DEFAULT_DAYS, MAX_DAYS, Situation
from domain.i18n import Messages
from domain.types import Publisher

DAYS_KEY: Final = "days"
"""The period of the list, in days, in every button's ``data`` (a string)."""
APP_ID_KEY: Final = verbs.APP_ID_KEY
SCOPES_INPUT_PREFIX: Final = "blocked_scopes_"
SCOPES_TEXT_LIMIT = 1000
"""The permissions field: 50 exact names fit."""

LIST_BUDGET = 40_000
"""Bytes of the card as UTF-8 JSON, as for the digest: a list to skim."""
ITEMS_SHOWN = 20
"""Apps listed at most: one ``$batch`` reads their publishers."""
BUTTON_NAME_LIMIT = 40
_SEPARATOR = " · "
_SCOPE_NAME = re.compile(r"[A-Za-z0-9._-]+")


def scopes_input_id(app_id: str) -> str:
    """The id of an app's permissions field; its value arrives in ``data`` under it."""
    return f"{SCOPES_INPUT_PREFIX}{app_id}"


@dataclass(frozen=True, slots=True)
class BlockedApp:
    """One app people failed to connect over the period, as the card shows it."""

    app_id: str
    display_name: str
    people: int
    attempts: int
    last_at: datetime
    situations: tuple[Situation, ...]
    publisher: Publisher | None = None
    """None: the app is not in the tenant (or, with ``profile_read`` False, not read)."""
    profile_read: bool = True
    enabled: bool = True
    request_id: str | None = None
    """An open consent request for the app (Entra's or the bot's)."""
    card_here: bool = False
    """That request's reviewer card is already in this conversation."""
    known_scopes: tuple[str, ...] = ()
    """The permissions of the latest request for the app, to start the form with."""


@dataclass(frozen=True, slots=True)
class Notice:
    """What a button did, shown above the list: a Container style, a title, a detail."""

    style: str
    title: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Listing:
    """The list and its context: the period, whether the log is read, where it is shown."""

    apps: Sequence[BlockedApp]
    days: int = DEFAULT_DAYS
    log_read: bool = True
    """False when nothing reads the sign-in log now (proactive help is off)."""
    reviews_here: bool = True
    """Whether this conversation is a review destination, where the buttons post cards."""


@dataclass(frozen=True, slots=True)
class _Fit:
    items: int
    name_limit: int


_FITS = (
    _Fit(ITEMS_SHOWN, NAME_LIMIT),
    _Fit(ITEMS_SHOWN, 60),
    _Fit(ITEMS_SHOWN, 30),
    _Fit(10, 30),
    _Fit(5, 30),
)


def build_blocked_apps_card(
    listing: Listing, messages: Messages, notice: Notice | None = None
) -> Element:
    """The list of ``listing.apps`` in the order given, at most ``ITEMS_SHOWN`` of them."""
    title = messages.t("blocked.title")
    head = [text_block(title, "blocked-title", size="large", weight="bolder", style="heading")]
    if notice is not None:
        details = (notice.detail,) if notice.detail else ()
        head.append(callout(notice.style, "blocked-notice", notice.title, *details))
    head += _context(listing, messages)
    apps = listing.apps
    card: Element = {}
    for fit in _FITS:
        shown = apps[: fit.items]
        body = [*head, *(_item(i, app, listing, messages, fit) for i, app in enumerate(shown))]
        if len(apps) > len(shown):
            more = messages.plural("blocked.more", len(apps) - len(shown))
            body.append(text_block(more, "blocked-more", weight="bolder", separator=True))
        actions = _windows(listing, messages)
        card = adaptive_card(body, fallback_text=title, language=messages.language, actions=actions)
        if _utf8_size(card) <= LIST_BUDGET and card_size(card) <= CARD_BUDGET:
            return card
    return card


def build_blocked_refusal_card(messages: Messages) -> Element:
    """For someone who is not an admin: nothing was read or started."""
    title = messages.t("blocked.refused_title")
    body = [callout("attention", "blocked-refused", title, messages.t("blocked.refused"))]
    return adaptive_card(body, fallback_text=title, language=messages.language)


def _utf8_size(card: Element) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def _context(listing: Listing, messages: Messages) -> list[Element]:
    """The summary (or the empty state), and what stops the log or the buttons working."""
    found: list[Element] = []
    if listing.apps:
        summary = messages.plural("blocked.summary", len(listing.apps), days=listing.days)
        found.append(text_block(summary, "blocked-summary", isSubtle=True, spacing="none"))
    else:
        found.append(text_block(messages.t("blocked.empty", days=listing.days), "blocked-empty"))
    if not listing.log_read:
        found.append(callout("warning", "blocked-log-off", messages.t("blocked.log_off")))
    elif not listing.apps:
        found.append(text_block(messages.t("blocked.log_on"), "blocked-log-on", isSubtle=True))
    if listing.apps and not listing.reviews_here:
        found.append(text_block(messages.t("blocked.not_here"), "blocked-not-here", isSubtle=True))
    return found


def _windows(listing: Listing, messages: Messages) -> list[Element]:
    """A button for the other period: the last 30 days, or back to the last 7."""
    other = MAX_DAYS if listing.days != MAX_DAYS else DEFAULT_DAYS
    return [
        execute(
            messages.t("blocked.show_days", days=other),
            verbs.BLOCKED_APPS_SHOW,
            {DAYS_KEY: str(other)},
            f"blocked-days-{other}",
            with_inputs=False,
        )
    ]


def publisher_text(app: BlockedApp, messages: Messages) -> tuple[str, str | None]:
    """Who publishes the app and whether Microsoft verified them, and the line's colour."""
    if not app.profile_read:
        return messages.t("blocked.publisher_unread"), None
    if app.publisher is None:
        return messages.t("blocked.not_in_tenant"), "warning"
    name = safe(app.publisher.display_name)
    if not name:
        return messages.t("blocked.publisher_unknown"), "attention"
    if app.publisher.verified:
        return messages.t("blocked.publisher_verified", publisher=name), "good"
    return messages.t("blocked.publisher_unverified", publisher=name), "attention"


def _facts(app: BlockedApp, messages: Messages) -> Element:
    seen = _SEPARATOR.join(messages.t(f"blocked.situation.{s.value}") for s in app.situations)
    request = (
        ("blocked.request_open_here" if app.card_here else "blocked.request_open")
        if app.request_id
        else "blocked.request_none"
    )
    attempts = messages.t(
        "blocked.attempts_value", count=app.attempts, last=messages.date_time(app.last_at)
    )
    return fact_set(
        [
            (messages.t("blocked.people_label"), str(app.people)),
            (messages.t("blocked.attempts_label"), attempts),
            (messages.t("blocked.situation_label"), seen or messages.t("blocked.situation_other")),
            (messages.t("blocked.request_label"), messages.t(request)),
        ]
    )


def _item(index: int, app: BlockedApp, listing: Listing, messages: Messages, fit: _Fit) -> Element:
    name = safe(app.display_name, fit.name_limit) or safe(app.app_id)
    publisher, colour = publisher_text(app, messages)
    items = [
        text_block(name, weight="bolder"),
        text_block(publisher, spacing="none", **({"color": colour} if colour else {})),
    ]
    if not app.enabled:
        items.append(text_block(messages.t("blocked.disabled"), color="attention", spacing="none"))
    items.append(_facts(app, messages))
    items.append(action_set([_button(index, app, listing, messages)]))
    return container(items, f"blocked-app-{index}", separator=True, spacing="medium")


def _button(index: int, app: BlockedApp, listing: Listing, messages: Messages) -> Element:
    if app.request_id is not None:
        # The digest's button: the request's full reviewer card, posted here.
        return execute(
            messages.t("blocked.open_card"),
            verbs.SHOW_CARD,
            {verbs.REQUEST_ID_KEY: app.request_id},
            f"blocked-open-{index}",
            with_inputs=False,
        )
    short = safe(app.display_name, BUTTON_NAME_LIMIT) or safe(app.app_id)
    known = _prefill(app.known_scopes)
    field = filled_text_input(
        scopes_input_id(app.app_id),
        messages.t("blocked.scopes_label"),
        messages.t("blocked.scopes_placeholder"),
        known,
        SCOPES_TEXT_LIMIT,
        None,
    )
    start = execute(
        messages.t("blocked.review_go"),
        verbs.BLOCKED_APPS_REVIEW,
        {APP_ID_KEY: app.app_id, DAYS_KEY: str(listing.days)},
        f"blocked-review-go-{index}",
    )
    body = [
        text_block(messages.t("blocked.review_intro", app=short), isSubtle=True),
        text_block(messages.t("blocked.scopes_hint"), isSubtle=True, spacing="small"),
        field,
    ]
    return show_card(messages.t("blocked.review_here"), body, [start], f"blocked-review-{index}")


def _prefill(scopes: Sequence[str]) -> str:
    """The known permissions, whole names only, as many as fit the field.

    Permission names are short identifiers (``Calendars.ReadWrite``); anything
    else is no name to offer, and could only make the card heavy.
    """
    words: list[str] = []
    length = 0
    for scope in scopes:
        if len(scope) > SCOPE_LIMIT:
            continue  # no permission has such a name
        word = clean(scope, SCOPE_LIMIT).replace(" ", "")
        if not _SCOPE_NAME.fullmatch(word) or length + len(word) + 1 > SCOPES_TEXT_LIMIT:
            continue
        words.append(word)
        length += len(word) + 1
    return " ".join(words)
