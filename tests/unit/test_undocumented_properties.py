"""The undocumented properties the bot relies on are few, really undocumented, and in the README."""

from __future__ import annotations

from pathlib import Path

from bot.graph.undocumented import UNDOCUMENTED_PROPERTIES
from sandbox.graph.metadata import GraphMetadata

README = Path(__file__).resolve().parents[2] / "README.md"


def test_each_is_on_an_open_type_and_absent_from_the_metadata() -> None:
    metadata = GraphMetadata.load()
    for kind, name in UNDOCUMENTED_PROPERTIES:
        assert metadata.is_open(kind), f"{kind} is not open: Graph would refuse {name}"
        assert metadata.member(kind, name) is None, f"{kind}.{name} is documented now"


def test_the_readme_names_each_of_them() -> None:
    readme = README.read_text(encoding="utf-8")
    for kind, name in UNDOCUMENTED_PROPERTIES:
        short = kind.removeprefix("microsoft.graph.")
        assert f"`{name}` on `{short}`" in readme
