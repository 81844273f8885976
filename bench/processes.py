"""Child processes of a benchmark: started, waited for, measured and stopped.

The sandbox tenant and the bot run as separate processes, as in a deployment,
so the bot's timings include its own event loop and nothing of the load
generator's. Their output goes to a log file (not a pipe nobody reads, which
would block them) so the suite can report errors the bot logged during a run.
Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path

from aiohttp import ClientError, ClientSession, ClientTimeout

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on right now (the child binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class ChildProcess:
    """One child (``python ARGS...`` in the repository root) and the log it writes."""

    def __init__(self, name: str, args: list[str], log_path: Path, env: dict[str, str]) -> None:
        self.name = name
        self.args = args
        self.log_path = log_path
        self.env = env
        self.started_at = 0.0
        """``time.perf_counter()`` just before the spawn."""
        self._process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self._process.pid

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.started_at = time.perf_counter()
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                *self.args,
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )

    async def wait_ready(self, url: str, within_s: float = 60.0) -> float:
        """Poll ``url`` until it answers 200; the time since the spawn, in seconds."""
        deadline = time.perf_counter() + within_s
        async with ClientSession(timeout=ClientTimeout(total=2)) as http:
            while time.perf_counter() < deadline:
                if self._process is not None and self._process.returncode is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self._process.returncode}: {self.log_tail()}"
                    )
                try:
                    async with http.get(url) as response:
                        if response.status == 200:
                            return time.perf_counter() - self.started_at
                except (ClientError, OSError, TimeoutError):
                    pass
                await asyncio.sleep(0.01)
        raise RuntimeError(f"{self.name} did not answer {url} within {within_s:g} s")

    def rss_mb(self) -> float | None:
        """Resident memory now (``VmRSS``), in MB, of the process and its children (the
        workers of a bot started with ``WORKERS`` > 1); None once the process is gone."""
        return _tree_mb(self.pid, "VmRSS")

    def peak_rss_mb(self) -> float | None:
        """The highest resident memory so far (``VmHWM``), in MB, summed like ``rss_mb``."""
        return _tree_mb(self.pid, "VmHWM")

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited within 15 s; its exit status.

        None when it was not started; the status it had when it had already exited.
        """
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return None if process is None else process.returncode
        process.terminate()
        try:
            return await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            return await process.wait()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in listing.read_text().split()]
        except OSError:
            continue
    return found


def _tree_mb(pid: int, field: str) -> float | None:
    own = _status_kb(pid, field)
    if own is None:
        return None
    return round(own + sum(_status_kb(child, field) or 0.0 for child in _children(pid)), 1)


def _status_kb(pid: int, field: str) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return None
