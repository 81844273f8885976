"""Make outside text safe to show in Adaptive Card text that Teams renders as markdown.

The threat: app names, publisher names and scope descriptions are chosen by
whoever registered the app (any tenant in the world), justifications and
display names by any user. Teams renders ``TextBlock`` text and ``FactSet``
values as markdown, so such text could otherwise
- add a link whose label differs from its target (``[Entra](https://evil)``),
  the classic way to phish a reviewer into a fake consent page;
- fake the card's own layout: bold "verified", headings, lists of harmless
  looking scopes, strikethrough over the real publisher;
- ping people with ``<at>`` mentions, or inject other tags and entities;
- break the layout with newlines and control characters, or reverse text
  with bidi overrides so "moc.evil" reads as "live.com".

Backslash escapes are not relied on: Teams clients have disagreed on them
(some showed the backslashes, some still applied the emphasis). Instead each
syntax character is either replaced by a look-alike that no markdown parser
treats as syntax, or separated from its partner by an invisible WORD JOINER
(U+2060). Both survive any renderer unchanged and keep the text readable.
Bare domains are left alone: an address shown as it is disguises nothing.
"""

from __future__ import annotations

import re

NAME_LIMIT = 120
"""App, publisher, user and channel names; Entra allows 256 but no card needs it."""
SCOPE_LIMIT = 100
"""Scope values are short identifiers; longer ones are hostile."""
DESCRIPTION_LIMIT = 300
REASON_LIMIT = 500

ELLIPSIS = "…"
WORD_JOINER = "\u2060"

# Dropped outright (after whitespace became spaces): control characters,
# lone surrogates (they cannot be encoded), and invisible characters that can
# hide or reorder text: bidi marks, embeddings, overrides and isolates,
# zero-width space, word joiner, BOM. ZWJ and ZWNJ (U+200C/U+200D) stay:
# scripts and emoji sequences need them.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
_WHITESPACE = re.compile(r"\s+")

# One-for-one look-alikes for characters that open markdown or HTML syntax.
_LOOKALIKES = str.maketrans(
    {
        "*": "\u2217",  # ASTERISK OPERATOR: emphasis, bullets, rules
        "~": "\u223c",  # TILDE OPERATOR: strikethrough
        "`": "\u02cb",  # MODIFIER LETTER GRAVE ACCENT: code spans
        "<": "\u2039",  # SINGLE LEFT ANGLE QUOTATION MARK: tags, <at>, autolinks
        ">": "\u203a",  # SINGLE RIGHT ANGLE QUOTATION MARK: quotes, closing tags
    }
)
EDGE_UNDERSCORE = "\uff3f"
"""FULLWIDTH LOW LINE, for an underscore that could open or close emphasis."""

# Pairs that only mean something together get a WORD JOINER between them
# (the pattern matches the empty gap):
# "](" "][" "]:" links and references (also with the one space lenient
# parsers accept), "//" bare URLs, "{{" card template functions such as
# {{DATE(...)}}, and "&" before an entity like "&lt;".
_PAIRS = re.compile(r"(?<=\])(?=\s?[(\[:])|(?<=/)(?=/)|(?<=\{)(?=\{)|(?<=&)(?=[#A-Za-z])")
# Underscore emphasis needs an underscore at a word edge; inside a word
# ("first_last@contoso.com") it is kept so UPNs stay searchable.
_EDGE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# Block syntax only counts at the start of a line, and the text is one line.
_BLOCK_START = re.compile(r"^(?:[#=+\-|]|\d+[.)])")


def clean(text: str | None, limit: int = NAME_LIMIT) -> str:
    """One tidy line: no control or invisible characters, at most ``limit`` long.

    Newlines and tabs become spaces and runs of whitespace collapse, so a
    name cannot push the card apart and no markdown block (heading, list,
    quote) can start mid-text. Over-long text keeps ``limit - 1`` characters
    and ends with an ellipsis so the reader knows something was cut.
    """
    if not text:
        return ""
    spaced = _WHITESPACE.sub(" ", text)  # first: _INVISIBLE also matches \n and \t
    line = _WHITESPACE.sub(" ", _INVISIBLE.sub("", spaced)).strip()
    if len(line) > limit:
        line = line[: max(limit - 1, 0)].rstrip() + ELLIPSIS
    return line


def escape_markdown(line: str) -> str:
    """Neutralise markdown, tags and template syntax in an already cleaned line."""
    escaped = line.translate(_LOOKALIKES)
    escaped = _EDGE_UNDERSCORE.sub(EDGE_UNDERSCORE, escaped)
    escaped = _PAIRS.sub(WORD_JOINER, escaped)
    if _BLOCK_START.match(escaped):
        escaped = WORD_JOINER + escaped
    return escaped


def safe(text: str | None, limit: int = NAME_LIMIT) -> str:
    """Outside text ready for any markdown field of a card: clean, cut, escaped."""
    return escape_markdown(clean(text, limit))
