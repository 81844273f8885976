"""A count of Graph calls by route template, so tests can assert call budgets.

The architecture promises one Graph call per steady-state poll; tests check it
by resetting this log, running a poll, and reading the counts. Requests inside
a ``$batch`` are counted apart from HTTP calls, because they cost one call.
"""

from __future__ import annotations

from collections import Counter
from typing import Any


class CallLog:
    def __init__(self) -> None:
        self.routes: Counter[str] = Counter()
        self.batched: Counter[str] = Counter()

    def record(self, route: str, *, batched: bool = False) -> None:
        (self.batched if batched else self.routes)[route] += 1

    @property
    def total(self) -> int:
        return sum(self.routes.values())

    def reset(self) -> None:
        self.routes.clear()
        self.batched.clear()

    def snapshot(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "routes": dict(sorted(self.routes.items())),
            "batched": dict(sorted(self.batched.items())),
        }
