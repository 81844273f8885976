"""What went wrong in the bot during a run, from its log, counted rather than copied.

A figure can look fine while the bot is failing behind it (a pass that
errors and retries every poll), so every scenario reports the distinct
warnings, errors and exceptions the bot logged, each with how often. Lines
are grouped without their timestamp; a traceback is represented by its last
line (the exception), which is what tells two failures apart.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

_LEVEL = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b")
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[ T][\d:,.]+\s+")
_REQUEST_ID = re.compile(r"\[[0-9a-f-]{16,}\]")
EXPECTED = ("SANDBOX MODE:",)
"""Warnings every sandbox-mode start logs on purpose; not problems of the run."""


def _exception_lines(lines: list[str]) -> list[str]:
    """The exception line ending each traceback in ``lines``."""
    found = []
    inside = False
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            inside = True
        elif inside and line and not line[0].isspace():
            found.append(f"exception: {line}")
            inside = False
    return found


def log_problems(log_path: Path, limit: int = 15) -> list[str]:
    """Distinct problem lines of the log, most frequent first, as ``"[N x] line"``."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    problems: Counter[str] = Counter(
        _REQUEST_ID.sub("[request]", _TIMESTAMP.sub("", line))[:300]
        for line in lines
        if _LEVEL.search(line) and not any(e in line for e in EXPECTED)
    )
    problems.update(line[:300] for line in _exception_lines(lines))
    return [f"[{count} x] {line}" for line, count in problems.most_common(limit)]
