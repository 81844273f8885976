"""Cold start: from spawning ``python app.py`` to its first ``/healthz`` 200.

Each start gets a fresh pair (new sandbox, empty data directory), so the
store is created and migrated every time, as on a first deployment, and the
start-up Graph calls (the permission self-check) pay the run's latency. The
time includes the interpreter and imports: what an orchestrator waits for.
``/healthz`` is polled every 10 ms. The median of the starts is the figure;
the bot's memory right after each start is kept too, and so is the time
``python -c "import app"`` takes alone (median of 3), to tell imports from start-up work.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from bench.figures import Figure, seconds
from bench.processes import ROOT
from bench.rig import BotOptions, running_pair
from bench.rss import rss_figure

TARGET_S = 2.0


async def import_seconds() -> float:
    """How long a fresh interpreter takes to import the bot (``import app``), once."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import app",
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await process.wait()
    return time.perf_counter() - started


async def run_cold_start(options: BotOptions, starts: int, findings: list[str]) -> list[Figure]:
    times: list[float] = []
    memory: list[float] = []
    for _ in range(starts):
        async with running_pair(options, findings=findings) as pair:
            times.append(pair.healthz_after_s)
            if pair.rss_at_start_mb is not None:
                memory.append(pair.rss_at_start_mb)
    median = statistics.median(times)
    start = Figure(
        "cold_start",
        f"Cold start: spawn to /healthz 200 (median of {starts})",
        f"<= {TARGET_S:g} s",
        measured=seconds(median),
        value=round(median, 3),
        unit="s",
        meets=median <= TARGET_S,
        floor_ms=median * 1000,
        detail={
            "starts_s": [round(t, 3) for t in times],
            "import_app_s": round(statistics.median([await import_seconds() for _ in range(3)]), 3),
        },
    )
    rss = rss_figure(
        "rss_after_start",
        "Bot RSS right after start (empty tenant, largest)",
        max(memory) if memory else None,
        None,
    )
    rss.detail["starts_mb"] = memory
    return [start, rss]
