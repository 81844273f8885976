"""A start on a current schema runs no migration; any other start still migrates as before.

``migrate`` first compares the store's revision with the newest one named in the
version files; only a store behind (or unknown to) them goes through Alembic, under
the migration lock. On SQLite and, when ``TEST_POSTGRES_URL`` is set, PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.store.database import (
    alembic_config,
    create_engine,
    head_revision,
    migrate,
    schema_is_current,
)
from sandbox.server import SandboxHandle
from tests.conftest import BACKENDS, POSTGRES_URL, ManualClock
from tests.integration.botrig import running_bot

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=BACKENDS)
async def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A store with no tables at all: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        yield engine
        await engine.dispose()
        return
    assert POSTGRES_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_async_engine(
        POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}}
    )
    yield engine
    await engine.dispose()
    async with admin.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


def _alembic_refuses(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("Alembic ran although the schema was current")


async def _revision(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list(
            (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars()
        )


async def _upgrade_to(engine: AsyncEngine, revision: str) -> None:
    """What an older release of the bot left behind: the schema at ``revision``."""
    from alembic import command

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


def test_the_head_read_from_the_version_files_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert [head_revision()] == script.get_heads()


async def test_a_second_start_on_a_current_schema_runs_no_migration(
    empty_store: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not await schema_is_current(empty_store)
    await migrate(empty_store)
    assert await schema_is_current(empty_store)

    monkeypatch.setattr("alembic.command.upgrade", _alembic_refuses)
    await migrate(empty_store)
    assert await _revision(empty_store) == [head_revision()]


async def test_a_schema_left_by_an_older_release_is_upgraded(empty_store: AsyncEngine) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    head = head_revision()
    assert head is not None
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    await _upgrade_to(empty_store, previous)
    assert not await schema_is_current(empty_store)

    await migrate(empty_store)
    assert await _revision(empty_store) == [head]


async def test_a_revision_the_version_files_do_not_know_is_left_to_alembic(
    empty_store: AsyncEngine,
) -> None:
    """A store migrated by a newer release: Alembic refuses, as it did before the quick check."""
    await migrate(empty_store)
    async with empty_store.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = 'from-the-future'"))
    assert not await schema_is_current(empty_store)
    with pytest.raises(Exception, match="from-the-future"):
        await migrate(empty_store)


async def test_replicas_on_a_current_schema_start_together(empty_store: AsyncEngine) -> None:
    await migrate(empty_store)
    await asyncio.gather(*(migrate(empty_store) for _ in range(3)))
    assert await _revision(empty_store) == [head_revision()]


def test_a_start_on_a_current_sqlite_store_does_not_import_alembic(tmp_path: Path) -> None:
    """Alembic and its environment are the slow part of a migration; a current store skips both."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    program = (
        "import asyncio, sys\n"
        "from bot.store.database import create_engine, migrate\n"
        "async def main():\n"
        f"    engine = create_engine({url!r})\n"
        "    await migrate(engine)\n"
        "    await engine.dispose()\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules)\n"
    )

    def start() -> str:
        done = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
            [sys.executable, "-c", program],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout.strip()

    assert start() == "True"  # the first start creates the schema through Alembic
    assert start() == "False"


async def test_the_bot_restarted_on_its_store_runs_no_migration(
    sandbox: SandboxHandle, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock):
        pass
    monkeypatch.setattr("alembic.command.upgrade", _alembic_refuses)
    async with (
        running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot,
        bot.http.get(f"{bot.url}/readyz") as ready,
    ):
        assert ready.status == 200
