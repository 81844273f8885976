"""A background loop that runs one pass now and then, or at once when woken.

The outbox and decision workers both drain a table: they run a pass every
interval, and whoever writes rows wakes them so nothing waits for the timer.
A failing pass is logged and retried; it never kills the loop. Stopping lets
the pass in progress finish (within a grace period) rather than cutting a send
in half; a row worker claims nothing new once asked to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.infra.shutdown import finish_or_cancel

logger = logging.getLogger(__name__)
RowT = TypeVar("RowT")


class WakeableLoop:
    """Runs ``step`` every ``interval_seconds``, or as soon as ``notify`` is called."""

    def __init__(
        self, name: str, step: Callable[[], Awaitable[object]], interval_seconds: float
    ) -> None:
        self._name = name
        self._step = step
        self._interval = interval_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def stopping(self) -> bool:
        return self._stopping

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self, grace_seconds: float = 0.0) -> None:
        """Let the pass in progress finish for up to ``grace_seconds``, then cancel it."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await finish_or_cancel(self._task, grace_seconds)
            self._task = None
        self._stopping = False

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._step()
            except Exception:
                logger.exception("%s pass failed; will retry", self._name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            if not self._stopping:
                self._wake.clear()


class RowWorker(ABC, Generic[RowT]):
    """Claims due rows from a table and handles each, in a wakeable background loop.

    Subclasses say how to claim (with a lease, so several replicas can share a
    database) and how to handle one row; ``run_due`` drains everything due now
    and is what tests call instead of waiting for the loop.
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
        self._loop = WakeableLoop(name, self.run_due, interval_seconds)
        self._held_for = held_for

    def notify(self) -> None:
        self._loop.notify()

    def start(self) -> None:
        self._loop.start()

    async def stop(self, grace_seconds: float = 0.0) -> None:
        """Finish the rows already claimed (up to ``grace_seconds``), claim no more."""
        await self._loop.stop(grace_seconds)

    async def run_due(self) -> int:
        """Handle every row that is due now; returns how many were handled."""
        handled = 0
        while not self._loop.stopping:
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
