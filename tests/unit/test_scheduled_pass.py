"""Background passes on APScheduler: woken at once, never overlapping, stopped in good order."""

from __future__ import annotations

import asyncio

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.infra.background import ScheduledPass
from bot.infra.shutdown import Shutdown, drain
from tests.waiting import until

LONG = 3600.0
"""An interval no test waits for: a pass that runs did so because it was woken."""


async def test_a_pass_runs_at_once_and_again_when_woken(scheduler: AsyncIOScheduler) -> None:
    runs: list[int] = []

    async def step() -> None:
        runs.append(len(runs))

    scheduled = ScheduledPass("counting", step, LONG)
    scheduled.schedule(scheduler)
    await until(lambda: len(runs) == 1, "the first pass")
    scheduled.notify()
    await until(lambda: len(runs) == 2, "the woken pass")
    await scheduled.stop()


async def test_a_wake_during_a_pass_runs_one_more_right_after_never_two_at_once(
    scheduler: AsyncIOScheduler,
) -> None:
    gate = asyncio.Event()
    active, most, runs = 0, 0, 0

    async def step() -> None:
        nonlocal active, most, runs
        active += 1
        most = max(most, active)
        runs += 1
        if runs == 1:
            await gate.wait()
        active -= 1

    scheduled = ScheduledPass("slow", step, LONG)
    scheduled.schedule(scheduler)
    await until(lambda: runs == 1, "the first pass to start")
    scheduled.notify()
    scheduled.notify()
    gate.set()
    await until(lambda: runs == 2, "the pass the wake asked for")
    await asyncio.sleep(0.05)
    assert (runs, most) == (2, 1)
    await scheduled.stop()


async def test_a_failing_pass_is_logged_and_the_next_one_still_runs(
    scheduler: AsyncIOScheduler, caplog: pytest.LogCaptureFixture
) -> None:
    runs = 0

    async def step() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise RuntimeError("Graph is down")

    scheduled = ScheduledPass("flaky", step, 0.05)
    scheduled.schedule(scheduler)
    await until(lambda: runs >= 2, "a pass after the failure")
    await scheduled.stop()
    assert "flaky pass failed; will retry" in caplog.text


async def test_draining_lets_the_running_pass_finish_and_schedules_no_more(
    scheduler: AsyncIOScheduler,
) -> None:
    started, finished = asyncio.Event(), asyncio.Event()
    runs = 0

    async def step() -> None:
        nonlocal runs
        runs += 1
        started.set()
        await asyncio.sleep(0.1)
        finished.set()

    scheduled = ScheduledPass("sending", step, 0.01)
    scheduled.schedule(scheduler)
    await started.wait()
    await drain(Shutdown(5.0), scheduler, [scheduled])
    assert finished.is_set()
    after = runs
    scheduled.notify()
    await asyncio.sleep(0.05)
    assert runs == after


async def test_a_pass_past_the_grace_period_is_cancelled(scheduler: AsyncIOScheduler) -> None:
    started = asyncio.Event()
    cancelled = False

    async def step() -> None:
        nonlocal cancelled
        started.set()
        try:
            await asyncio.sleep(LONG)
        except asyncio.CancelledError:
            cancelled = True
            raise

    scheduled = ScheduledPass("stuck", step, LONG)
    scheduled.schedule(scheduler)
    await started.wait()
    await scheduled.stop(grace_seconds=0.01)
    assert cancelled
