"""Replicas starting at the same instant on an empty database all come up and serve.

Each start migrates the schema; the migration runs under PostgreSQL's advisory
lock (SQLite: a file lock), so the second replica waits and finds the schema
at head instead of failing on tables the first is creating.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store.database import create_engine, migrate
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, running_bot
from tests.integration.diagnosis_rig import LYNNE, personal_message
from tests.integration.empty_database import ENGINES, fresh_database

REPLICAS = 3


@pytest.fixture(params=ENGINES)
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(request.param, tmp_path, "replicas") as url:
        yield url


async def test_migrations_started_together_all_succeed(empty_database: str) -> None:
    engines = [create_engine(empty_database) for _ in range(REPLICAS)]
    try:
        await asyncio.gather(*(migrate(engine) for engine in engines))
        async with engines[0].connect() as connection:
            head = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        assert head
    finally:
        await asyncio.gather(*(engine.dispose() for engine in engines))


async def test_replicas_started_together_all_serve(
    empty_database: str,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    async with AsyncExitStack() as stack:
        bots: list[BotRig] = await asyncio.gather(
            *(
                stack.enter_async_context(
                    running_bot(
                        graph_url=sandbox.url,
                        data_dir=tmp_path / f"replica-{number}",
                        clock=clock,
                        database_url=empty_database,
                    )
                )
                for number in range(REPLICAS)
            )
        )
        for bot in bots:
            answer = await bot.post_activity(personal_message("help", connector.url, LYNNE))
            assert answer.status in {200, 202}
        assert len(connector.posts()) == REPLICAS
