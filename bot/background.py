"""A background loop that runs one pass now and then, or at once when woken.

The outbox and decision workers both drain a table: they run a pass every
interval, and whoever writes rows wakes them so nothing waits for the timer.
A failing pass is logged and retried; it never kills the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


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
