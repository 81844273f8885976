"""Small builders for Adaptive Card JSON shared by every card.

Cards stay plain dicts because that is what the Agents SDK sends; these
helpers keep the repeated parts (schema header, wrapping, ids) in one place so
every card has the same header, wraps its text and can be measured against
Teams' size limit the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
"""The newest version Teams renders."""

CARD_BUDGET = 80_000
"""Teams refuses bot messages near 100 KB (counted in UTF-16) and advises
staying under 80 KB; the card is nearly all of the message."""

Element = dict[str, Any]


def adaptive_card(
    body: Iterable[Element],
    *,
    fallback_text: str,
    language: str,
    actions: Iterable[Element] = (),
) -> Element:
    """A top-level 1.5 card, full width in Teams, in the reader's language.

    ``fallbackText`` is what older clients and notifications show instead of
    the card; ``lang`` lets screen readers pick the right voice.
    """
    card: Element = {
        "$schema": SCHEMA_URL,
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "lang": language,
        "fallbackText": fallback_text,
        "body": list(body),
        # Teams-only: without it cards in channels are squeezed to a narrow
        # column. The schema does not know this key.
        "msteams": {"width": "Full"},
    }
    action_list = list(actions)
    if action_list:
        card["actions"] = action_list
    return card


def _with_id(element: Element, element_id: str | None) -> Element:
    # Stable ids let tests, the bot and screen-reader landmarks find a part of
    # the card without depending on its position.
    if element_id is not None:
        element["id"] = element_id
    return element


def text_block(text: str, element_id: str | None = None, **props: object) -> Element:
    """A wrapping TextBlock; ``text`` must already be safe markdown."""
    return _with_id({"type": "TextBlock", "text": text, "wrap": True, **props}, element_id)


def container(items: Iterable[Element], element_id: str | None = None, **props: object) -> Element:
    """A Container around ``items``."""
    return _with_id({"type": "Container", "items": list(items), **props}, element_id)


def columns(*cells: tuple[Element, str], element_id: str | None = None) -> Element:
    """A ColumnSet of one element per column, each with its width."""
    return _with_id(
        {
            "type": "ColumnSet",
            "columns": [
                {"type": "Column", "width": width, "items": [item]} for item, width in cells
            ],
        },
        element_id,
    )


def fact_set(facts: Iterable[tuple[str, str]], element_id: str | None = None) -> Element:
    """A FactSet of ``(title, value)`` pairs; both must already be safe."""
    return _with_id(
        {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in facts]},
        element_id,
    )


def callout(style: str, element_id: str, title: str, detail: str) -> Element:
    """A coloured box with a bold line and an explanation, for warnings and status.

    The words carry the meaning too, so the colour is never the only signal.
    """
    return container(
        [
            text_block(title, weight="bolder", color=style),
            text_block(detail, spacing="none"),
        ],
        element_id=element_id,
        style=style,
    )


def open_url(title: str, url: str, element_id: str, tooltip: str | None = None) -> Element:
    """A link button; the only kind of action cards carry for now."""
    action: Element = {"type": "Action.OpenUrl", "title": title, "url": url, "id": element_id}
    if tooltip is not None:
        action["tooltip"] = tooltip
    return action


def card_size(card: Element) -> int:
    """A size to compare with ``CARD_BUDGET`` that never underestimates.

    Teams counts UTF-16 bytes; a client that escapes non-ASCII as ``\\uXXXX``
    sends up to six bytes per character. Whichever is larger counts.
    """
    escaped = len(json.dumps(card))
    utf16 = len(json.dumps(card, ensure_ascii=False).encode("utf-16-le"))
    return max(escaped, utf16)
