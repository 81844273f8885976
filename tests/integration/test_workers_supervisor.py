"""The supervisor of ``WORKERS`` with stand-in workers: real processes, no bot inside.

Each stand-in records its starts and its stop in files, so the tests read what
happened instead of timing it: a worker that dies is started again, every
worker is asked to stop once and drains, a second request kills, workers that
keep failing at start make the supervisor give up, and a worker stops by
itself when its supervisor's pipe ends.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from bot.hosting.workers import Supervisor
from tests.settings import settings_of
from tests.waiting import until

ROOT = Path(__file__).resolve().parents[2]
STAND_IN = """
import os, pathlib, signal, sys, time
record = pathlib.Path({record!r})
index = os.environ["CONSENT_DESK_WORKER"]
starts = record / f"worker-{{index}}.starts"
earlier = starts.read_text().split() if starts.exists() else []
starts.write_text(" ".join([*earlier, str(os.getpid())]))
mode = {mode!r}
if mode == "fail" or (mode == "first-fails" and not earlier):
    sys.exit(3)
def stop(*_):
    if mode == "stubborn":
        return
    (record / f"worker-{{index}}.stopped").write_text(str(os.getpid()))
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
(record / f"worker-{{index}}.ready").write_text(str(os.getpid()))
while True:
    time.sleep(1)
"""


def _supervisor(record: Path, mode: str, workers: int = 2) -> Supervisor:
    settings = settings_of(
        workers=workers, graph_base_url="http://127.0.0.1:3980", shutdown_grace_seconds=30
    )
    command = [sys.executable, "-c", STAND_IN.format(record=str(record), mode=mode)]
    return Supervisor(settings, command, first_backoff_seconds=0.05)


def _pids(record: Path, name: str) -> list[str]:
    path = record / name
    return path.read_text().split() if path.exists() else []


async def _stopped(supervisor: Supervisor, running: asyncio.Task[int]) -> None:
    """However a test ends, no stand-in outlives it."""
    if not running.done():
        supervisor.stop()
        supervisor.stop()
    await asyncio.gather(running, return_exceptions=True)


async def _until(condition: Callable[[], object], what: str) -> None:
    """30 s: far above a process start, far below a hung test."""
    await until(condition, what, tries=600, every=0.05)


async def test_a_worker_that_dies_is_started_again_and_each_is_stopped_once(
    tmp_path: Path,
) -> None:
    supervisor = _supervisor(tmp_path, "first-fails")
    running = asyncio.create_task(supervisor.run())
    try:
        for index in (1, 2):
            ready = tmp_path / f"worker-{index}.ready"
            await _until(ready.exists, f"worker {index} started again")
        supervisor.stop(signal.SIGTERM)
        assert await running == 0
    finally:
        await _stopped(supervisor, running)
    for index in (1, 2):
        first, second = _pids(tmp_path, f"worker-{index}.starts")
        assert first != second  # the first start died (exit 3); the worker was started again
        assert _pids(tmp_path, f"worker-{index}.stopped") == [second]  # asked once, drained


async def test_asked_twice_the_supervisor_kills_workers_that_do_not_stop(tmp_path: Path) -> None:
    supervisor = _supervisor(tmp_path, "stubborn", workers=1)
    running = asyncio.create_task(supervisor.run())
    try:
        await _until((tmp_path / "worker-1.ready").exists, "the worker")
        supervisor.stop(signal.SIGINT)
        await asyncio.sleep(0.2)  # not a timing assertion: the worker ignores SIGTERM either way
        assert not running.done()
        supervisor.stop(signal.SIGINT)
        assert await running == 1  # killed, not stopped cleanly
    finally:
        await _stopped(supervisor, running)


async def test_workers_that_keep_failing_at_start_make_the_supervisor_give_up(
    tmp_path: Path,
) -> None:
    assert await _supervisor(tmp_path, "fail").run() == 1
    starts = [len(_pids(tmp_path, f"worker-{index}.starts")) for index in (1, 2)]
    assert max(starts) == 3  # tried three times, then gave up and stopped the other


async def test_a_worker_stops_by_itself_when_its_supervisors_pipe_ends(tmp_path: Path) -> None:
    program = (
        "import pathlib, signal, sys, time\n"
        "from bot.hosting.workers import follow_supervisor\n"
        "def stop(*_):\n"
        f"    pathlib.Path({str(tmp_path / 'stopped')!r}).write_text('yes')\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "follow_supervisor()\n"
        f"pathlib.Path({str(tmp_path / 'ready')!r}).write_text('yes')\n"
        "while True:\n"
        "    time.sleep(1)\n"
    )
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", program, cwd=ROOT, stdin=asyncio.subprocess.PIPE
    )
    try:
        await _until(lambda: (tmp_path / "ready").exists(), "the worker")
        assert worker.stdin is not None
        worker.stdin.close()  # what the supervisor's death does to the pipe
        assert await asyncio.wait_for(worker.wait(), 30) == 0
        assert (tmp_path / "stopped").read_text() == "yes"
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
