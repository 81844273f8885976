"""One card for a burst of new requests, instead of a card each.

When many requests arrive at once (a backlog on first install, an app
rolled out to a whole department), a card per request would bury the
conversation. The digest lists them compactly instead: the app, a one-line
risk summary, a line on who asked and how long it has waited, and a button
per request that brings its full reviewer card, where the decisions are.
Each entry is kept to four elements so that 40 fit well under the budget.

Every string that comes from outside goes through ``cards.text.safe``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cards import verbs
from cards.elements import (
    CARD_BUDGET,
    Element,
    action_set,
    adaptive_card,
    card_size,
    container,
    execute,
    text_block,
)
from cards.text import NAME_LIMIT, safe
from domain.i18n import Messages

DIGEST_BUDGET = 40_000
"""Bytes of the card as UTF-8 JSON: the digest is a list to skim, not the place for detail.

The card must also stay within ``CARD_BUDGET`` as ``card_size`` counts it
(UTF-16 or escaped, whichever is larger), which this budget nearly implies.
"""

ITEMS_SHOWN = 40
"""Requests listed at most; the rest are counted and left to Entra."""

NAMES_SHOWN = 2
"""Requesters named per request before the rest are counted (three if exactly three)."""

_SEPARATOR = " · "


@dataclass(frozen=True, slots=True)
class DigestItem:
    """What the digest shows of one request.

    ``publisher_verified`` is ``None`` when the app is not in the tenant yet;
    ``requesters`` are display names in the order they should be named.
    """

    request_id: str
    app_display_name: str
    publisher_verified: bool | None  # None = not in the tenant
    needs_admin: int
    unknown_scopes: int
    scope_count: int
    requesters: tuple[str, ...]
    first_requested_at: datetime
    listed: int = 0
    """Permissions on the admins' high-risk list."""
    offline_access: bool = False
    user_grants: int | None = None
    """People here who already granted the app something (None: not known)."""
    publisher_pending: bool = False
    """The publisher was still being read when the digest was posted (a backlog's first one).

    The digest is not edited; its line points to the full card, which is.
    """


@dataclass(frozen=True, slots=True)
class _Fit:
    items: int
    name_limit: int


# Ordinary names fit 40 requests in the first level; only long or heavily
# escaped names (each costs up to twelve bytes a character) need the others.
# The last fits whatever the input, as every text is capped.
_FITS = (
    _Fit(ITEMS_SHOWN, NAME_LIMIT),
    _Fit(ITEMS_SHOWN, 60),
    _Fit(ITEMS_SHOWN, 30),
    _Fit(30, 30),
    _Fit(20, 30),
    _Fit(10, 30),
)


def build_digest_card(items: Sequence[DigestItem], now: datetime, messages: Messages) -> Element:
    """A compact list of ``items`` in the order given, with a "Show full card" button each.

    At most ``ITEMS_SHOWN`` are listed (fewer only if their names are too
    long to fit ``DIGEST_BUDGET``); the rest are counted.
    """
    title = messages.plural("digest.title", len(items))
    head = [
        text_block(title, "digest-title", size="medium", weight="bolder", style="heading"),
        text_block(messages.t("digest.intro"), "digest-intro", isSubtle=True, spacing="none"),
    ]
    card: Element = {}
    for fit in _FITS:
        shown = items[: fit.items]
        body = [*head, *(_item(i, item, now, messages, fit) for i, item in enumerate(shown))]
        hidden = len(items) - len(shown)
        if hidden:
            more = messages.plural("digest.more", hidden)
            body.append(text_block(more, "digest-more", weight="bolder", separator=True))
        card = adaptive_card(body, fallback_text=title, language=messages.language)
        if digest_size(card) <= DIGEST_BUDGET and card_size(card) <= CARD_BUDGET:
            return card
    return card


def digest_size(card: Element) -> int:
    """The card's size on the wire as UTF-8 JSON, spaces included as ``json.dumps`` writes them."""
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


def _item(index: int, item: DigestItem, now: datetime, messages: Messages, fit: _Fit) -> Element:
    app = safe(item.app_display_name, fit.name_limit) or messages.t("digest.unnamed_app")
    risk, colour = risk_line(item, messages)
    waiting = messages.t(
        "digest.waiting", duration=messages.duration(now - item.first_requested_at)
    )
    who = asked_by(item.requesters, messages, fit.name_limit)
    # The card has no inputs, so the button sends its data alone anyway.
    show = execute(
        messages.t("digest.show"),
        verbs.SHOW_CARD,
        {verbs.REQUEST_ID_KEY: item.request_id},
        f"digest-show-{index}",
    )
    return container(
        [
            text_block(app, weight="bolder"),
            text_block(risk, spacing="none", **({"color": colour} if colour else {})),
            text_block(_SEPARATOR.join((who, waiting)), spacing="none", isSubtle=True),
            action_set([show]),
        ],
        f"digest-item-{index}",
        separator=True,
    )


def risk_line(item: DigestItem, messages: Messages) -> tuple[str, str | None]:
    """The publisher and the riskiest permission counts in one line, and its colour.

    Permissions that need an admin and unknown ones are counted when there
    are any; otherwise the line gives the number of permissions. The words
    carry the meaning; the colour only repeats it.
    """
    colour: str | None
    if item.publisher_pending and item.publisher_verified is None:
        parts, colour = [messages.t("digest.risk.checking")], None
    elif item.publisher_verified is None:
        parts, colour = [messages.t("digest.risk.not_in_tenant")], "warning"
    elif item.publisher_verified:
        parts, colour = [messages.t("digest.risk.verified")], None
    else:
        parts, colour = [messages.t("digest.risk.unverified")], "attention"
    if item.listed > 0:
        parts.append(messages.plural("digest.risk.listed", item.listed))
        colour = "attention"
    if item.needs_admin > 0:
        parts.append(messages.plural("digest.risk.admin", item.needs_admin))
    if item.unknown_scopes > 0:
        parts.append(messages.plural("digest.risk.unknown", item.unknown_scopes))
    if item.needs_admin <= 0 and item.unknown_scopes <= 0 and item.listed <= 0:
        parts.append(messages.plural("digest.risk.scopes", max(item.scope_count, 0)))
    elif colour is None:
        colour = "warning"
    if item.offline_access:
        parts.append(messages.t("digest.risk.offline"))
    if item.user_grants:
        parts.append(messages.plural("digest.risk.grants", item.user_grants))
    return _SEPARATOR.join(parts), colour


def asked_by(requesters: Sequence[str], messages: Messages, name_limit: int = NAME_LIMIT) -> str:
    """The first requesters by name, then a count of the rest ("and 3 more").

    Three people are all named, as "and 1 more" would say no less. Names
    that are blank once cleaned are counted, never shown as gaps.
    """
    total = len(requesters)
    if total == 0:
        return messages.t("digest.asked_none")
    wanted = 3 if total == 3 else NAMES_SHOWN
    shown: list[str] = []
    for person in requesters:  # hundreds may have asked; clean only the names shown
        name = safe(person, name_limit)
        if name:
            shown.append(name)
            if len(shown) == wanted:
                break
    hidden = total - len(shown)
    if not shown:
        return messages.plural("digest.asked_count", total)
    fields = dict(zip(("first", "second", "third"), shown, strict=False))
    if hidden:
        return messages.plural(f"digest.asked_more_{len(shown)}", hidden, **fields)
    return messages.t(f"digest.asked.{len(shown)}", **fields)
