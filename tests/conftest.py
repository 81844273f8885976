"""Shared fixtures: the sandbox tenant, a recording connector, and stores on every backend.

Everything runs over real HTTP on 127.0.0.1. The store fixtures run each test
on SQLite and, when ``TEST_POSTGRES_URL`` is set, on PostgreSQL too, each test
in a schema of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store.database import create_engine, migrate
from tests.fakes.connector import RecordingConnector

if TYPE_CHECKING:
    from sandbox.server import SandboxHandle

# Helpers modules that check with ``assert`` get pytest's detailed failure messages too.
pytest.register_assert_rewrite(
    "tests.card_checks",
    "tests.hostile_text",
    "tests.integration.channel_chat",
    "tests.integration.decision_clicks",
    "tests.integration.sandbox_cli_runner",
)

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


class ManualClock:
    """A clock tests move by hand; nothing in the tests sleeps to pass time."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def held_to_graph_metadata(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test during which a sandbox refused a request Graph's metadata does not describe.

    The sandbox answers such a request 400 and records it; a test that sends one
    on purpose says so with ``@pytest.mark.graph_contract_violations``. A property
    accepted only because its type is open must be one the bot declares it relies
    on (``bot.graph.undocumented``), which the README lists.
    """
    from bot.graph.undocumented import UNDOCUMENTED_PROPERTIES
    from sandbox.graph.contract_record import PROCESS_OPEN_PROPERTIES, PROCESS_VIOLATIONS

    violations_before = len(PROCESS_VIOLATIONS)
    opens_before = len(PROCESS_OPEN_PROPERTIES)
    yield
    if request.node.get_closest_marker("graph_contract_violations") is not None:
        return
    problems = [
        f"  {v.method} {v.path}: {v.message}" for v in PROCESS_VIOLATIONS[violations_before:]
    ]
    problems += [
        f"  {kind}.{name}: not in the metadata and not declared in bot/graph/undocumented.py"
        for kind, name in sorted(set(PROCESS_OPEN_PROPERTIES[opens_before:]))
        if (kind, name) not in UNDOCUMENTED_PROPERTIES
    ]
    if problems:
        listed = "\n".join(problems)
        pytest.fail(f"requests Graph's metadata does not describe:\n{listed}", pytrace=False)


@pytest.fixture
async def scheduler() -> AsyncIterator[AsyncIOScheduler]:
    """A running APScheduler for tests of scheduled passes; shut down after the test."""
    running = AsyncIOScheduler(timezone="UTC")
    running.start()
    yield running
    if running.running:
        running.shutdown(wait=False)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sandbox(clock: ManualClock) -> AsyncIterator[SandboxHandle]:
    from sandbox.seed import seeded_tenant
    from sandbox.server import start_sandbox

    handle = await start_sandbox(tenant=seeded_tenant(clock=clock))
    yield handle
    await handle.close()


@pytest.fixture
async def http(sandbox: SandboxHandle) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client session with the sandbox's address as base URL."""
    async with aiohttp.ClientSession(sandbox.url) as session:
        yield session


@pytest.fixture
async def connector() -> AsyncIterator[RecordingConnector]:
    fake = RecordingConnector()
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}/"
    yield fake
    await runner.cleanup()


async def _postgres_engine() -> tuple[AsyncEngine, str, str]:
    assert POSTGRES_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    engine = create_async_engine(
        POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}}
    )
    return engine, schema, POSTGRES_URL


@pytest.fixture(params=BACKENDS)
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty store on each configured backend."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        await migrate(engine)
        yield engine
        await engine.dispose()
        return
    engine, schema, url = await _postgres_engine()
    await migrate(engine)
    yield engine
    await engine.dispose()
    admin = create_async_engine(url)
    async with admin.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()
