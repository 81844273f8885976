"""How many consent requests the bot has recorded (and detailed), read from its SQLite file.

Whether the bot has finished taking in a backlog is not visible from outside:
Graph calls and connector messages are only its side effects, and a poll
that fails after listing the requests looks like a steady one. The bot
exposes no such count (``/readyz`` has none), so the suite opens the store of
the pair it started, read-only, and counts ``consent_requests`` rows. It never
writes, and a locked or missing file reads as "unknown" (None).
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

DATABASE_FILE = "consent-desk.db"


def _count(database: Path, query: str) -> int | None:
    if not database.exists():
        return None
    try:
        with closing(
            sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=0.5)
        ) as connection:
            row = connection.execute(query).fetchone()
    except sqlite3.Error:
        return None
    return int(row[0])


async def recorded_requests(data_dir: Path) -> int | None:
    """Rows in the bot's ``consent_requests`` table; None when the store cannot be read."""
    query = "SELECT count(*) FROM consent_requests"
    return await asyncio.to_thread(_count, data_dir / DATABASE_FILE, query)


async def awaiting_details(data_dir: Path) -> int | None:
    """Requests recorded from the pending list whose apps the bot has not read yet."""
    query = "SELECT count(*) FROM consent_requests WHERE details_pending"
    return await asyncio.to_thread(_count, data_dir / DATABASE_FILE, query)
