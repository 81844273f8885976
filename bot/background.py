"""A background loop that runs one pass now and then, or at once when woken.

The outbox and decision workers both drain a table: they run a pass every
interval, and whoever writes rows wakes them so nothing waits for the timer.
A failing pass is logged and retried; it never kills the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except Exception:
                logger.exception("%s pass failed; will retry", self._name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
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
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._loop = WakeableLoop(name, self.run_due, interval_seconds)

    def notify(self) -> None:
        self._loop.notify()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def run_due(self) -> int:
        """Handle every row that is due now; returns how many were handled."""
        handled = 0
        while True:
            async with self._sessions() as session:
                rows = await self._claim(session, self._clock())
                await session.commit()
            if not rows:
                return handled
            for row in rows:
                await self._handle(row)
                handled += 1

    @abstractmethod
    async def _claim(self, session: AsyncSession, now: datetime) -> Sequence[RowT]: ...

    @abstractmethod
    async def _handle(self, row: RowT) -> None: ...
