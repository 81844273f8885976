"""What the metadata check saw: violations (answered 400) and properties only open types allow.

Each sandbox tenant keeps its own record (``GET /_sandbox/contract``). Every
violation is also appended to ``PROCESS_VIOLATIONS`` (and every open-type
property to ``PROCESS_OPEN_PROPERTIES``), shared by all sandboxes of the
process, so a test suite can fail any test during which some sandbox had to
refuse a request Graph would not accept, or saw the client rely on a property
the metadata does not declare without saying so, wherever that sandbox came from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RecordedViolation:
    method: str
    path: str
    where: str
    name: str
    message: str


PROCESS_VIOLATIONS: list[RecordedViolation] = []
PROCESS_OPEN_PROPERTIES: list[tuple[str, str]] = []
"""Every (type, property) accepted only because the type is open, in the order seen."""


@dataclass
class ContractRecord:
    violations: list[RecordedViolation] = field(default_factory=list)
    open_properties: set[tuple[str, str]] = field(default_factory=set)
    """(type, property) pairs accepted only because the type is open: what the client relies
    on beyond the published metadata (the README lists them)."""

    def add(self, violation: RecordedViolation) -> None:
        self.violations.append(violation)
        PROCESS_VIOLATIONS.append(violation)

    def note_open(self, pairs: tuple[tuple[str, str], ...]) -> None:
        self.open_properties.update(pairs)
        PROCESS_OPEN_PROPERTIES.extend(pairs)

    def to_json(self) -> dict[str, Any]:
        return {
            "violations": [asdict(v) for v in self.violations],
            "open_properties": [
                {"type": kind, "property": name} for kind, name in sorted(self.open_properties)
            ],
        }
