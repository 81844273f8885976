"""Engine, sessions and schema migration for the store.

The schema is owned by Alembic: ``migrate`` upgrades to head on the caller's
event loop by handing Alembic a live connection, so start-up and tests use the
same path as an operator running ``alembic upgrade head``.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession  # re-exported for callers
from sqlalchemy.pool import ConnectionPoolEntry

from bot.store.outbox_bell import OutboxBell, ringing

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def create_engine(database_url: str) -> AsyncEngine:
    """Create the async engine; SQLite gets foreign keys, WAL and a busy timeout."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: object, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True)


def session_factory(
    engine: AsyncEngine, *, bell: OutboxBell | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions of the store; with ``bell``, a commit that queued outbox rows rings it."""
    return async_sessionmaker(engine, expire_on_commit=False, **ringing(bell))


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


MIGRATION_LOCK_KEY = 0x436F6E73656E74
"""PostgreSQL advisory lock id of schema migration (any constant shared by all replicas)."""


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision (idempotent), one process at a time.

    Replicas starting together on an empty database would otherwise create the
    same tables at once and all but one fail. On PostgreSQL the migration runs
    under a transaction-level advisory lock (released with the commit); on
    SQLite, whose processes share one machine, under an exclusive lock on a file
    beside the database. Whoever waits then finds the schema at head.
    """

    def _upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "head")

    async with _sqlite_migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        await connection.run_sync(_upgrade)


@asynccontextmanager
async def _sqlite_migration_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    descriptor = await asyncio.to_thread(
        os.open, f"{database}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600
    )
    try:
        await asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock
