"""Every background pass, run by one scheduler: every interval, or at once when woken.

Intake, the requester refresh, reminders, the decision worker and outbox
delivery are all passes over the store (claimed with leases where replicas
share it), and APScheduler runs them all. A pass is a one-shot job that
schedules its own next run when it ends, so a pass never overlaps itself and a
slow one never makes the scheduler skip runs; whoever writes rows calls
``notify`` so nothing waits for the timer (a wake during a pass runs it again
right after). A failing pass is logged and retried; it never stops its
schedule. A pass that must run in one process at a time is guarded by the job
lease (``only_while``, see ``bot.infra.job_lease``): elsewhere it keeps its
schedule but skips its step. Stopping lets the pass in progress finish (within a grace period)
rather than cutting a send in half; a row worker claims nothing new once asked
to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.infra.shutdown import finish_or_cancel

logger = logging.getLogger(__name__)
RowT = TypeVar("RowT")


def _now() -> datetime:
    return datetime.now(UTC)


class ScheduledPass:
    """Runs ``step`` on a scheduler every ``interval_seconds``, or at once when ``notify``-ed."""

    def __init__(
        self, name: str, step: Callable[[], Awaitable[object]], interval_seconds: float
    ) -> None:
        self._name = name
        self._step = step
        self._interval = timedelta(seconds=interval_seconds)
        self._scheduler: AsyncIOScheduler | None = None
        self._running: asyncio.Task[Any] | None = None
        self._again = False
        self._stopping = False
        self._gate: Callable[[], bool] | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def stopping(self) -> bool:
        return self._stopping

    def schedule(self, scheduler: AsyncIOScheduler, *, first_run: datetime | None = None) -> None:
        """Put the pass on ``scheduler``: first at ``first_run`` (now by default)."""
        self._scheduler = scheduler
        self._stopping = False
        self._next(first_run or _now())

    def only_while(self, gate: Callable[[], bool]) -> None:
        """Run the step only when ``gate()`` says so at the start of a pass; skip it otherwise."""
        self._gate = gate

    def notify(self) -> None:
        """Run a pass now; if one is running, run another right after it."""
        self._again = True
        if self._scheduler is None or self._running is not None or self._stopping:
            return
        with contextlib.suppress(JobLookupError):
            self._scheduler.modify_job(self._name, next_run_time=_now())

    async def stop(self, grace_seconds: float = 0.0) -> None:
        """Schedule no more passes; let the one in progress finish for up to ``grace_seconds``."""
        self._stopping = True
        if self._scheduler is not None:
            with contextlib.suppress(JobLookupError):
                self._scheduler.remove_job(self._name)
        if self._running is not None:
            await finish_or_cancel(self._running, grace_seconds)

    def _next(self, when: datetime) -> None:
        assert self._scheduler is not None
        self._scheduler.add_job(
            self._run,
            "date",
            run_date=when,
            id=self._name,
            name=self._name,
            replace_existing=True,
            misfire_grace_time=None,
            # The executor counts a pass as running until the loop has run its done-callback,
            # a moment after ``_run`` scheduled the next one; ``_run`` itself keeps passes
            # from overlapping, so the scheduler must not skip a run for that moment.
            max_instances=2,
        )

    async def _run(self) -> None:
        if self._stopping:
            return
        if self._running is not None:  # a pass is in progress: it runs again right after
            self._again = True
            return
        self._running = asyncio.current_task()
        try:
            while True:
                self._again = False
                if self._gate is not None and not self._gate():
                    break
                try:
                    await self._step()
                except Exception:
                    logger.exception("%s pass failed; will retry", self._name)
                if self._stopping or not self._again:
                    break
        finally:
            self._running = None
            if not self._stopping and self._scheduler is not None:
                self._next(_now() + self._interval)


class RowWorker(ABC, Generic[RowT]):
    """Claims due rows from a table and handles each, in a scheduled pass that can be woken.

    Subclasses say how to claim (with a lease, so several replicas can share a
    database) and how to handle one row; ``run_due`` drains everything due now
    and is what tests call instead of waiting for the scheduler.
    """

    def __init__(
        self,
        name: str,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        interval_seconds: float,
        *,
        held_for: timedelta | None = None,
    ) -> None:
        self._name = name
        self._sessions = sessions
        self._clock = clock
        self._pass = ScheduledPass(name, self.run_due, interval_seconds)
        self._held_for = held_for

    @property
    def scheduled(self) -> ScheduledPass:
        """This worker's pass, for the scheduler."""
        return self._pass

    def notify(self) -> None:
        self._pass.notify()

    async def stop(self, grace_seconds: float = 0.0) -> None:
        """Finish the rows already claimed (up to ``grace_seconds``), claim no more."""
        await self._pass.stop(grace_seconds)

    async def run_due(self) -> int:
        """Handle every row that is due now; returns how many were handled."""
        handled = 0
        while not self._pass.stopping:
            async with self._sessions() as session:
                rows = await self._claim(session, self._clock())
                await session.commit()
            if not rows:
                return handled
            for row in rows:
                await self._handle_holding(row)
                handled += 1
        return handled

    async def _handle_holding(self, row: RowT) -> None:
        """Handle ``row`` while renewing its lease, when the worker keeps one.

        A short lease renewed every third of its length lets a dead worker's row
        be taken over within seconds, while a live one working through a slow
        Graph call keeps it as long as it needs.
        """
        if self._held_for is None:
            await self._handle(row)
            return
        keeper = asyncio.create_task(self._keep_lease(row, self._held_for))
        try:
            await self._handle(row)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _keep_lease(self, row: RowT, lease: timedelta) -> None:
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            try:
                async with self._sessions() as session:
                    await self._renew(session, row, self._clock() + lease)
                    await session.commit()
            except Exception:
                logger.warning("%s could not renew a lease", self._name, exc_info=True)

    async def _renew(self, session: AsyncSession, row: RowT, until: datetime) -> None:
        """Extend the lease of ``row`` (workers constructed with ``held_for`` override this)."""
        raise NotImplementedError

    @abstractmethod
    async def _claim(self, session: AsyncSession, now: datetime) -> Sequence[RowT]: ...

    @abstractmethod
    async def _handle(self, row: RowT) -> None: ...
