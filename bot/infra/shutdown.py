"""Stopping without losing work: one grace period shared by everything that drains.

On SIGTERM the orchestrator gives the pod a fixed time before it kills it.
Within that time the bot stops taking work (new activities get a 503, the
scheduler launches no job), lets what already started finish, and only then
closes the store and the Graph clients. Work still running when the grace
period ends is cancelled; the store's leases hand it to the next start or
another replica, so nothing is lost, it only waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

logger = logging.getLogger(__name__)

DEFAULT_GRACE_SECONDS = 10.0


class Shutdown:
    """Whether the process is stopping, and how much of its grace period is left."""

    def __init__(
        self,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._grace = grace_seconds
        self._monotonic = monotonic
        self._deadline: float | None = None

    @property
    def stopping(self) -> bool:
        return self._deadline is not None

    def begin(self) -> None:
        """Start the grace period; later calls keep the first deadline."""
        if self._deadline is None:
            self._deadline = self._monotonic() + self._grace
            logger.info("stopping: finishing work in flight (at most %.0f s)", self._grace)

    def remaining(self) -> float:
        """Seconds left to finish work; the whole grace period before ``begin``."""
        if self._deadline is None:
            return self._grace
        return max(0.0, self._deadline - self._monotonic())


async def finish_or_cancel(task: asyncio.Task[Any], timeout_seconds: float) -> None:
    """Wait for ``task`` up to the timeout, then cancel it."""
    done, _ = await asyncio.wait({task}, timeout=timeout_seconds)
    if not done:
        logger.warning("%s did not finish within the grace period; cancelled", task.get_name())
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class Drainable(Protocol):
    """A background pass that can finish what it started within a time limit."""

    async def stop(self, grace_seconds: float = ...) -> None: ...


class StoppableScheduler(Protocol):
    def shutdown(self, wait: bool = ...) -> None: ...


async def drain(
    shutdown: Shutdown, scheduler: StoppableScheduler, passes: Sequence[Drainable]
) -> None:
    """Stop the scheduled passes in order, each finishing what it started, then the scheduler.

    Passes go in the order given, each with what is left of the grace period,
    so work that queues messages (intake, reminders, decisions) stops before
    delivery, which sends what they queued.
    """
    shutdown.begin()
    for scheduled in passes:
        await scheduled.stop(shutdown.remaining())
    scheduler.shutdown(wait=False)
