"""Runs the Microsoft 365 Agents Playground as a child process for end-to-end tests.

The Playground is a Teams-like web client with a mocked Bot Connector: it
posts activities to the bot's endpoint and takes the bot's replies (and
proactive sends) on ``http://localhost:<port>/_connector``, which it puts in
every activity's ``serviceUrl``. It reads ``.m365agentsplayground.yml`` from
its working directory, so each run gets a directory of its own (see
``sandbox.playground_config``).

Start-up facts this module relies on:

- ``TEAMSAPPTESTER_BROWSER=none`` stops it from opening a browser (it exits
  when it cannot find one).
- ``-p PORT`` chooses the port, but an occupied port silently falls back to a
  random one, so the real port is read from the ``Listening on N`` line it
  prints once the server is up.
- A config file it rejects (schema 0.1.1) makes it print that line and exit
  with status 1, so readiness also watches the process.
- It listens on all interfaces; tests only ever talk to 127.0.0.1.
- It starts without the bot being up: it waits for the bot's endpoint only
  when a page connects, so start the bot before opening the page.
- When stdout is not a terminal its own log goes to
  ``devTools/m365agentsplayground.log``. Message traffic is not in it; that
  shows only in the page's log panel (``PlaygroundPage.log_panel_text``).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import aiohttp

REPO_ROOT = Path(__file__).resolve().parents[2]
PLAYGROUND_BIN = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "agentsplayground"
INSTALL_HINT = "npm install --prefix .tools @microsoft/m365agentsplayground@0.2.28"
OUTPUT_FILE = "playground.out.log"
OWN_LOG_FILE = Path("devTools") / "m365agentsplayground.log"
_LISTENING = re.compile(r"Listening on (\d+)")
_POLL_SECONDS = 0.1


class PlaygroundError(RuntimeError):
    """The Playground did not start; the message carries its output."""


@dataclass
class RunningPlayground:
    """A started Playground: where its page is and where its logs are."""

    port: int
    workdir: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def service_url(self) -> str:
        """What the Playground puts in ``serviceUrl`` (the bot sends proactive messages here)."""
        return f"http://localhost:{self.port}/_connector"

    def log_text(self) -> str:
        """Its console output and its own log file, for a failing test's report."""
        return _read_logs(self.workdir)


def _read_logs(workdir: Path) -> str:
    parts = []
    for name in (Path(OUTPUT_FILE), OWN_LOG_FILE):
        path = workdir / name
        text = path.read_text(errors="replace") if path.exists() else "(missing)"
        parts.append(f"--- {name} ---\n{text}")
    return "\n".join(parts)


def free_port() -> int:
    """A port nothing listens on right now (another process may still take it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _fail_if_exited(process: subprocess.Popen[bytes], workdir: Path) -> None:
    if process.poll() is not None:
        raise PlaygroundError(
            f"Playground exited with {process.returncode}:\n{_read_logs(workdir)}"
        )


async def _wait_for_port(process: subprocess.Popen[bytes], workdir: Path, timeout_s: float) -> int:
    output = workdir / OUTPUT_FILE
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        match = _LISTENING.search(output.read_text(errors="replace"))
        if match:
            return int(match.group(1))
        _fail_if_exited(process, workdir)
        await asyncio.sleep(_POLL_SECONDS)
    raise PlaygroundError(f"Playground did not listen within {timeout_s}s:\n{_read_logs(workdir)}")


async def _wait_for_page(
    process: subprocess.Popen[bytes], url: str, workdir: Path, timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        while time.monotonic() < deadline:
            # A config file it rejects makes it exit right after "Listening on".
            _fail_if_exited(process, workdir)
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(_POLL_SECONDS)
    raise PlaygroundError(f"Playground page {url} did not answer:\n{_read_logs(workdir)}")


async def _stop(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Stop the whole process group (node may start helpers), politely first."""
    if process.poll() is None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                await asyncio.to_thread(process.wait, grace)
                break
            except subprocess.TimeoutExpired:
                continue
    else:
        # The leader is gone; make sure nothing it started outlives the test.
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _spawn(
    executable: Path,
    bot_endpoint: str,
    workdir: Path,
    port: int | None,
    channel_id: str,
    locale: str,
) -> subprocess.Popen[bytes]:
    if not executable.exists():
        raise PlaygroundError(f"{executable} is missing; install it with: {INSTALL_HINT}")
    workdir.mkdir(parents=True, exist_ok=True)
    command = [
        str(executable),
        "--app-endpoint",
        bot_endpoint,
        "--channel-id",
        channel_id,
        "--port",
        str(port if port is not None else free_port()),
        "--disable-telemetry",
    ]
    with (workdir / OUTPUT_FILE).open("wb") as output:
        # A session of its own, so stopping it reaches everything node starts.
        return subprocess.Popen(  # noqa: S603 - fixed executable, arguments from the test
            command,
            cwd=workdir,
            env={**os.environ, "TEAMSAPPTESTER_BROWSER": "none", **_locale_env(locale)},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _locale_env(locale: str) -> dict[str, str]:
    """Node takes its default locale (which the Playground reports) from these variables."""
    posix = locale.replace("-", "_") + ".UTF-8"
    return {"LANG": posix, "LC_ALL": posix}


@asynccontextmanager
async def run_playground(
    bot_endpoint: str,
    workdir: Path,
    *,
    port: int | None = None,
    channel_id: str = "msteams",
    executable: Path = PLAYGROUND_BIN,
    start_timeout_s: float = 60.0,
    locale: str = "en-US",
) -> AsyncIterator[RunningPlayground]:
    """Start the Playground in ``workdir`` (holding the yml) against the bot at ``bot_endpoint``.

    ``port=None`` picks a free port, so a Playground a developer left running
    on the default 56150 does not get in the way. The process and everything
    it started are stopped on exit.
    """
    process = _spawn(executable, bot_endpoint, workdir, port, channel_id, locale)
    try:
        actual_port = await _wait_for_port(process, workdir, start_timeout_s)
        running = RunningPlayground(port=actual_port, workdir=workdir, process=process)
        await _wait_for_page(process, running.url, workdir, start_timeout_s)
        yield running
    finally:
        await _stop(process)
