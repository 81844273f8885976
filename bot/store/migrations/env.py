"""Alembic environment: runs on a connection handed in by ``bot.store.database.migrate``.

Run from the command line, it builds an engine from ``DATABASE_URL`` through the
settings object, so the operator's command and the bot agree on the database.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.tables import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_settings() -> None:
    from bot.store.database import create_engine
    from config.settings import load_settings

    engine = create_engine(load_settings().effective_database_url)
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    asyncio.run(_run_from_settings())
