"""Engine, sessions and schema migration for the store.

The schema is owned by Alembic: ``migrate`` upgrades to head on the caller's
event loop by handing Alembic a live connection, so start-up and tests use the
same path as an operator running ``alembic upgrade head``. Most starts find
the schema current: that is checked first with one query against the newest
revision named in the version files, so such a start neither imports Alembic
nor loads its environment and scripts, nor waits for the migration lock.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession  # re-exported for callers
from sqlalchemy.pool import ConnectionPoolEntry

from bot.store.outbox_bell import OutboxBell, ringing

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_POOL = 20
"""SQLite connections kept open: enough for a burst of turns without reconnecting."""
VERSION_TABLE = "alembic_version"
"""Where Alembic records the schema's revision (its default name; ``env.py`` keeps it)."""
_REVISION = re.compile(r"^revision\s*(?::[^=\n]*)?=\s*[\"']([^\"']+)[\"']\s*$", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"^down_revision\s*(?::[^=\n]*)?=\s*(?:None|[\"']([^\"']+)[\"'])\s*$", re.MULTILINE
)


def create_engine(database_url: str) -> AsyncEngine:
    """Create the async engine; SQLite gets foreign keys, WAL and a busy timeout."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Fifty turns at once each hold a connection briefly; with the default pool (5 + 10
        # overflow) a burst opened and closed connections (a thread and the PRAGMAs each).
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, pool_size=SQLITE_POOL, max_overflow=10
        )

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
    from alembic.config import Config  # only when migrating: Alembic is slow to import

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
    beside the database. Whoever waits then finds the schema at head. A schema
    already at head needs neither the lock nor Alembic (``schema_is_current``).
    """
    if await schema_is_current(engine):
        return

    def _upgrade(connection: Connection) -> None:
        from alembic import command

        command.upgrade(alembic_config(connection), "head")

    async with _sqlite_migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        await connection.run_sync(_upgrade)


async def schema_is_current(engine: AsyncEngine) -> bool:
    """Whether the store's schema is at the newest revision (one query, no Alembic).

    False whenever in doubt (no version table, several rows, a history the
    version files do not spell as a simple chain), and ``migrate`` then lets
    Alembic decide under the lock. A replica migrating meanwhile commits the
    schema and its revision together, so this sees the old revision until then.
    """
    head = head_revision()
    if head is None:
        return False

    def _at_head(connection: Connection) -> bool:
        if not connection.dialect.has_table(connection, VERSION_TABLE):
            return False
        found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))  # noqa: S608
        return list(found.scalars()) == [head]

    async with engine.connect() as connection:
        return await connection.run_sync(_at_head)


@cache
def head_revision(versions: Path = MIGRATIONS_DIR / "versions") -> str | None:
    """The newest revision, read from the version files' text without running them.

    None unless every file names one revision and one parent and they form a
    history with a single head (merges and branches are left to Alembic).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        if script.name.startswith("__"):
            continue
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        parents.update(parent for parent in down if parent)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


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
