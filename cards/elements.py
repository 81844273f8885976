"""Small builders for Adaptive Card JSON shared by every card.

Cards stay plain dicts because that is what the Agents SDK sends; these
helpers keep the repeated parts (schema header, wrapping, ids) in one place so
every card has the same header, wraps its text and can be measured against
Teams' size limit the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from cards.text import clean

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


CONTAINER_STYLES = frozenset({"default", "emphasis", "good", "attention", "warning", "accent"})
"""The ``style`` values a Container accepts."""
_TEXT_COLOURS = frozenset({"default", "good", "attention", "warning", "accent"})


def callout(style: str, element_id: str, title: str, *details: str) -> Element:
    """A coloured box with a bold line and its explanation, for warnings and status.

    The words carry the meaning too, so the colour is never the only signal.
    ``style`` is a Container style; the title takes the matching text colour
    (plain text for ``emphasis``, which is a background only).
    """
    colour = style if style in _TEXT_COLOURS else "default"
    return container(
        [
            text_block(title, weight="bolder", color=colour),
            *(text_block(detail, spacing="none") for detail in details),
        ],
        element_id=element_id,
        style=style,
    )


def action_set(actions: Iterable[Element], element_id: str | None = None) -> Element:
    """Buttons inside the body, such as one per item of a list."""
    return _with_id({"type": "ActionSet", "actions": list(actions)}, element_id)


def text_input(
    input_id: str,
    *,
    label: str,
    placeholder: str,
    error_message: str,
    max_length: int,
    multiline: bool = False,
    required: bool = False,
) -> Element:
    """An ``Input.Text``; its value arrives in the action's data under ``input_id``.

    A visible label (not only a placeholder) keeps the field named for screen
    readers once something is typed; ``errorMessage`` is what clients show
    when a required field is left empty.
    """
    return {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "placeholder": placeholder,
        "isMultiline": multiline,
        "isRequired": required,
        "errorMessage": error_message,
        "maxLength": max_length,
    }


def filled_text_input(
    input_id: str, label: str, placeholder: str, value: str, limit: int, error: str | None
) -> Element:
    """An ``Input.Text`` of a form that comes back with what was typed (cleaned) and its error."""
    element: Element = {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "placeholder": placeholder,
        "maxLength": limit,
        "value": clean(value, limit),
    }
    if error:
        element["errorMessage"] = error
    return element


def open_url(title: str, url: str, element_id: str, tooltip: str | None = None) -> Element:
    """A link button."""
    action: Element = {"type": "Action.OpenUrl", "title": title, "url": url, "id": element_id}
    if tooltip is not None:
        action["tooltip"] = tooltip
    return action


def execute(
    title: str,
    verb: str,
    data: Mapping[str, str],
    element_id: str,
    *,
    style: str | None = None,
    tooltip: str | None = None,
    with_inputs: bool = True,
) -> Element:
    """A button that sends an ``adaptiveCard/action`` invoke to the bot.

    The bot reads ``value.action.verb`` and ``value.action.data``; Teams merges
    the values of the card's inputs into ``data``. ``with_inputs=False`` sends
    ``data`` alone, so a button that needs no input is never held back by
    another button's required field.
    """
    action: Element = {
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "data": dict(data),
        "id": element_id,
    }
    if not with_inputs:
        action["associatedInputs"] = "None"
    if style is not None:
        action["style"] = style
    if tooltip is not None:
        action["tooltip"] = tooltip
    return action


def show_card(
    title: str,
    body: Iterable[Element],
    actions: Iterable[Element],
    element_id: str,
    *,
    style: str | None = None,
    tooltip: str | None = None,
) -> Element:
    """A button that unfolds a small card below the actions, for a step such as a form."""
    action: Element = {
        "type": "Action.ShowCard",
        "title": title,
        "id": element_id,
        # Cards inside a ShowCard take their version from the card around them.
        "card": {"type": "AdaptiveCard", "body": list(body), "actions": list(actions)},
    }
    if style is not None:
        action["style"] = style
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
