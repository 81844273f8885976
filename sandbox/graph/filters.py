"""A small OData ``$filter`` parser and evaluator, strict about what it accepts.

Only the clause shapes a route declares are accepted (``appId eq '...'``,
``startswith(displayName,'...')``, ``userConsentRequests/any(u:u/status eq
'InProgress')``...); anything else is a 400, never a silently ignored filter.
Directory "advanced" clauses such as ``appOwnerOrganizationId ne {guid}`` are
accepted only with ``ConsistencyLevel: eventual`` and ``$count=true``, as Graph
requires. String comparisons ignore case, as directory queries do.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sandbox.errors import BadRequest
from sandbox.graph.filter_parser import Node, Parser
from sandbox.graph.odata import GraphRequest, advanced_query

T = TypeVar("T")
_TEXT: dict[str, Callable[[str, str], bool]] = {
    "startswith": str.startswith,
    "endswith": str.endswith,
    "contains": str.__contains__,
}
_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


@dataclass(frozen=True)
class FilterSpec:
    """The clauses a collection supports, written ``"path op"`` (e.g. ``"appId eq"``)."""

    resource: str
    allowed: frozenset[str]
    advanced: frozenset[str] = frozenset()

    @classmethod
    def of(cls, resource: str, *allowed: str, advanced: Sequence[str] = ()) -> FilterSpec:
        return cls(
            resource, frozenset(a.lower() for a in allowed), frozenset(a.lower() for a in advanced)
        )


def _terms(node: Node, variables: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """Every (property path, operator) pair in the tree, lambda variables resolved."""
    if node.op in ("and", "or"):
        return [t for child in node.children for t in _terms(child, variables)]
    if node.op == "not":
        return [("not", ""), *_terms(node.children[0], variables)]
    path = node.path
    if path and path[0] in variables:
        path = variables[path[0]] + path[1:]
    if node.op in ("any", "all"):
        inner = {**variables, node.var: path}
        return [("/".join(path), node.op), *_terms(node.children[0], inner)]
    return [("/".join(path), node.op)]


def _check(req: GraphRequest, spec: FilterSpec, tree: Node) -> None:
    for path, op in _terms(tree, {}):
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
    if node.op in _TEXT:
        if not isinstance(left, str) or not isinstance(right, str):
            return False
        return _TEXT[node.op](left, right)
    if node.op in ("eq", "ne"):
        return bool(left == right) == (node.op == "eq")
    try:
        return bool(_ORDER[node.op](left, right))
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
    tree = Parser(text).parse()
    _check(req, spec, tree)
    return [item for item in items if _evaluate(tree, view(item), {})]
