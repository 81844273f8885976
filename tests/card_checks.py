"""Checks and lookups over built Adaptive Cards, shared by the unit and integration card tests.

A card is checked against the official Adaptive Card 1.5 schema and walked for
its elements, the element with an id, and every text a client may show.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator

SCHEMA_PATH = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "schemas" / "adaptive-card-1.5.json"
)


@cache
def _validator() -> Draft6Validator:
    if not SCHEMA_PATH.is_file():
        pytest.fail(
            f"Adaptive Card schema not found at {SCHEMA_PATH}: the repository's parent "
            "directory must hold shared/schemas/adaptive-card-1.5.json"
        )
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def validate_card(card: dict[str, Any]) -> None:
    """Fail with every schema error, after taking off Teams' own ``msteams`` key.

    ``msteams`` is Teams-specific and unknown to the schema; only the exact
    expected value is removed, so nothing else can hide behind it.
    """
    assert card.get("msteams") == {"width": "Full"}
    plain = {key: value for key, value in card.items() if key != "msteams"}
    errors = sorted(_validator().iter_errors(plain), key=lambda error: list(error.path))
    details = "\n".join(f"{list(error.path)}: {error.message[:300]}" for error in errors)
    assert not errors, f"card does not match the Adaptive Card 1.5 schema:\n{details}"
    assert card["version"] == "1.5"
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"].startswith("http://adaptivecards.io/schemas/")
    ids = [element["id"] for element in elements(card) if "id" in element]
    assert len(ids) == len(set(ids)), f"duplicate ids: {ids}"


def elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in the card, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from elements(item)


def shown_texts(card: dict[str, Any]) -> list[str]:
    """Every string a client may render as markdown or speak."""
    texts = [card["fallbackText"]]
    for element in elements(card):
        kind = element.get("type", "")
        if kind in {"TextBlock", "TextRun"}:
            texts.append(element["text"])
        elif kind == "FactSet":
            texts += [part for fact in element["facts"] for part in (fact["title"], fact["value"])]
        elif kind.startswith("Action."):
            texts += [element.get("title", ""), element.get("tooltip", "")]
    return texts


def by_id(card: dict[str, Any], element_id: str) -> dict[str, Any]:
    """The one element with ``element_id``."""
    found = [element for element in elements(card) if element.get("id") == element_id]
    assert len(found) == 1, f"expected one element with id {element_id!r}, found {len(found)}"
    return found[0]


def all_text(node: dict[str, Any]) -> str:
    """The shown text under ``node`` joined with newlines, for ``in`` checks."""
    return "\n".join(shown_texts({"fallbackText": "", **node})[1:])
