"""Refuse any Graph request that Graph's own metadata does not describe.

The sandbox answers only what the bot needs, and a test that passes against it
must not fail against Graph because a path segment, a ``$select`` property or
a body key exists only in our imagination. ``check`` walks a request's path,
query options and JSON body against ``GraphMetadata`` and reports every
violation in Graph's own wording, the type the path addresses, and the
properties accepted only because their type is open (``OpenType="true"``):
Graph returns those when it has them, but its metadata promises nothing, so a
client relying on one should know it does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sandbox.graph.metadata import JSON_TYPE, GraphMetadata, Member, Operation, TypeRef

_OPTIONS = frozenset(
    {"$select", "$filter", "$expand", "$orderby", "$top", "$skip", "$count", "$search"}
    | {"$skiptoken", "$deltatoken", "$format"}
)
_NESTED = frozenset({"$select", "$filter", "$expand", "$orderby", "$top", "$skip", "$count"}) | {
    "$search",
    "$levels",
}
_OPERATORS_AND_LITERALS = """
    eq ne gt ge lt le and or not in has add sub mul div divby mod asc desc
    true false null inf -inf nan $it $this $root
"""
_CANONICAL_FUNCTIONS = """
    contains endswith startswith length indexof substring matchespattern tolower toupper trim
    concat year month day hour minute second fractionalseconds totalseconds date time now
    totaloffsetminutes mindatetime maxdatetime round floor ceiling isof cast hassubset
    hassubsequence case geo.distance geo.intersects geo.length any all
"""
_WORDS = frozenset(_OPERATORS_AND_LITERALS.split())
_FUNCTIONS = frozenset(_CANONICAL_FUNCTIONS.split())
_TOKEN = re.compile(
    r"""(?P<space>\s+)
    | (?P<string>'(?:[^']|'')*')
    | (?P<typed>[A-Za-z_][\w.]*'(?:[^']|'')*')
    | (?P<guid>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b)
    | (?P<date>\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?)
    | (?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)
    | (?P<number>-?(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?|INF\b))
    | (?P<path>(?:[$@]?[A-Za-z_][\w.]*|\*)(?:/(?:\$?[A-Za-z_][\w.]*|\*))*)
    | (?P<punct>[(),:\[\]{}])""",
    re.VERBOSE,
)
_FORMATS = {
    "Edm.Guid": re.compile(r"[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}"),
    "Edm.DateTimeOffset": re.compile(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?"
    ),
    "Edm.Date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "Edm.Duration": re.compile(r"-?P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?"),
    "Edm.TimeOfDay": re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"),
}
_STRINGS = frozenset({"Edm.String", "Edm.Binary", *_FORMATS})
_INTEGERS = frozenset({"Edm.Byte", "Edm.SByte", "Edm.Int16", "Edm.Int32", "Edm.Int64"})
_DECIMALS = frozenset({"Edm.Double", "Edm.Single", "Edm.Decimal"})
_SPECIAL = ("$batch", "$metadata")


@dataclass(frozen=True, slots=True)
class Violation:
    """One thing Graph would refuse: where it is, the offending name, Graph's sentence."""

    where: str  # "path", "$select", "$filter", "$expand", "$orderby", "query" or "body"
    name: str
    message: str


@dataclass(frozen=True, slots=True)
class ContractCheck:
    """What the metadata says of one request; no violations means Graph would accept it."""

    violations: tuple[Violation, ...] = ()
    resolved_type: str | None = None
    is_collection: bool = False
    open_properties: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True, slots=True)
class _Target:
    """What the path addresses so far."""

    type: str
    collection: bool
    via_navigation: bool = False
    operation: Operation | None = None
    ref: bool = False
    done: bool = False  # $count, $value, $ref or an action: nothing may follow
    counted: str = ""  # for $count, the type its $filter and $search apply to


def check(
    method: str,
    path: str,
    query: Mapping[str, str],
    body: object | None,
    *,
    metadata: GraphMetadata | None = None,
) -> ContractCheck:
    """Check a request; ``path`` is what follows the version, percent-decoded."""
    checker = _Checker(metadata or GraphMetadata.load())
    target = checker.path(path)
    checker.query(target, query)
    if target is not None and method.upper() in ("POST", "PATCH", "PUT") and body is not None:
        checker.body(method.upper(), target, body)
    return ContractCheck(
        violations=tuple(checker.violations),
        resolved_type=target.type if target is not None and target.type else None,
        is_collection=target.collection if target is not None else False,
        open_properties=tuple(checker.opens),
    )


def _not_found(segment: str) -> str:
    return f"Resource not found for the segment '{segment}'."


def _no_property(name: str, type_name: str) -> str:
    return f"Could not find a property named '{name}' on type '{type_name}'."


def _unconvertible(value: object, type_name: str) -> str:
    return f"Cannot convert the literal '{value}' to the expected type '{type_name}'."


def _split(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside parentheses and quoted strings."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and char == separator:
            parts.append(text[start:index])
            start = index + 1
    return [*parts, text[start:]]


def _call(text: str) -> tuple[str, str | None]:
    """``name(args)`` -> (name, args); a segment without parentheses has args None."""
    found = re.fullmatch(r"([^()']*)\((.*)\)", text, re.DOTALL)
    return (found.group(1), found.group(2)) if found else (text, None)


def _arguments(args: str) -> list[tuple[str | None, str]] | None:
    """Key or function arguments: ``'x'`` or ``a='x',b=2``; None when one is empty."""
    found: list[tuple[str | None, str]] = []
    for part in _split(args, ","):
        named = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*=\s*(.+?)\s*", part, re.DOTALL)
        if named:
            found.append((named.group(1), named.group(2)))
        elif part.strip():
            found.append((None, part.strip()))
        else:
            return None
    return found


class _Checker:
    """One request's walk; collects violations and open-type properties as it goes."""

    def __init__(self, metadata: GraphMetadata) -> None:
        self.md = metadata
        self.violations: list[Violation] = []
        self.opens: dict[tuple[str, str], None] = {}

    def refuse(self, where: str, name: str, message: str) -> None:
        self.violations.append(Violation(where, name, message))

    # --- path -------------------------------------------------------------------------

    def path(self, path: str) -> _Target | None:
        segments = path.removeprefix("/").split("/")
        if segments[-1] == "":
            segments.pop()  # one trailing "/" is tolerated, as Graph does
        if not segments:
            return _Target("", False, done=True)  # the service document
        target = self.first(segments[0])
        for segment in segments[1:]:
            if target is None:
                return None
            if target.done or not segment:
                self.refuse("path", segment, _not_found(segment))
                return None
            target = self.next(target, segment)
        return target

    def first(self, segment: str) -> _Target | None:
        name, args = _call(segment)
        if segment.lower() in _SPECIAL:
            return _Target("", False, done=True)
        source = self.md.source(name)
        if source is not None:
            target = _Target(source.type, source.collection)
            return target if args is None else self.key(target, segment, args)
        operations = self.md.unbound(name)
        if operations:
            return self.operation(operations, segment, args, via_navigation=False)
        self.refuse("path", segment, _not_found(segment))
        return None

    def next(self, target: _Target, segment: str) -> _Target | None:
        lowered = segment.lower()
        structured = self.md.type_of(target.type)
        if lowered == "$ref" and target.via_navigation and structured and structured.entity:
            return _Target(target.type, target.collection, ref=True, done=True)
        if lowered == "$count" and target.collection:
            return _Target("Edm.Int32", False, done=True, counted=target.type)
        streamed = structured is None or structured.has_stream
        if lowered == "$value" and not target.collection and streamed:
            return _Target("Edm.Stream", False, done=True)
        name, args = _call(segment)
        if structured is not None and "." in name:
            cast = self.md.type_of(name)
            if cast is not None and args is None:
                related = self.md.is_a(cast.name, target.type) or self.md.is_a(
                    target.type, cast.name
                )
                if related:
                    return _Target(cast.name, target.collection, target.via_navigation)
        member = self.md.member(target.type, name) if not target.collection else None
        if member is not None:
            found = _Target(member.type.name, member.type.collection, member.navigation)
            return found if args is None else self.key(found, segment, args)
        operations = self.md.bound(name, target.type, target.collection)
        if operations:
            return self.operation(operations, segment, args, target.via_navigation)
        keyed = structured is not None and structured.entity and target.collection
        if keyed and not name.lower().startswith(("microsoft.graph.", "graph.", "$")):
            return _Target(target.type, False, target.via_navigation)  # an opaque key
        self.refuse("path", segment, _not_found(segment))
        return None

    def key(self, target: _Target, segment: str, args: str) -> _Target | None:
        """``users('id')``, ``users(id='id')`` or a declared alternate key."""
        structured = self.md.type_of(target.type)
        parts = _arguments(args) if args.strip() else None
        if structured is not None and structured.entity and target.collection and parts:
            names = [n for n, _ in parts]
            if all(n is None for n in names):
                accepted = len(parts) == 1
            else:
                wanted = {n.lower() for n in names if n is not None}
                accepted = None not in names and any(
                    wanted == {k.lower() for k in key} for key in self.md.keys(target.type)
                )
            if accepted:
                return _Target(target.type, False, target.via_navigation)
        self.refuse("path", segment, _not_found(segment))
        return None

    def operation(
        self,
        operations: tuple[Operation, ...],
        segment: str,
        args: str | None,
        via_navigation: bool,
    ) -> _Target | None:
        chosen = operations[0]
        if args is not None and args.strip():
            parts = _arguments(args)
            known = {p for op in operations for p in op.parameters}
            unknown = [n for n, _ in parts or [(None, "")] if n is None or n.lower() not in known]
            if chosen.action or unknown:
                self.refuse("path", segment, _not_found(segment))
                return None
        returns = chosen.returns
        if returns is None:
            return _Target("", False, operation=chosen, done=True)
        return _Target(returns.name, returns.collection, via_navigation, chosen, done=chosen.action)

    # --- query options ----------------------------------------------------------------

    def query(self, target: _Target | None, query: Mapping[str, str]) -> None:
        type_name = (target.counted or target.type) if target is not None else ""
        structured = type_name if self.md.type_of(type_name) is not None else None
        for key, value in query.items():
            if not key.startswith("$"):
                continue  # custom query parameters are the service's business
            if key.lower() not in _OPTIONS:
                self.refuse("query", key, f"The query parameter '{key}' is not supported.")
            else:
                self.option(structured, key, value, "")

    def option(self, type_name: str | None, key: str, value: str, within: str) -> None:
        option = key.lower()
        where = within or option
        if option in ("$top", "$skip") and not value.strip().isdigit():
            self.refuse(
                within or "query",
                key,
                f"Invalid value '{value}' for {key} query option found. "
                f"The {key} query option requires a non-negative integer value.",
            )
        elif option == "$count" and value.strip().lower() not in ("true", "false"):
            self.refuse(within or "query", key, f"'{value}' is not a valid count option.")
        elif type_name is None:
            return
        elif option == "$select":
            self.select(type_name, value, where)
        elif option == "$expand":
            self.expand(type_name, value)
        elif option == "$filter":
            self.expression(type_name, value, where)
        elif option == "$orderby":
            for item in _split(value, ","):
                words = item.split()
                if words and words[-1].lower() in ("asc", "desc"):
                    words.pop()
                self.expression(type_name, " ".join(words), where)

    def select(self, type_name: str, value: str, where: str) -> None:
        if not value.strip():
            return  # an empty $select selects the default properties
        for item in _split(value, ","):
            name = _call(item.strip())[0]
            if name == "*" or name.endswith(".*"):
                continue
            segments = name.split("/")
            if not name or not all(segments):
                message = f"Term '{name}' is not valid in a $select or $expand expression."
                self.refuse(where, name, message)
            elif not (len(segments) == 1 and "." in name and self.md.bound(name, type_name, False)):
                self.walk(type_name, segments, where)

    def expand(self, type_name: str, value: str) -> None:
        for item in _split(value, ","):
            name, options = _call(item.strip())
            navigation = self.navigation(type_name, name.split("/"))
            if navigation is None or not options:
                continue
            for pair in _split(options, ";"):
                key, _, nested = pair.partition("=")
                if key.strip().lower() in _NESTED:
                    self.option(navigation.type.name, key.strip(), nested, "$expand")
                else:
                    self.refuse("$expand", key, f"The query parameter '{key}' is not supported.")

    def navigation(self, type_name: str, segments: list[str]) -> Member | None:
        """The navigation property an ``$expand`` item names (after casts, before ``$ref``)."""
        current, found = type_name, None
        for segment in segments:
            if segment == "*" or (found and segment.lower() in ("$ref", "$count")):
                continue
            if found is not None:
                self.refuse("$expand", segment, _no_property(segment, found.type.name))
                return None
            cast = self.md.type_of(segment) if "." in segment else None
            if cast is not None:
                current = cast.name
                continue
            found = self.find(current, segment, "$expand", open_ok=False)
            if found is None:
                return None
            if not found.navigation:
                self.refuse(
                    "$expand",
                    segment,
                    f"Property '{segment}' on type '{current}' is not a navigation property "
                    "or complex property. Only navigation properties can be expanded.",
                )
                return None
        return found

    def find(self, type_name: str, name: str, where: str, *, open_ok: bool = True) -> Member | None:
        """A member of the type or of a derived type; on an open type anything (recorded)."""
        member = self.md.member(type_name, name) or self.md.derived_member(type_name, name)
        if member is None and open_ok and self.md.is_open(type_name):
            self.opens[(self.md.lineage(type_name)[0].name, name)] = None
            return Member(name, TypeRef(""))
        if member is None:
            self.refuse(where, name, _no_property(name, type_name))
        return member

    def walk(self, type_name: str, segments: list[str], where: str) -> TypeRef | None:
        """A property path (``a/b``, casts, ``$count``); None once it cannot be followed."""
        current = TypeRef(type_name)
        for segment in segments:
            if not current.name:
                return current  # below an open-type property nothing is known
            if segment.lower() == "$count" and current.collection:
                current = TypeRef("Edm.Int32")
                continue
            cast = self.md.type_of(segment) if "." in segment else None
            if cast is not None:
                current = TypeRef(cast.name, current.collection)
                continue
            if self.md.type_of(current.name) is None:
                self.refuse(where, segment, _no_property(segment, current.name))
                return None
            member = self.find(current.name, segment, where)
            if member is None:
                return None
            current = member.type
        return current

    def expression(self, type_name: str, text: str, where: str) -> None:
        """Every property a ``$filter`` (or ``$orderby``) expression names must exist."""
        tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            found = _TOKEN.match(text, position)
            if found is None:
                message = f"Syntax error at position {position} in '{text}'."
                self.refuse(where, text[position:], message)
                return
            if found.lastgroup != "space":
                tokens.append((found.lastgroup or "", found.group()))
            position = found.end()
        self.tokens(type_name, tokens, where)

    def tokens(self, type_name: str, tokens: list[tuple[str, str]], where: str) -> None:
        scopes: list[tuple[str, TypeRef | None, int]] = []  # lambda variable, its type, depth
        depth, index = 0, 0
        while index < len(tokens):
            kind, value = tokens[index]
            following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
            index += 1
            if value in ("(", ")"):
                depth += 1 if value == "(" else -1
                scopes = [s for s in scopes if s[2] <= depth]
                continue
            if kind != "path" or value.lower() in _WORDS or value.startswith("@"):
                continue
            segments = value.split("/")
            last = segments[-1].lower()
            if following == "(" and len(segments) > 1 and last in ("any", "all"):
                collection = self.operand(type_name, segments[:-1], scopes, where)
                variable = tokens[index + 1 : index + 3]
                if len(variable) == 2 and variable[1][1] == ":" and "/" not in variable[0][1]:
                    element = collection.element if collection else None
                    depth += 1
                    scopes.append((variable[0][1], element, depth))
                    index += 3
                continue
            if following == "(" and len(segments) == 1:
                if last not in _FUNCTIONS:
                    self.refuse(
                        where,
                        value,
                        f"An unknown function with name '{value}' was found. This may also be a "
                        "function import or a key lookup on a navigation property, which is not "
                        "allowed.",
                    )
                continue
            self.operand(type_name, segments, scopes, where)

    def operand(
        self,
        type_name: str,
        segments: list[str],
        scopes: list[tuple[str, TypeRef | None, int]],
        where: str,
    ) -> TypeRef | None:
        if segments[0].lower() == "$it":  # the resource being filtered, as in the outer scope
            return self.walk(type_name, segments[1:], where) if len(segments) > 1 else None
        variable = next((s for s in reversed(scopes) if s[0] == segments[0]), None)
        if variable is None:
            return self.walk(type_name, segments, where)
        if variable[1] is None or len(segments) == 1:
            return variable[1]
        return self.walk(variable[1].name, segments[1:], where)

    # --- body -------------------------------------------------------------------------

    def body(self, method: str, target: _Target, body: object) -> None:
        """An action's parameters, or the entity a POST creates or a PATCH or PUT changes."""
        if target.operation is not None:
            if isinstance(body, dict):
                self.parameters(target.operation, body)
            else:
                self.refuse("body", "", "The request body must be a JSON object.")
            return
        if target.ref or self.md.type_of(target.type) is None:
            return  # $ref, $value, $batch (each of its requests is checked on its own)
        if (method == "POST") != target.collection:
            return  # not a write of this type; which methods a path allows is not checked here
        if isinstance(body, dict):
            self.structure(target.type, body, "")
        else:
            self.refuse("body", "", "The request body must be a JSON object.")

    def parameters(self, operation: Operation, body: dict[object, object]) -> None:
        for key, value in body.items():
            name = str(key)
            if name.startswith("@"):
                continue
            parameter = operation.parameters.get(name.lower())
            if parameter is None:
                self.refuse(
                    "body",
                    name,
                    f"The parameter '{name}' in the request payload is not a valid parameter "
                    f"for the operation '{operation.short_name}'.",
                )
            else:
                self.value(parameter, value, name)

    def structure(self, declared: str, body: dict[object, object], prefix: str) -> None:
        """A JSON object of an entity or complex type, or of the derived type it names."""
        type_name = self.md.lineage(declared)[0].name
        named = body.get("@odata.type")
        if isinstance(named, str):
            chosen = self.md.type_of(named)
            if chosen is None or not self.md.is_a(chosen.name, declared):
                self.refuse(
                    "body",
                    prefix + "@odata.type",
                    f"An entry with type '{named.removeprefix('#')}' was found, but it is not "
                    f"assignable to the expected type '{type_name}'. The type specified in an "
                    "entry must be equal to either the expected type or a derived type.",
                )
                return
            type_name = chosen.name
        if type_name == JSON_TYPE:
            return
        for key, value in body.items():
            name, _, annotation = str(key).partition("@")
            if not name:
                continue  # instance annotations: @odata.type, @odata.context, ...
            member = self.md.member(type_name, name)
            if member is None and self.md.is_open(type_name):
                self.opens[(type_name, name)] = None
            elif member is None:
                self.refuse(
                    "body",
                    prefix + name,
                    f"Property '{name}' does not exist on type '{type_name}'. Make sure to only "
                    "use property names that are defined by the type or mark the type as open "
                    "type.",
                )
            elif not annotation:
                self.value(member, value, prefix + name)

    def value(self, member: Member, value: object, name: str) -> None:
        declared = member.type
        if declared.name == JSON_TYPE:
            return  # any JSON value
        if value is None:
            if not member.nullable:
                expected = f"{declared}[Nullable=False]"
                self.refuse(
                    "body",
                    name,
                    f"A null value was found for the property named '{name}', which has the "
                    f"expected type '{expected}'. The expected type '{expected}' does not allow "
                    "null values.",
                )
        elif declared.collection:
            if not isinstance(value, list):
                self.wrong_kind(name, declared, value)
            else:
                for item in value:
                    self.value(Member(member.name, declared.element, member.nullable), item, name)
        elif self.md.type_of(declared.name) is not None:
            if isinstance(value, dict):
                self.structure(declared.name, value, name + "/")
            else:
                self.wrong_kind(name, declared, value)
        else:
            self.scalar(declared.name, value, name)

    def scalar(self, type_name: str, value: object, name: str) -> None:
        enum = self.md.enum_of(type_name)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if enum is not None or type_name in _STRINGS:
            if not isinstance(value, str):
                self.wrong_kind(name, TypeRef(type_name), value)
                return
            parts = [p.strip() for p in value.split(",")] if enum and enum.flags else [value]
            pattern = _FORMATS.get(type_name)
            if (enum and not set(parts) <= enum.members) or (
                pattern and not pattern.fullmatch(value)
            ):
                self.refuse("body", name, _unconvertible(value, type_name))
        elif (type_name == "Edm.Boolean" and not isinstance(value, bool)) or (
            type_name in _INTEGERS | _DECIMALS and not number
        ):
            self.wrong_kind(name, TypeRef(type_name), value)
        elif type_name in _INTEGERS and isinstance(value, float) and not value.is_integer():
            self.refuse("body", name, _unconvertible(value, type_name))

    def wrong_kind(self, name: str, declared: TypeRef, value: object) -> None:
        kind = _kind(value)
        message = (
            f"A value of kind '{kind}' cannot be given for property '{name}' of type '{declared}'."
        )
        self.refuse("body", name, message)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
