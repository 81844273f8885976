"""The job lease on every backend: one holder at a time, handed over on expiry or release.

The store half (``bot.store.job_leases``) is one statement that the database
decides between processes asking at once; the process half
(``bot.infra.job_lease``) runs the passes it guards only while it holds it,
and at once when it takes it. Time is a manual clock: expiry is moved to,
never waited for.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.infra.background import ScheduledPass
from bot.infra.job_lease import LENGTH, JobLease
from bot.store import job_leases
from bot.store.database import session_factory
from bot.store.job_leases import StoredLease
from tests.conftest import ManualClock
from tests.waiting import until

NAME = "scheduled-jobs"
LONG = 3600.0
"""An interval no test waits for: a pass that runs did so because it was woken or is due now."""


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


async def _holder(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> str | None:
    async with sessions() as session:
        return await job_leases.holder_of(session, NAME, clock())


async def test_of_many_asking_at_once_exactly_one_holds_it(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    lease = StoredLease(sessions, NAME)
    until = clock() + LENGTH
    taken = await asyncio.gather(*(lease.take(f"worker-{n}", clock(), until) for n in range(8)))
    assert taken.count(True) == 1
    winner = f"worker-{taken.index(True)}"
    assert await _holder(sessions, clock) == winner
    # Another round while it is held: nobody else gets it, the holder renews it.
    again = await asyncio.gather(*(lease.take(f"worker-{n}", clock(), until) for n in range(8)))
    assert again == [f"worker-{n}" == winner for n in range(8)]


async def test_expiry_hands_it_over_and_the_old_holder_cannot_renew(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    lease = StoredLease(sessions, NAME)
    assert await lease.take("a", clock(), clock() + LENGTH)
    clock.advance(seconds=10)
    assert not await lease.take("b", clock(), clock() + LENGTH)
    assert await lease.take("a", clock(), clock() + LENGTH)  # renewed: now 10 s + LENGTH
    clock.advance(seconds=LENGTH.total_seconds() - 1)
    assert not await lease.take("b", clock(), clock() + LENGTH)
    clock.advance(seconds=1)
    assert await _holder(sessions, clock) is None  # expired at the renewed time
    assert await lease.take("b", clock(), clock() + LENGTH)
    assert not await lease.take("a", clock(), clock() + LENGTH)
    assert await _holder(sessions, clock) == "b"


async def test_release_frees_it_and_only_the_holder_can_release(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    lease = StoredLease(sessions, NAME)
    assert await lease.take("a", clock(), clock() + LENGTH)
    await lease.give_up("b")  # not b's: nothing changes
    assert await _holder(sessions, clock) == "a"
    await lease.give_up("a")
    assert await _holder(sessions, clock) is None
    assert await lease.take("b", clock(), clock() + LENGTH)


async def test_a_single_process_runs_its_passes_at_once_never_after_a_lease_length(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, scheduler: AsyncIOScheduler
) -> None:
    lease = JobLease(StoredLease(sessions, NAME), clock, length=timedelta(seconds=LONG))
    runs: list[bool] = []

    async def step() -> None:
        runs.append(lease.held)

    guarded = ScheduledPass("intake", step, LONG)
    lease.guard(guarded)
    guarded.schedule(scheduler)
    lease.scheduled.schedule(scheduler)
    await until(lambda: len(runs) == 1, "the guarded pass's first run")
    assert runs == [True]
    await guarded.stop()
    await lease.stop()
    assert await _holder(sessions, clock) is None  # given up on the way out


async def test_the_other_process_runs_the_passes_only_once_it_takes_the_lease(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock, scheduler: AsyncIOScheduler
) -> None:
    first = JobLease(StoredLease(sessions, NAME), clock, holder="first")
    second = JobLease(StoredLease(sessions, NAME), clock, holder="second")
    ran: dict[str, list[bool]] = {"first": [], "second": []}

    def guarded_by(lease: JobLease) -> ScheduledPass:
        async def step() -> None:
            ran[lease.holder].append(lease.held)

        scheduled = ScheduledPass(f"intake of {lease.holder}", step, LONG)
        lease.guard(scheduled)
        return scheduled

    assert await first.keep()
    assert not await second.keep()
    first_pass, second_pass = guarded_by(first), guarded_by(second)
    first_pass.schedule(scheduler)
    second_pass.schedule(scheduler)
    second_pass.notify()  # woken where the lease is not held: waits for it
    await until(lambda: ran["first"] == [True], "the holder's pass")

    await first.stop()  # gives the lease up: the other need not wait for it to lapse
    assert not first.held
    assert await second.keep()
    await until(lambda: ran["second"] == [True], "the new holder runs the pass it was woken for")

    clock.advance(seconds=LENGTH.total_seconds() + 1)  # the second holder stopped renewing
    third = JobLease(StoredLease(sessions, NAME), clock, holder="third")
    assert await third.keep()
    assert not await second.keep()  # it learns it lost the lease, and stops running the passes
    assert not second.held
    for scheduled in (first_pass, second_pass):
        await scheduled.stop()
    await third.stop()
    assert ran == {"first": [True], "second": [True]}
