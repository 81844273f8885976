"""The suite's outputs: a Markdown table for the README and a JSON report for machines.

The table has one row per figure (figure | measured | target | ratio to
floor | meets); a figure that was not measured says why in "measured" and
has no verdict. The JSON keeps everything: each group's figures with their
details, what looked wrong in the bot's log or against Graph's contract, and
how long each group took, so two runs can be compared without re-running.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.figures import Figure


@dataclass
class GroupResult:
    name: str
    figures: list[Figure] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    crashed: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "figures": [f.to_json() for f in self.figures],
            "findings": self.findings,
            "duration_s": round(self.duration_s, 1),
            "crashed": self.crashed,
        }


ORDER = (
    "graph_floor",
    "first_messages",
    "start_to_first_message",
    "new_request_card",
    "diagnosis_latency",
    "cold_start",
    "approve_click_to_grant",
    "approve_click_to_answer",
    "steady_poll_calls",
    "rss_after_start",
    "rss_backlog_start",
    "rss_backlog_load",
    "rss_diagnosis_load",
    "rss_approve_load",
)
"""Table rows in the order the targets are listed in the README; others follow."""


def in_table_order(figures: list[Figure]) -> list[Figure]:
    def rank(figure: Figure) -> int:
        return ORDER.index(figure.key) if figure.key in ORDER else len(ORDER)

    return sorted(figures, key=rank)


def apply_floor(figures: list[Figure], floor_ms: float | None) -> None:
    """Each latency as a multiple of one Graph round trip of this run."""
    if not floor_ms:
        return
    for figure in figures:
        if figure.floor_ms is not None:
            figure.ratio_to_floor = round(figure.floor_ms / floor_ms, 1)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _verdict(figure: Figure) -> str:
    if figure.meets is None:
        return "—"
    return "yes" if figure.meets else "**no**"


def markdown_table(figures: list[Figure]) -> str:
    rows = [
        "| figure | measured | target | ratio to floor | meets |",
        "|---|---|---|---|---|",
    ]
    for figure in figures:
        ratio = f"{figure.ratio_to_floor:g} x" if figure.ratio_to_floor is not None else "—"
        cells = (figure.label, figure.measured, figure.target, ratio, _verdict(figure))
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows)


def write_json(path: Path, summary: dict[str, Any], groups: list[GroupResult]) -> None:
    report = {**summary, "groups": {g.name: g.to_json() for g in groups}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
