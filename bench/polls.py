"""Graph calls per poll, counted from the sandbox's call log alone.

The call log counts calls by route, not by poll, and a poll may take several
calls (pages of the pending list). But a poll schedules its next run one
interval after it ends, so polls show as bursts of calls separated by idle
time: a burst is calls less than half an interval apart. The window starts
and ends in such an idle gap, so it holds whole polls only, and the figure is
calls / bursts. If the bot never goes idle for half an interval (a poll that
does not end, or calls between polls), bursts cannot be told apart; the
figure is then a lower bound, the calls divided by the most polls that fit
in the window (``exact`` False).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from bench.sandbox_api import SandboxApi

SAMPLE_EVERY_S = 0.05


@dataclass
class PollCount:
    calls: int
    polls: int
    window_s: float
    exact: bool
    routes: dict[str, int] = field(default_factory=dict)
    batched: dict[str, int] = field(default_factory=dict)
    """Requests inside the ``$batch`` calls (each batch counts as one call above)."""

    @property
    def per_poll(self) -> float:
        return self.calls / max(self.polls, 1)


async def _total(api: SandboxApi) -> int:
    return sum((await api.calls()).values())


async def wait_idle(api: SandboxApi, quiet_s: float, within_s: float) -> bool:
    """Until no Graph call has been made for ``quiet_s``; False if that never happened."""
    deadline = time.perf_counter() + within_s
    last, changed = await _total(api), time.perf_counter()
    while time.perf_counter() < deadline:
        await asyncio.sleep(SAMPLE_EVERY_S)
        total = await _total(api)
        if total != last:
            last, changed = total, time.perf_counter()
        elif time.perf_counter() - changed >= quiet_s:
            return True
    return False


async def count_polls(
    api: SandboxApi, interval_s: float, polls: int = 5, within_s: float = 30.0
) -> PollCount:
    """Watch ``polls`` whole polls (or for at most ``within_s``) and count their Graph calls."""
    gap = interval_s / 2
    idle = await wait_idle(api, gap, within_s)
    await api.reset_calls()
    started = time.perf_counter()
    deadline = started + within_s
    bursts: list[int] = []
    last_total, last_change = 0, started
    while time.perf_counter() < deadline:
        await asyncio.sleep(SAMPLE_EVERY_S)
        now, total = time.perf_counter(), await _total(api)
        if total > last_total:
            if not bursts or now - last_change >= gap:
                bursts.append(0)
            bursts[-1] += total - last_total
            last_total, last_change = total, now
        elif len(bursts) >= polls and now - last_change >= gap:
            break
    window = time.perf_counter() - started
    routes, batched = await api.calls(), await api.batched()
    calls = sum(routes.values())
    ended_idle = time.perf_counter() - last_change >= gap
    if idle and ended_idle and bursts:
        return PollCount(calls, len(bursts), window, True, routes, batched)
    most_polls = max(1, int(window / interval_s) + 1)
    return PollCount(calls, most_polls, window, False, routes, batched)
