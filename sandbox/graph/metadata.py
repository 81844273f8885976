"""Microsoft Graph's published v1.0 metadata, parsed once, as the sandbox's grammar.

Graph refuses what its metadata does not describe: an unknown path segment, a
misspelt ``$select`` property, a body key its type lacks. Route tables written
by hand drift away from Graph; Microsoft's own CSDL (vendored as
``sandbox/data/graph-v1.0.csdl.gz``, see ``README-graph-metadata.md``) does not.
This module keeps only what ``sandbox.graph.contract`` needs to hold requests
to it: entity sets and singletons, entity and complex types with their
inheritance, enum members, bound operations and alternate keys. Names are
looked up case-insensitively, as Graph matches them, and type references may
use a namespace or its alias (``graph.user`` is ``microsoft.graph.user``).
Parsing takes about a tenth of a second; the vendored file is parsed once per
process.
"""

from __future__ import annotations

import functools
import gzip
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "graph-v1.0.csdl.gz"
_EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
_ALTERNATE_KEYS = "Org.OData.Core.V1.AlternateKeys"
JSON_TYPE = "microsoft.graph.Json"
"""A complex type without properties that stands for any JSON value."""


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A declared type: ``Collection(graph.user)`` is ``TypeRef("microsoft.graph.user", True)``."""

    name: str
    collection: bool = False

    def __str__(self) -> str:
        return f"Collection({self.name})" if self.collection else self.name

    @property
    def element(self) -> TypeRef:
        return TypeRef(self.name)


@dataclass(frozen=True, slots=True)
class Member:
    """A structural or navigation property, or an operation's parameter."""

    name: str
    type: TypeRef
    nullable: bool = True
    navigation: bool = False
    contained: bool = False


@dataclass(frozen=True, slots=True)
class StructuredType:
    """An entity or complex type with the members it declares itself (lower-cased names)."""

    name: str
    entity: bool
    base: str | None
    abstract: bool
    open: bool
    has_stream: bool
    key: tuple[str, ...]
    members: dict[str, Member]


@dataclass(frozen=True, slots=True)
class EnumType:
    """An enumeration; a flags enum takes several members, comma-separated."""

    name: str
    members: frozenset[str]
    flags: bool


@dataclass(frozen=True, slots=True)
class Operation:
    """A function or action; ``binding`` is None when it is unbound (imported)."""

    name: str
    action: bool
    binding: TypeRef | None
    parameters: dict[str, Member]
    returns: TypeRef | None

    @property
    def short_name(self) -> str:
        return self.name.rpartition(".")[2]


@dataclass(frozen=True, slots=True)
class Source:
    """An entity set (a collection) or a singleton of the entity container."""

    name: str
    type: str
    collection: bool


class GraphMetadata:
    """The parts of Graph's metadata a request can be checked against."""

    def __init__(
        self,
        types: dict[str, StructuredType],
        enums: dict[str, EnumType],
        sources: dict[str, Source],
        operations: dict[str, tuple[Operation, ...]],
        alternate_keys: dict[str, tuple[tuple[str, ...], ...]],
        aliases: dict[str, str],
        imports: dict[str, str],
    ) -> None:
        self.types = types
        self.enums = enums
        self.sources = sources
        self.operations = operations
        self.alternate_keys = alternate_keys
        self.aliases = aliases
        self.imports = imports
        self._children: dict[str, list[str]] = {}
        for name, declared in types.items():
            if declared.base:
                self._children.setdefault(self.qualify(declared.base).lower(), []).append(name)
        self._lineages: dict[str, tuple[StructuredType, ...]] = {}
        self._all_members: dict[str, dict[str, Member]] = {}
        self._derived: dict[str, tuple[StructuredType, ...]] = {}
        self._derived_members: dict[str, dict[str, Member]] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> GraphMetadata:
        """Graph v1.0's metadata: the vendored file (parsed once) or the CSDL at ``path``."""
        return _default() if path is None else _parse_file(path)

    def qualify(self, name: str) -> str:
        """``graph.user`` -> ``microsoft.graph.user``; other names unchanged."""
        namespace, dot, short = name.rpartition(".")
        full = self.aliases.get(namespace.lower()) if dot else None
        return f"{full}.{short}" if full else name

    def type_of(self, name: str) -> StructuredType | None:
        return self.types.get(self.qualify(name.removeprefix("#")).lower())

    def enum_of(self, name: str) -> EnumType | None:
        return self.enums.get(self.qualify(name.removeprefix("#")).lower())

    def source(self, name: str) -> Source | None:
        return self.sources.get(name.lower())

    def lineage(self, name: str) -> tuple[StructuredType, ...]:
        """The type and its base types, nearest first (empty when it is not structured)."""
        key = self.qualify(name).lower()
        found = self._lineages.get(key)
        if found is None:
            chain: list[StructuredType] = []
            current = self.types.get(key)
            while current is not None and current not in chain:
                chain.append(current)
                current = self.type_of(current.base) if current.base else None
            found = self._lineages[key] = tuple(chain)
        return found

    def is_a(self, name: str, ancestor: str) -> bool:
        wanted = self.qualify(ancestor).lower()
        return any(t.name.lower() == wanted for t in self.lineage(name))

    def is_open(self, name: str) -> bool:
        """Whether the type itself is declared open.

        CSDL requires a type derived from an open type to say so too, and Graph's
        metadata leaves it off some (``appRoleAssignment`` under the open
        ``directoryObject``): the declaration is taken as Graph wrote it.
        """
        declared = self.type_of(name)
        return declared is not None and declared.open

    def members(self, name: str) -> dict[str, Member]:
        """Every member of the type, inherited ones included, by lower-cased name."""
        key = self.qualify(name).lower()
        found = self._all_members.get(key)
        if found is None:
            found = {}
            for declared in reversed(self.lineage(key)):
                found.update(declared.members)
            self._all_members[key] = found
        return found

    def member(self, name: str, member: str) -> Member | None:
        return self.members(name).get(member.lower())

    def derived(self, name: str) -> tuple[StructuredType, ...]:
        """Every type derived from this one, however indirectly."""
        key = self.qualify(name).lower()
        found = self._derived.get(key)
        if found is None:
            names: list[str] = []
            pending = list(self._children.get(key, ()))
            while pending:
                child = pending.pop()
                if child not in names:
                    names.append(child)
                    pending.extend(self._children.get(child, ()))
            found = self._derived[key] = tuple(self.types[n] for n in names)
        return found

    def derived_member(self, name: str, member: str) -> Member | None:
        """A member declared only on a type derived from this one (``$select`` accepts those)."""
        key = self.qualify(name).lower()
        found = self._derived_members.get(key)
        if found is None:
            found = {}
            for sub in self.derived(key):
                for lowered, declared in sub.members.items():
                    found.setdefault(lowered, declared)
            self._derived_members[key] = found
        return found.get(member.lower())

    def keys(self, name: str) -> tuple[tuple[str, ...], ...]:
        """The primary key's property names, then each declared alternate key's aliases."""
        primary = next((t.key for t in self.lineage(name) if t.key), ())
        alternates = [
            k for t in self.lineage(name) for k in self.alternate_keys.get(t.name.lower(), ())
        ]
        return ((primary,) if primary else ()) + tuple(alternates)

    def bound(self, operation: str, name: str, collection: bool) -> tuple[Operation, ...]:
        """Overloads of ``operation`` (short or qualified) bound to this type or a base type.

        The nearest binding comes first: ``/users/delta()`` is the one bound to users,
        not the one bound to directory objects.
        """
        lineage = [t.name.lower() for t in self.lineage(name)]
        found = [
            (lineage.index(op.binding.name.lower()), index, op)
            for index, op in enumerate(self._named(operation))
            if op.binding is not None
            and op.binding.collection == collection
            and op.binding.name.lower() in lineage
        ]
        return tuple(op for _, _, op in sorted(found, key=lambda item: item[:2]))

    def unbound(self, name: str) -> tuple[Operation, ...]:
        """The operations an action or function import of the container makes callable."""
        imported = self.imports.get(name.lower())
        if imported is None:
            return ()
        return tuple(op for op in self._named(imported) if op.binding is None)

    def _named(self, operation: str) -> Iterable[Operation]:
        qualified = self.qualify(operation).lower()
        short = qualified.rpartition(".")[2]
        return (
            op
            for op in self.operations.get(short, ())
            if "." not in qualified or op.name.lower() == qualified
        )


@functools.cache
def _default() -> GraphMetadata:
    return _parse_file(DEFAULT_PATH)


def _parse_file(path: Path) -> GraphMetadata:
    with path.open("rb") as raw:
        if path.suffix == ".gz":
            with gzip.open(raw) as unpacked:
                return _parse(unpacked)
        return _parse(raw)


def _parse(stream: BinaryIO | gzip.GzipFile) -> GraphMetadata:
    # Microsoft's own published metadata, vendored in the repository: trusted input.
    root = ET.parse(stream).getroot()  # noqa: S314 - a trusted, vendored file
    schemas = list(root.iter(_EDM + "Schema"))
    aliases = {
        s.get("Alias", "").lower(): s.get("Namespace", "") for s in schemas if s.get("Alias")
    }
    builder = _Builder(aliases)
    for schema in schemas:
        builder.schema(schema)
    return builder.build()


def _tag(element: ET.Element) -> str:
    return element.tag.removeprefix(_EDM)


class _Builder:
    """Collects one document's schemas; aliases are known before any type is read."""

    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases
        self.types: dict[str, StructuredType] = {}
        self.enums: dict[str, EnumType] = {}
        self.sources: dict[str, Source] = {}
        self.operations: dict[str, list[Operation]] = {}
        self.imports: dict[str, str] = {}
        self.alternate_keys: dict[str, list[tuple[str, ...]]] = {}

    def build(self) -> GraphMetadata:
        return GraphMetadata(
            self.types,
            self.enums,
            self.sources,
            {name: tuple(ops) for name, ops in self.operations.items()},
            {name: tuple(keys) for name, keys in self.alternate_keys.items()},
            self.aliases,
            self.imports,
        )

    def qualify(self, name: str) -> str:
        namespace, dot, short = name.rpartition(".")
        full = self.aliases.get(namespace.lower()) if dot else None
        return f"{full}.{short}" if full else name

    def ref(self, raw: str) -> TypeRef:
        if raw.startswith("Collection(") and raw.endswith(")"):
            return TypeRef(self.qualify(raw[len("Collection(") : -1]), True)
        return TypeRef(self.qualify(raw))

    def schema(self, schema: ET.Element) -> None:
        namespace = schema.get("Namespace", "")
        for element in schema:
            tag = _tag(element)
            if tag in ("EntityType", "ComplexType"):
                self.structured(namespace, element, tag == "EntityType")
            elif tag == "EnumType":
                name = f"{namespace}.{element.get('Name')}"
                members = frozenset(m.get("Name", "") for m in element if _tag(m) == "Member")
                self.enums[name.lower()] = EnumType(name, members, element.get("IsFlags") == "true")
            elif tag in ("Action", "Function"):
                self.operation(namespace, element, tag == "Action")
            elif tag == "EntityContainer":
                self.container(element)
            elif tag == "Annotations":
                target = self.qualify(element.get("Target", ""))
                for annotation in element:
                    self.annotation(target, annotation)

    def structured(self, namespace: str, element: ET.Element, entity: bool) -> None:
        name = f"{namespace}.{element.get('Name')}"
        members: dict[str, Member] = {}
        key: tuple[str, ...] = ()
        for child in element:
            tag = _tag(child)
            if tag in ("Property", "NavigationProperty"):
                member = Member(
                    child.get("Name", ""),
                    self.ref(child.get("Type", "")),
                    nullable=child.get("Nullable") != "false",
                    navigation=tag == "NavigationProperty",
                    contained=child.get("ContainsTarget") == "true",
                )
                members[member.name.lower()] = member
            elif tag == "Key":
                key = tuple(ref.get("Name", "") for ref in child)
            elif tag == "Annotation":
                self.annotation(name, child)
        base = element.get("BaseType")
        self.types[name.lower()] = StructuredType(
            name=name,
            entity=entity,
            base=self.qualify(base) if base else None,
            abstract=element.get("Abstract") == "true",
            open=element.get("OpenType") == "true",
            has_stream=element.get("HasStream") == "true",
            key=key,
            members=members,
        )

    def annotation(self, target: str, annotation: ET.Element) -> None:
        """Alternate keys: ``servicePrincipals(appId='...')`` as Graph declares them."""
        if _tag(annotation) != "Annotation" or annotation.get("Term") != _ALTERNATE_KEYS:
            return
        for record in annotation.iter(_EDM + "Record"):
            if not record.get("Type", "").endswith(".AlternateKey"):
                continue
            names = tuple(_alias(ref) for ref in record.iter(_EDM + "Record") if ref is not record)
            if names:
                self.alternate_keys.setdefault(target.lower(), []).append(names)

    def operation(self, namespace: str, element: ET.Element, action: bool) -> None:
        name = f"{namespace}.{element.get('Name')}"
        parameters = [
            Member(p.get("Name", ""), self.ref(p.get("Type", "")), p.get("Nullable") != "false")
            for p in element
            if _tag(p) == "Parameter"
        ]
        binding = (
            parameters.pop(0).type if element.get("IsBound") == "true" and parameters else None
        )
        returned = next((r for r in element if _tag(r) == "ReturnType"), None)
        self.operations.setdefault(name.rpartition(".")[2].lower(), []).append(
            Operation(
                name=name,
                action=action,
                binding=binding,
                parameters={p.name.lower(): p for p in parameters},
                returns=self.ref(returned.get("Type", "")) if returned is not None else None,
            )
        )

    def container(self, element: ET.Element) -> None:
        for child in element:
            tag = _tag(child)
            name = child.get("Name", "")
            if tag == "EntitySet":
                self.sources[name.lower()] = Source(
                    name, self.qualify(child.get("EntityType", "")), True
                )
            elif tag == "Singleton":
                self.sources[name.lower()] = Source(
                    name, self.qualify(child.get("Type", "")), False
                )
            elif tag in ("ActionImport", "FunctionImport"):
                imported = child.get("Action") or child.get("Function") or ""
                self.imports[name.lower()] = self.qualify(imported)


def _alias(ref: ET.Element) -> str:
    """A key part's alias (what the URL names), else its property path."""
    values = {pv.get("Property"): pv for pv in ref if _tag(pv) == "PropertyValue"}
    alias = values.get("Alias")
    if alias is not None and alias.get("String"):
        return alias.get("String", "")
    name = values.get("Name")
    return name.get("PropertyPath", "") if name is not None else ""
