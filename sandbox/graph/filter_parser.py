"""Tokenizer and recursive-descent parser for the OData ``$filter`` subset.

Produces a small tree of ``Node`` objects; deciding which clauses a resource
supports and evaluating them is ``sandbox.graph.filters``' job. Unquoted GUIDs
are read as strings, including the Playground's 13-digit last group.
DateTimeOffset literals (``2026-12-01T00:00:00Z``, unquoted, with a zone as
OData requires) are read as aware datetimes, so the sign-in log's
``createdDateTime ge ...`` compares instants, not text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.errors import BadRequest

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')"
    r"|(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))"
    r"|(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12,})"
    r"|(?P<number>-?\d+(?:\.\d+)?)(?![\w-])"
    r"|(?P<name>[A-Za-z_][\w.]*)"
    r"|(?P<punct>[(),:/]))"
)
FUNCTIONS = {"startswith", "endswith", "contains"}
_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


class GuidLiteral(str):
    """An unquoted GUID: compared as text, but a resource may refuse it for a string property."""

    __slots__ = ()


def _instant(raw: str) -> datetime:
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"Invalid filter clause: '{raw}' is not a valid DateTimeOffset.") from None


@dataclass(frozen=True)
class Node:
    op: str  # a comparison, a function, "any"/"all", "and"/"or"/"not"
    path: tuple[str, ...] = ()
    value: Any = None
    var: str = ""
    children: tuple[Node, ...] = ()


class Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, Any]] = []
        pos = 0
        while pos < len(text.rstrip()):
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                raise BadRequest(f"Invalid filter clause: unexpected text at '{text[pos:]}'.")
            kind = match.lastgroup or ""
            raw = match.group(kind)
            value: Any = raw
            if kind == "string":
                value = raw[1:-1].replace("''", "'")
            elif kind == "guid":
                value = GuidLiteral(raw)
            elif kind == "datetime":
                value = _instant(raw)
            elif kind == "number":
                value = float(raw) if "." in raw else int(raw)
            elif kind == "name" and raw.lower() in _LITERALS:
                kind, value = "literal", _LITERALS[raw.lower()]
            self.tokens.append(("string" if kind == "guid" else kind, value))
            pos = match.end()
        self.pos = 0

    def peek(self, offset: int = 0) -> tuple[str, Any]:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", None)

    def take(self, kind: str, value: Any = None) -> Any:
        got = self.peek()
        if got[0] != kind or (value is not None and str(got[1]).lower() != value):
            raise BadRequest(f"Invalid filter clause: expected {value or kind}, found {got[1]!r}.")
        self.pos += 1
        return got[1]

    def parse(self) -> Node:
        node = self.expr()
        if self.peek()[0] != "end":
            raise BadRequest(f"Invalid filter clause: unexpected {self.peek()[1]!r}.")
        return node

    def expr(self) -> Node:
        return self._chain("or", self.conjunction)

    def conjunction(self) -> Node:
        return self._chain("and", self.unary)

    def _chain(self, word: str, part: Callable[[], Node]) -> Node:
        items = [part()]
        while self.peek()[0] == "name" and str(self.peek()[1]).lower() == word:
            self.pos += 1
            items.append(part())
        return items[0] if len(items) == 1 else Node(word, children=tuple(items))

    def unary(self) -> Node:
        kind, value = self.peek()
        if kind == "name" and value.lower() == "not":
            self.pos += 1
            return Node("not", children=(self.unary(),))
        if kind == "punct" and value == "(":
            self.pos += 1
            node = self.expr()
            self.take("punct", ")")
            return node
        if kind == "name" and value.lower() in FUNCTIONS and self.peek(1) == ("punct", "("):
            self.pos += 2
            path = self.path()
            self.take("punct", ",")
            literal = self.literal()
            self.take("punct", ")")
            return Node(value.lower(), path, literal)
        path = self.path()
        if self.peek() == ("punct", "/"):
            self.pos += 1
            kind_word = str(self.take("name")).lower()
            if kind_word not in ("any", "all"):
                raise BadRequest(f"Invalid filter clause: unknown function '{kind_word}'.")
            self.take("punct", "(")
            var = str(self.take("name"))
            self.take("punct", ":")
            body = self.expr()
            self.take("punct", ")")
            return Node(kind_word, path, var=var, children=(body,))
        op = str(self.take("name")).lower()
        if op not in _COMPARISONS:
            raise BadRequest(f"Invalid filter clause: unknown operator '{op}'.")
        return Node(op, path, self.literal())

    def path(self) -> tuple[str, ...]:
        parts = [str(self.take("name"))]
        while self.peek() == ("punct", "/") and self.peek(1)[0] == "name":
            if str(self.peek(1)[1]).lower() in ("any", "all") and self.peek(2) == ("punct", "("):
                break
            self.pos += 1
            parts.append(str(self.take("name")))
        return tuple(parts)

    def literal(self) -> Any:
        kind, value = self.peek()
        if kind not in ("string", "number", "literal", "datetime"):
            raise BadRequest(f"Invalid filter clause: expected a value, found {value!r}.")
        self.pos += 1
        return value
