"""``WORKERS`` > 1: a small supervisor runs that many bot processes on one port.

One Python process answers on one core, and an answer costs a few
milliseconds of CPU; with fifty people asking at once on a multi-core host,
the latency is CPU queueing that more processes remove. Each worker is the same
command again (``python app.py``), told which worker it is
(``CONSENT_DESK_WORKER``), and listens on ``HOST:PORT`` with ``SO_REUSEPORT``,
so the kernel spreads connections across them. They share the store: each
migrates under the store's migration lock (the first does the work, the others
find the schema current), row workers claim rows with leases, and the passes
that must run once run in whichever worker holds the job lease
(``bot.infra.job_lease``). The supervisor serves nothing and imports nothing
of the bot.

It forwards SIGTERM or SIGINT once to every worker and waits while they
drain (``SHUTDOWN_GRACE_SECONDS``, plus a margin, then kills them); a second
signal kills them at once. A worker that exits on its own is restarted after
1, 2, 4... up to 30 s. One that fails ``START_ATTEMPTS`` times in a row, each
time within ``STARTED_AFTER_SECONDS`` of its start, makes the supervisor
stop the others and exit 1: a bad setting or an unreachable store fails every
worker alike, and restarting forever would hide it. Workers run in a session
of their own, so a Ctrl-C at the terminal reaches the supervisor only and each
worker is asked to stop once; each holds a pipe from the supervisor, and its
end (the supervisor killed without a chance to forward) stops the worker too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from config.settings import Settings, worker_environment

logger = logging.getLogger("consent_desk.workers")

START_ATTEMPTS = 3
STARTED_AFTER_SECONDS = 60.0
"""A worker that lived this long had started; its next exit begins a new count of failures."""
FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
STOP_MARGIN_SECONDS = 15.0
"""On top of the grace period: closing the store and the clients after the drain."""


class GaveUp(Exception):
    """A worker kept failing at start."""


@dataclass(slots=True)
class _Worker:
    index: int
    process: asyncio.subprocess.Process | None = None
    failed_starts: int = 0


class Supervisor:
    """Keeps ``settings.workers`` copies of ``command`` running until asked to stop."""

    def __init__(
        self,
        settings: Settings,
        command: Sequence[str],
        *,
        first_backoff_seconds: float = FIRST_BACKOFF_SECONDS,
        started_after_seconds: float = STARTED_AFTER_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._command = list(command)
        self._workers = [_Worker(index) for index in range(1, settings.workers + 1)]
        self._stop_within = settings.shutdown_grace_seconds + STOP_MARGIN_SECONDS
        self._where = f"{settings.host}:{settings.port}"
        self._first_backoff = first_backoff_seconds
        self._started_after = started_after_seconds
        self._monotonic = monotonic
        self._stopping = asyncio.Event()

    def stop(self, signal_number: int = signal.SIGTERM) -> None:
        """Ask every worker to stop (drain); asked again, kill them."""
        if not self._stopping.is_set():
            logger.info("%s: stopping %d workers", signal.Signals(signal_number).name, len(self))
            self._stopping.set()
            return
        logger.warning("asked again: killing the workers")
        for worker in self._workers:
            if worker.process is not None and worker.process.returncode is None:
                worker.process.kill()

    def __len__(self) -> int:
        return len(self._workers)

    async def run(self) -> int:
        """Until stopped: 0 when every worker stopped cleanly, 1 otherwise or after giving up."""
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, self.stop, number)
        logger.info("starting %d workers on %s", len(self), self._where)
        try:
            keeping = [asyncio.create_task(self._keep(worker)) for worker in self._workers]
            codes: list[int] = []
            for finished in asyncio.as_completed(keeping):
                try:
                    codes.append(await finished)
                except GaveUp as failure:
                    logger.error("%s; stopping", failure)
                    codes.append(1)
                    self._stopping.set()
            return 0 if not any(codes) else 1
        finally:
            for number in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(number)

    async def _keep(self, worker: _Worker) -> int:
        """Run ``worker`` and start it again when it exits, until a stop (its exit code then)."""
        while not self._stopping.is_set():
            process = await self._spawn(worker)
            started = self._monotonic()
            exited = asyncio.create_task(process.wait())
            stopping = asyncio.create_task(self._stopping.wait())
            await asyncio.wait({exited, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if self._stopping.is_set():
                return await self._stopped(worker, process, exited)
            self._close(process)
            delay = self._after_exit(worker, exited.result(), self._monotonic() - started)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
        return 0

    def _after_exit(self, worker: _Worker, code: int, ran_seconds: float) -> float:
        """Count an unexpected exit; how long to wait before starting the worker again."""
        if ran_seconds >= self._started_after:
            worker.failed_starts = 0
        else:
            worker.failed_starts += 1
            if worker.failed_starts >= START_ATTEMPTS:
                raise GaveUp(
                    f"worker {worker.index} exited with {code} within {self._started_after:g} s "
                    f"of its start {worker.failed_starts} times in a row"
                )
        backoff: float = self._first_backoff * 2.0 ** max(0, worker.failed_starts - 1)
        delay = min(MAX_BACKOFF_SECONDS, backoff)
        logger.warning(
            "worker %d (pid %s) exited with %d after %.0f s; starting it again in %g s",
            worker.index,
            worker.process.pid if worker.process else "?",
            code,
            ran_seconds,
            delay,
        )
        return delay

    async def _spawn(self, worker: _Worker) -> asyncio.subprocess.Process:
        worker.process = await asyncio.create_subprocess_exec(
            *self._command,
            env=worker_environment(worker.index),
            stdin=asyncio.subprocess.PIPE,  # its end tells the worker the supervisor is gone
            start_new_session=True,  # a terminal's Ctrl-C reaches the supervisor only
        )
        logger.info("worker %d started (pid %d)", worker.index, worker.process.pid)
        return worker.process

    async def _stopped(
        self, worker: _Worker, process: asyncio.subprocess.Process, exited: asyncio.Task[int]
    ) -> int:
        """Ask ``process`` to drain and wait for it; killed if it outlasts the grace period."""
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(asyncio.shield(exited), self._stop_within)
        except TimeoutError:
            logger.warning(
                "worker %d did not stop within %g s; killed", worker.index, self._stop_within
            )
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            code = await exited
        self._close(process)
        if code == -signal.SIGTERM:  # asked before it could drain: it had nothing to drain yet
            return 0
        if code != 0:
            logger.warning("worker %d stopped with %d", worker.index, code)
        return code

    @staticmethod
    def _close(process: asyncio.subprocess.Process) -> None:
        if process.stdin is not None:
            process.stdin.close()


def supervise(settings: Settings, command: Sequence[str]) -> int:
    """Run ``settings.workers`` copies of ``command`` until SIGTERM or SIGINT; the exit status."""
    return asyncio.run(Supervisor(settings, command).run())


def follow_supervisor() -> None:
    """In a worker: stop as SIGTERM would once the supervisor's pipe ends (it died).

    Only when standard input is a pipe, as the supervisor starts its workers; a
    worker started by hand keeps running.
    """
    try:
        if not stat.S_ISFIFO(os.fstat(0).st_mode):
            return
    except OSError:
        return

    def wait_for_the_end() -> None:
        with contextlib.suppress(OSError):
            while os.read(0, 4096):
                pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=wait_for_the_end, name="supervisor pipe", daemon=True).start()
