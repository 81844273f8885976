"""``./run bench``: the bot's performance figures, each beside its target.

Every group of figures starts its own sandbox tenant and bot (127.0.0.1 only,
Graph latency ``--latency-ms``, poll interval ``--poll-interval``) so groups
cannot disturb each other; ``--only NAME`` runs one. The Graph floor (one
round trip to the stand-in, ``bench.graph_floor``) is measured first and
every latency is also given as a multiple of it; ``--workers N`` runs the bot
with ``WORKERS=N``. The suite reports and never
asserts: a missed target still exits 0. A figure that cannot be taken says
"not measured: why"; a group that crashes (or overruns its time budget) is
reported too, and then the exit status is 1. Prints a Markdown table at the
end and writes everything to ``--out`` (default ``bench/report.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.approve_scenario import run_approve
from bench.backlog_scenario import run_backlog
from bench.cold_start import run_cold_start
from bench.diagnosis_latency import run_diagnosis
from bench.figures import Figure, not_measured
from bench.graph_floor import measure_floor
from bench.report import GroupResult, apply_floor, in_table_order, markdown_table, write_json
from bench.rig import BotOptions
from bench.sandbox_api import MissingFeature
from config.settings import MAX_WORKERS

DEFAULT_OUT = Path(__file__).resolve().parent / "report.json"
Runner = Callable[[argparse.Namespace, BotOptions, float, list[str]], Awaitable[list[Figure]]]


@dataclass(frozen=True)
class Group:
    name: str
    run: Runner
    budget: Callable[[argparse.Namespace], float]
    """Seconds the group may take before it counts as hung."""


GROUPS = (
    Group(
        "cold-start",
        lambda a, o, _floor, f: run_cold_start(o, a.starts, f),
        lambda a: 60.0 * a.starts,
    ),
    Group(
        "diagnosis",
        lambda a, o, _floor, f: run_diagnosis(o, a.askers, a.rounds, f),
        lambda a: 180.0,
    ),
    Group(
        "approve",
        lambda a, o, floor, f: run_approve(o, a.approvals, floor, f),
        lambda a: 180.0 + 5.0 * a.approvals,
    ),
    Group(
        "backlog",
        lambda a, o, _floor, f: run_backlog(o, a.backlog, a.settle_timeout, f),
        lambda a: a.settle_timeout + 150.0,
    ),
)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", choices=[g.name for g in GROUPS], help="run one group")
    parser.add_argument("--latency-ms", type=int, default=100, help="Graph latency per call")
    parser.add_argument("--backlog", type=int, default=1000, help="requests waiting at start")
    parser.add_argument("--poll-interval", type=float, default=2.0, help="the bot's, seconds")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON report")
    parser.add_argument("--approvals", type=int, default=20)
    parser.add_argument("--askers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--starts", type=int, default=3, help="cold starts to take the median of")
    parser.add_argument(
        "--workers", type=int, default=1, help="the bot's WORKERS: processes serving its port"
    )
    parser.add_argument(
        "--settle-timeout",
        type=float,
        default=240.0,
        help="seconds the bot gets to record the backlog",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.backlog <= 5000:
        parser.error("--backlog must be from 1 to 5000 (what the sandbox creates at once)")
    if not 1 <= args.workers <= MAX_WORKERS:
        parser.error(f"--workers must be from 1 to {MAX_WORKERS} (the bot's WORKERS)")
    return args


async def _run_group(
    group: Group, args: argparse.Namespace, options: BotOptions, floor_ms: float
) -> GroupResult:
    result = GroupResult(group.name)
    started = time.perf_counter()
    budget = group.budget(args)
    print(f"==> {group.name} (at most {budget:.0f} s)", file=sys.stderr, flush=True)
    try:
        result.figures = await asyncio.wait_for(
            group.run(args, options, floor_ms, result.findings), budget
        )
    except MissingFeature as missing:
        label = f"{group.name} scenario"
        result.figures = [not_measured(f"{group.name}_missing", label, "—", str(missing))]
    except TimeoutError:
        result.crashed = f"did not finish within {budget:.0f} s"
    except Exception as error:
        result.crashed = f"{type(error).__name__}: {error}"
        traceback.print_exc()
    if result.crashed is not None:
        why = f"the {group.name} scenario crashed ({result.crashed[:200]})"
        label = f"{group.name} scenario"
        result.figures = [not_measured(f"{group.name}_crashed", label, "—", why)]
    result.duration_s = time.perf_counter() - started
    return result


async def _floor(latency_ms: int) -> GroupResult:
    result = GroupResult("graph-floor")
    started = time.perf_counter()
    try:
        result.figures = [await asyncio.wait_for(measure_floor(latency_ms), 120)]
    except Exception as error:
        result.crashed = f"{type(error).__name__}: {error}"
        why = f"could not time a Graph call ({result.crashed[:200]})"
        result.figures = [not_measured("graph_floor", "Graph floor", "reference", why)]
    result.duration_s = time.perf_counter() - started
    return result


async def run_suite(args: argparse.Namespace) -> list[GroupResult]:
    options = BotOptions(args.latency_ms, args.poll_interval, workers=args.workers)
    floor = await _floor(args.latency_ms)
    floor_ms = floor.figures[0].value or 0.0
    results = [floor]
    for group in GROUPS:
        if args.only in (None, group.name):
            results.append(await _run_group(group, args, options, floor_ms))
    apply_floor([f for r in results for f in r.figures], floor_ms)
    return results


def _summary(
    args: argparse.Namespace, started: datetime, duration_s: float, load: tuple[float, ...]
) -> dict[str, object]:
    """The run's settings and machine; the load average before the run shows other work."""
    return {
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(duration_s, 1),
        "settings": {
            "latency_ms": args.latency_ms,
            "poll_interval_s": args.poll_interval,
            "backlog": args.backlog,
            "approvals": args.approvals,
            "askers": args.askers,
            "rounds": args.rounds,
            "cold_starts": args.starts,
            "only": args.only,
            "workers": args.workers,
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": [round(x, 2) for x in load],
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
    }


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    started, clock = datetime.now(UTC), time.perf_counter()
    load = os.getloadavg()
    if load[0] > 0.5:
        print(f"note: load average {load[0]:.1f}: other work shares the CPUs", file=sys.stderr)
    results = asyncio.run(run_suite(args))
    duration = time.perf_counter() - clock
    write_json(args.out, _summary(args, started, duration, load), results)
    for result in results:
        for finding in result.findings:
            print(f"[{result.name}] {finding}", file=sys.stderr)
    print(markdown_table(in_table_order([f for r in results for f in r.figures])), flush=True)
    print(f"\n{duration:.0f} s in all; report: {args.out}", file=sys.stderr)
    return 1 if any(r.crashed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
