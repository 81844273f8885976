"""The passes that must run in one process at a time, run only where the job lease is held.

Intake, the request details, the requester refresh, reminders and proactive
help poll Graph or scan the whole store: run in every worker (``WORKERS``) or
every replica, they would read Graph once per process for the same result.
So every process keeps trying to hold one short lease in the store (taken
when free or expired, renewed every third of its length) and runs those
passes only while it holds it. A process that dies stops renewing and another
takes the lease within its length; one that stops gives it up, so the next
start or a sibling need not wait.

Nothing waits for the lease: a guarded pass that comes due, or is woken,
while the lease is not held here skips its step, is remembered and asks for
the lease at once; it runs the moment this process takes it. A single process
takes a free lease on its first try, so it runs its passes as soon as it did
before. Where another process holds the lease, that one does the work at its
own next run (no activity wakes a guarded pass: intake wakes the request
details pass, in the process that ran the intake). A pass in progress when the
lease is lost finishes; the store's row leases and idempotency keys make the
overlap harmless, it is only wasted work.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.infra.background import ScheduledPass

logger = logging.getLogger(__name__)

LENGTH = timedelta(seconds=15)
"""How long a holder keeps the lease without renewing it: how soon a dead one is replaced."""
SCHEDULED_JOBS = "scheduled-jobs"
"""The lease of the passes that run in one process at a time."""
RELEASE_SECONDS = 2.0
"""How long giving the lease up on the way out may take when the grace period is spent."""


class LeaseStore(Protocol):
    """Where the lease lives (``bot.store.job_leases.StoredLease``)."""

    @property
    def name(self) -> str: ...

    async def take(self, holder: str, now: datetime, until: datetime) -> bool: ...

    async def give_up(self, holder: str) -> None: ...


def this_process() -> str:
    """A holder name no other process shares, that says where to look: host:pid:nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class JobLease:
    """Keeps trying to hold the lease, and lets the passes it guards run only while it does.

    ``scheduled`` is the pass that takes and renews it (every third of its
    length); ``stop`` ends that pass and gives the lease up.
    """

    def __init__(
        self,
        store: LeaseStore,
        clock: Callable[[], datetime],
        *,
        length: timedelta = LENGTH,
        holder: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._clock = clock
        self._length = length
        self._holder = holder or this_process()
        self._monotonic = monotonic
        self._held_until: float | None = None
        """When this process stops trusting its lease (``monotonic``): a third of the length
        before the store lets anyone else take it, which absorbs clock skew between hosts."""
        self._guarded: list[ScheduledPass] = []
        self._waiting: list[ScheduledPass] = []
        self._pass = ScheduledPass(f"{store.name} lease", self.keep, length.total_seconds() / 3)

    @property
    def holder(self) -> str:
        return self._holder

    @property
    def held(self) -> bool:
        """Whether this process holds the lease now."""
        return self._held_until is not None and self._monotonic() < self._held_until

    @property
    def scheduled(self) -> ScheduledPass:
        """The pass that takes and renews the lease, for the scheduler."""
        return self._pass

    def guard(self, *passes: ScheduledPass) -> None:
        """Let ``passes`` run their step only while this process holds the lease."""
        for scheduled in passes:
            self._guarded.append(scheduled)
            scheduled.only_while(self._admits(scheduled))

    def _admits(self, scheduled: ScheduledPass) -> Callable[[], bool]:
        def admits() -> bool:
            if self.held:
                return True
            if scheduled not in self._waiting:
                self._waiting.append(scheduled)  # run it as soon as the lease is ours
            self._pass.notify()  # and ask for the lease now: it may be free
            return False

        return admits

    async def keep(self) -> bool:
        """Take or renew the lease once; True when this process holds it afterwards."""
        asked_at = self._monotonic()
        was_held, had_it = self.held, self._held_until is not None
        try:
            now = self._clock()
            taken = await self._store.take(self._holder, now, now + self._length)
        except Exception as error:  # the store is down: keep what we have until it lapses
            logger.warning("could not take or renew the %s lease: %s", self._store.name, error)
            return self.held
        if not taken:
            self._held_until = None
            if had_it:
                logger.warning("%s lease taken by another process: stopped here", self._store.name)
            return False
        self._held_until = asked_at + self._length.total_seconds() * 2 / 3
        if not was_held:
            self._gained()
        return True

    def _gained(self) -> None:
        names = ", ".join(scheduled.name for scheduled in self._guarded)
        logger.info(
            "%s lease taken by %s: this process runs %s", self._store.name, self._holder, names
        )
        waiting, self._waiting = self._waiting, []
        for scheduled in waiting:
            scheduled.notify()

    async def stop(self, grace_seconds: float = 0.0) -> None:
        """Stop renewing and give the lease up, so another process need not wait for it."""
        await self._pass.stop(grace_seconds)
        if self._held_until is None:
            return
        self._held_until = None
        try:
            await asyncio.wait_for(
                self._store.give_up(self._holder), max(grace_seconds, RELEASE_SECONDS)
            )
        except Exception as error:  # it lapses by itself within its length
            logger.warning("could not give up the %s lease: %s", self._store.name, error)
        else:
            logger.info("%s lease given up", self._store.name)
