"""``WORKERS=2``: ``python app.py`` supervises two bots on one port, and the jobs run in one.

The bot runs as a deployment runs it (a process, started and stopped with
signals) against the sandbox tenant of this test process, which counts the
Graph calls by route, on SQLite and (when ``TEST_POSTGRES_URL`` is set)
PostgreSQL. Every new connection lands on either worker (the kernel spreads
them, ``SO_REUSEPORT``), and ``/healthz`` says which one answered, so the test
reaches both. The intake polls the pending list once when a worker takes the
job lease and then once per hour (``POLL_INTERVAL_SECONDS``), so every poll
the sandbox counted is one lease taken: two workers polling would show more.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.processes import ChildProcess, free_port
from bench.rig import bot_env
from bot.infra.job_lease import SCHEDULED_JOBS
from bot.store import job_leases
from bot.store.database import create_engine, session_factory
from sandbox.server import SandboxHandle
from tests.fakes.connector import RecordingConnector
from tests.integration.diagnosis_rig import LYNNE, personal_message
from tests.integration.empty_database import ENGINES, fresh_database

PENDING_LIST = "GET /identityGovernance/appConsent/appConsentRequests"
HOUR = 3600.0


@pytest.fixture(params=ENGINES)
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(request.param, tmp_path, "workers") as url:
        yield url


def _polls(sandbox: SandboxHandle) -> int:
    return sandbox.tenant.calls.routes[PENDING_LIST]


async def _lease_holder_pid(engine: AsyncEngine) -> int | None:
    """The pid in the holder of the job lease (``host:pid:nonce``); None when nobody holds it."""
    async with session_factory(engine)() as session:
        holder = await job_leases.holder_of(session, SCHEDULED_JOBS, datetime.now(UTC))
    return None if holder is None else int(holder.split(":")[1])


async def _until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(1200):  # 60 s: above a lease length and a restart, below a hung test
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def _answers_from_each_worker(url: str, service_url: str, workers: int) -> set[int]:
    """Post an activity over new connections until every worker has answered one; their pids."""
    answered: set[int] = set()
    for _ in range(64):  # each connection goes to either worker: 64 misses is 2**-63 likely
        limit = aiohttp.TCPConnector(limit=1)  # one connection: /healthz and the post share it
        async with aiohttp.ClientSession(connector=limit) as http:
            async with http.get(f"{url}/healthz") as health:
                who = await health.json()
            body = personal_message("help", service_url, LYNNE)
            async with http.post(f"{url}/api/messages", json=body) as answer:
                assert answer.status in {200, 202}, await answer.text()
        answered.add(int(who["pid"]))
        if len(answered) == workers:
            return answered
    raise AssertionError(f"only {answered} answered")


async def test_two_workers_share_the_port_and_the_jobs_run_in_one_then_in_another(
    sandbox: SandboxHandle, connector: RecordingConnector, tmp_path: Path, store_url: str
) -> None:
    port, data = free_port(), tmp_path / "data"
    data.mkdir()
    url = f"http://127.0.0.1:{port}"
    env = {**bot_env(sandbox.url, connector.url, port, data, HOUR), "DATABASE_URL": store_url}
    bot = ChildProcess("bot", ["app.py"], tmp_path / "bot.log", {**env, "WORKERS": "2"})
    engine = create_engine(store_url)
    await bot.start()
    try:
        await bot.wait_ready(f"{url}/healthz")
        first = await _answers_from_each_worker(url, connector.url, workers=2)

        async def held_by_one_of_them() -> bool:
            return await _lease_holder_pid(engine) in first

        await _until(held_by_one_of_them, "a worker takes the jobs")
        holder = await _lease_holder_pid(engine)
        assert holder is not None

        async def polled_once() -> bool:
            return _polls(sandbox) >= 1

        await _until(polled_once, "the jobs' first poll")

        os.kill(holder, signal.SIGKILL)

        async def taken_over() -> bool:
            return await _lease_holder_pid(engine) not in {None, holder}

        async def polled_twice() -> bool:
            return _polls(sandbox) >= 2

        await _until(taken_over, "another worker takes the jobs")
        await _until(polled_twice, "the new holder's first poll")
        second = await _answers_from_each_worker(url, connector.url, workers=2)
        assert holder not in second  # the killed worker was replaced
        assert await _lease_holder_pid(engine) in second
        assert _polls(sandbox) == 2  # one poll per lease taken: never two workers polling
    finally:
        stopped = await bot.stop()
        try:
            assert stopped == 0, bot.log_tail(40)
            assert await _lease_holder_pid(engine) is None  # given up: a restart need not wait
        finally:
            await engine.dispose()
    assert "Traceback" not in (tmp_path / "bot.log").read_text()
