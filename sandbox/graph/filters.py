"""A small OData ``$filter`` parser and evaluator, strict about what it accepts.

Only the clause shapes a route declares are accepted (``appId eq '...'``,
``startswith(displayName,'...')``, ``userConsentRequests/any(u:u/status eq
'InProgress')``...); anything else is a 400, never a silently ignored filter.
Directory "advanced" clauses such as ``appOwnerOrganizationId ne {guid}`` are
accepted only with ``ConsistencyLevel: eventual`` and ``$count=true``, as Graph
requires. String comparisons ignore case, as directory queries do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sandbox.errors import BadRequest
from sandbox.graph.odata import GraphRequest, advanced_query

T = TypeVar("T")
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')"
    r"|(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12,})"
    r"|(?P<number>-?\d+(?:\.\d+)?)(?![\w-])"
    r"|(?P<name>[A-Za-z_][\w.]*)"
    r"|(?P<punct>[(),:/]))"
)
_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCTIONS = {"startswith", "endswith", "contains"}
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class Node:
    op: str  # a comparison, a function, "any"/"all", "and"/"or"/"not"
    path: tuple[str, ...] = ()
    value: Any = None
    var: str = ""
    children: tuple[Node, ...] = ()


class _Parser:
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
        if kind == "name" and value.lower() in _FUNCTIONS and self.peek(1) == ("punct", "("):
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
        if kind not in ("string", "number", "literal"):
            raise BadRequest(f"Invalid filter clause: expected a value, found {value!r}.")
        self.pos += 1
        return value


@dataclass(frozen=True)
class FilterSpec:
    """The clauses a collection supports, written ``"path op"`` (e.g. ``"appId eq"``)."""

    resource: str
    allowed: frozenset[str]
    advanced: frozenset[str] = frozenset()

    @classmethod
    def of(cls, resource: str, *allowed: str, advanced: Sequence[str] = ()) -> FilterSpec:
        return cls(resource, frozenset(a.lower() for a in allowed), frozenset(a.lower() for a in advanced))


def _terms(node: Node, prefix: tuple[str, ...], variables: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    if node.op in ("and", "or"):
        return [t for child in node.children for t in _terms(child, prefix, variables)]
    if node.op == "not":
        return [("not", "")] + _terms(node.children[0], prefix, variables)
    path = node.path
    if path and path[0] in variables:
        path = variables[path[0]] + path[1:]
    if node.op in ("any", "all"):
        inner = {**variables, node.var: path}
        return [("/".join(path), node.op)] + _terms(node.children[0], prefix, inner)
    return [("/".join(path), node.op)]


def _check(req: GraphRequest, spec: FilterSpec, tree: Node) -> None:
    for path, op in _terms(tree, (), {}):
        term = f"{path} {op}".strip().lower()
        if term in spec.allowed:
            continue
        message = (
            f"Unsupported or invalid query filter clause specified for property '{path or op}' "
            f"of resource '{spec.resource}'."
        )
        if term in spec.advanced:
            if advanced_query(req):
                continue
            raise BadRequest(
                message + " It needs the ConsistencyLevel: eventual header and $count=true.",
                code="Request_UnsupportedQuery",
            )
        raise BadRequest(message)


def _resolve(path: tuple[str, ...], item: Any, env: dict[str, Any]) -> Any:
    current = env[path[0]] if path[0] in env else (item or {}).get(path[0])
    for part in path[1:]:
        current = current.get(part) if isinstance(current, dict) else None
    return current


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _evaluate(node: Node, item: Any, env: dict[str, Any]) -> bool:
    if node.op == "and":
        return all(_evaluate(c, item, env) for c in node.children)
    if node.op == "or":
        return any(_evaluate(c, item, env) for c in node.children)
    if node.op == "not":
        return not _evaluate(node.children[0], item, env)
    actual = _resolve(node.path, item, env)
    if node.op in ("any", "all"):
        members = actual if isinstance(actual, list) else []
        test = any if node.op == "any" else all
        return test(_evaluate(node.children[0], item, {**env, node.var: m}) for m in members)
    left, right = _fold(actual), _fold(node.value)
    if node.op in _FUNCTIONS:
        if not isinstance(left, str) or not isinstance(right, str):
            return False
        return {"startswith": left.startswith, "endswith": left.endswith,
                "contains": left.__contains__}[node.op](right)  # fmt: skip
    if node.op in ("eq", "ne"):
        return (left == right) == (node.op == "eq")
    try:
        return bool({"gt": left > right, "ge": left >= right, "lt": left < right,
                     "le": left <= right}[node.op])  # fmt: skip
    except TypeError:
        return False


def apply_filter(
    req: GraphRequest, spec: FilterSpec, items: Sequence[T], view: Callable[[T], dict[str, Any]]
) -> list[T]:
    """Keep the items matching ``$filter`` (all of them when there is none)."""
    text = req.query.get("$filter")
    if text is None:
        return list(items)
    if not text.strip():
        raise BadRequest("Invalid filter clause: the filter is empty.")
    tree = _Parser(text).parse()
    _check(req, spec, tree)
    return [item for item in items if _evaluate(tree, view(item), {})]
