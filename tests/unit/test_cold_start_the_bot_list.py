"""Every module the composition imports is on the list imported off the event loop.

``python app.py`` answers ``/healthz`` before the bot is put together and
imports the sides in a worker thread (``app._THE_BOT``). A module that
``_compose`` or its helpers import but that is missing from that list would be
imported on the event loop instead: still correct, but the probes would wait
meanwhile, and nothing else would say so.
"""

from __future__ import annotations

import ast
from pathlib import Path

import app

ROOT = Path(__file__).resolve().parents[2]


def _imported_inside_functions() -> set[str]:
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    found.add(inner.module)
    return found


def _imported_at_the_top() -> set[str]:
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    return {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}


def test_the_composition_imports_only_modules_loaded_off_the_event_loop() -> None:
    sandbox_only = {name for name in _imported_inside_functions() if name.startswith("sandbox")}
    needed = _imported_inside_functions() - sandbox_only - _imported_at_the_top()
    assert sorted(needed - set(app._THE_BOT)) == []


def test_the_list_names_nothing_the_composition_does_not_import() -> None:
    assert sorted(set(app._THE_BOT) - _imported_inside_functions()) == []
