"""A guarded pass keeps its schedule but runs its step only while its gate is open."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.infra.background import ScheduledPass
from tests.waiting import until

LONG = 3600.0
"""An interval no test waits for: a pass that runs did so because it was woken."""


async def test_a_closed_gate_skips_the_step_and_an_open_one_lets_the_next_run_through(
    scheduler: AsyncIOScheduler,
) -> None:
    steps: list[int] = []
    asked: list[bool] = []
    open_ = False

    async def step() -> None:
        steps.append(len(steps))

    def gate() -> bool:
        asked.append(open_)
        return open_

    scheduled = ScheduledPass("guarded", step, LONG)
    scheduled.only_while(gate)
    scheduled.schedule(scheduler)
    await until(lambda: asked == [False], "the first run asks the gate")
    assert steps == []

    open_ = True
    scheduled.notify()
    await until(lambda: steps == [0], "the woken run, gate open")
    assert asked == [False, True]
    await scheduled.stop()
