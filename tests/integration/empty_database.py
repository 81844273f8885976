"""An empty database of its own for a test: a SQLite file, or a fresh PostgreSQL database.

Tests that start several bots (replicas) on one store, or one bot on a store
it must create, run on both engines when ``TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import POSTGRES_URL

ENGINES = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@asynccontextmanager
async def fresh_database(engine: str, tmp_path: Path, prefix: str) -> AsyncIterator[str]:
    """The URL of a new, empty database, dropped afterwards (PostgreSQL)."""
    if engine == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / f'{prefix}.db'}"
        return
    assert POSTGRES_URL is not None
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()
