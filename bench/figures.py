"""One measured figure beside its target, and the statistics the scenarios share.

A scenario returns figures rather than asserting: the suite reports misses
(other work makes the bot faster) and keeps going. A figure that could not be
taken says why in ``note`` ("not measured: ...") instead of carrying a number.
``floor_ms`` is the latency to divide by one Graph round trip of the same
run, so a figure reads as "so many Graph calls' worth of waiting".
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    key: str
    """Stable name in the JSON report."""
    label: str
    """What the table's first column says."""
    target: str
    measured: str = ""
    value: float | None = None
    """The number compared with the target, in ``unit``."""
    unit: str = ""
    meets: bool | None = None
    """None when there is nothing to compare (not measured, or a reference figure)."""
    floor_ms: float | None = None
    """The latency, in ms, to express as a multiple of the Graph floor."""
    ratio_to_floor: float | None = None
    note: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def not_measured(key: str, label: str, target: str, why: str) -> Figure:
    return Figure(key, label, target, measured=f"not measured: {why}", note=why)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` 0.99 for p99); the max for small samples."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def latency_summary(values_ms: list[float]) -> dict[str, float]:
    """p50/p95/p99/max of latencies in ms, rounded for the report."""
    return {
        "n": len(values_ms),
        "p50_ms": round(statistics.median(values_ms), 1),
        "p95_ms": round(percentile(values_ms, 0.95), 1),
        "p99_ms": round(percentile(values_ms, 0.99), 1),
        "max_ms": round(max(values_ms), 1),
    }


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def millis(value: float) -> str:
    return f"{value:.0f} ms"
