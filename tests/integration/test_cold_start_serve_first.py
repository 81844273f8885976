"""``python app.py`` answers ``/healthz`` first, then imports and puts the bot together.

While the bot is starting, ``/readyz`` says "starting" and an activity waits
for the start instead of being refused; once it is over, everything answers
as it always did. A start that fails still ends the process with its error.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import app as app_module
from app import create_app
from config.settings import Settings
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.diagnosis_rig import LYNNE, personal_message

ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def serving_first(settings: Settings, clock: ManualClock) -> AsyncIterator[str]:
    runner = web.AppRunner(create_app(settings, clock=clock, start_jobs=False, serve_first=True))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def _get(http: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, Any]]:
    async with http.get(url) as response:
        body: dict[str, Any] = await response.json()
        return response.status, body


async def test_probes_answer_while_the_bot_is_imported_and_activities_wait_for_it(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    imported = threading.Event()
    monkeypatch.setattr(app_module, "_import_the_bot", lambda: imported.wait(30))
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        graph_base_url=sandbox.url,
        data_dir=tmp_path,
        poll_interval_seconds=3600,
    )
    try:
        async with serving_first(settings, clock) as url, aiohttp.ClientSession() as http:
            assert await _get(http, f"{url}/healthz") == (200, {"status": "ok"})
            assert await _get(http, f"{url}/readyz") == (503, {"status": "starting"})
            body = personal_message("help", connector.url, LYNNE)
            posting = asyncio.create_task(http.post(f"{url}/api/messages", json=body))
            await asyncio.sleep(0.2)
            assert not posting.done()  # held: the bot is not put together yet

            imported.set()
            async with await posting as answer:
                assert answer.status in {200, 202}
            assert len(connector.posts()) == 1
            status, ready = await _get(http, f"{url}/readyz")
            assert (status, ready["status"]) == (200, "ready")
    finally:
        imported.set()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _bot(sandbox: SandboxHandle, tmp_path: Path, **env: str) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env={
            **os.environ,
            "GRAPH_BASE_URL": sandbox.url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DATA_DIR": str(tmp_path / "data"),
            "CLIENT_ID": "",
            "DATABASE_URL": "",
            "CONFIG_FILE": "",
            "LOG_FORMAT": "text",
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, f"http://127.0.0.1:{port}"


async def _wait_for(http: aiohttp.ClientSession, url: str, process: subprocess.Popen[str]) -> int:
    for _ in range(1200):
        assert process.poll() is None, process.communicate()[0]
        try:
            async with http.get(url) as response:
                if response.status == 200:
                    return response.status
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} never answered 200")


async def test_the_process_starts_serves_and_stops_cleanly(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    process, url = _bot(sandbox, tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            await _wait_for(http, f"{url}/healthz", process)
            await _wait_for(http, f"{url}/readyz", process)
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.to_thread(process.communicate, timeout=60)
        assert process.returncode == 0, output
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


async def test_a_start_that_fails_still_ends_the_process_with_its_error(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    config = tmp_path / "consent-desk.toml"
    config.write_text('[[rules]]\nkind = "default"\ndestination = "Nowhere"\n', encoding="utf-8")
    process, _url = _bot(sandbox, tmp_path, CONFIG_FILE=str(config))
    try:
        output, _ = await asyncio.to_thread(process.communicate, timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 1
    assert "ConfigFileError" in output
    assert '[[rules]] #1, field "destination"' in output


async def test_sigterm_while_starting_stops_the_process_cleanly(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    """Stopped at once after ``/healthz`` (most likely while the sides are being imported)."""
    process, url = _bot(sandbox, tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            await _wait_for(http, f"{url}/healthz", process)
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.to_thread(process.communicate, timeout=60)
        assert process.returncode == 0, output
        assert "Traceback" not in output
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
