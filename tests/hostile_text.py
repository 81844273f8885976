"""Hostile outside text, and the checks that it reaches a card inert yet still readable.

App names, reasons and other outside text are shown on cards; these samples try
every markdown, mention, template and control-character trick a renderer might
act on. ``assert_inert`` finds what would still act; ``as_read`` turns the
escaped text back into what a person reads, to check nothing was lost.
"""

from __future__ import annotations

import re

from cards.text import EDGE_UNDERSCORE, WORD_JOINER

HOSTILE_APP = "[Click](https://evil.example) **urgent** <at>Megan</at>"
HOSTILE_REASON = (
    "# URGENT\n\n- approve now\n1. [Entra](https://evil.example/consent)\n"
    "> quoted\r\n__bold__ _it_ ~~gone~~ `code` <https://evil.example> [ref][1]\n"
    "[1]: https://evil.example\n{{DATE(2026-01-01T00:00:00Z)}} &lt;at&gt;x&lt;/at&gt;"
    "\u202eoxe.live\u202c\x00\x1b[31m"
)

# What a renderer would need to see to build a link, mention, emphasis or block.
_MARKUP = [
    (re.compile(r"\]\s?[(\[:]"), "link or reference"),
    (re.compile(r"<|>"), "tag, mention or autolink"),
    (re.compile(r"://|//"), "URL"),
    (re.compile(r"\*|~|`"), "emphasis, strikethrough or code"),
    (re.compile(r"(?<![^\W_])_|_(?![^\W_])"), "underscore emphasis"),
    (re.compile(r"\{\{"), "card template function"),
    (re.compile(r"&[#A-Za-z]"), "HTML entity"),
    (re.compile(r"^\s*(?:[#=+\-|]|\d+[.)])", re.MULTILINE), "heading, list or quote"),
    (re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]"), "control character"),
]

_SHOWN_AS = str.maketrans(
    {
        "\u2217": "*",
        "\u223c": "~",
        "\u02cb": "`",
        "\u2039": "<",
        "\u203a": ">",
        EDGE_UNDERSCORE: "_",
    }
)


def assert_inert(text: str) -> None:
    for pattern, what in _MARKUP:
        assert not pattern.search(text), f"{what} survives in {text!r}"


def as_read(text: str) -> str:
    """What a person reads: joiners are invisible and look-alikes look alike."""
    return text.replace(WORD_JOINER, "").translate(_SHOWN_AS)
