"""Named leases in the store: which process runs a job that must run in one place at a time.

Row workers need no such thing (each row is claimed with a lease of its own),
but a pass that polls Graph or scans the whole store would do the same work in
every process sharing the store. ``take`` is one statement, an insert that
turns into an update when the name exists, and the update happens only when
the row is this holder's or its time is past: the database decides between
processes that ask at the same instant (PostgreSQL re-checks the condition on
the row another transaction just wrote; SQLite runs one writer at a time).
Taking a lease one already holds extends it, so renewing is taking again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.rowcount import rowcount
from bot.store.tables import JobLeaseRow


async def take(
    session: AsyncSession, name: str, holder: str, now: datetime, until: datetime
) -> bool:
    """Hold ``name`` until ``until`` if it is free, expired at ``now``, or already ours."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(JobLeaseRow).values(name=name, holder=holder, held_until=until)
    result = await session.execute(
        statement.on_conflict_do_update(
            index_elements=[JobLeaseRow.name],
            set_={"holder": statement.excluded.holder, "held_until": statement.excluded.held_until},
            where=(JobLeaseRow.holder == holder) | (JobLeaseRow.held_until <= now),
        )
    )
    return rowcount(result) == 1


async def give_up(session: AsyncSession, name: str, holder: str) -> bool:
    """Free ``name`` if ``holder`` holds it (a lease taken over meanwhile stays the taker's)."""
    result = await session.execute(
        delete(JobLeaseRow).where(JobLeaseRow.name == name, JobLeaseRow.holder == holder)
    )
    return rowcount(result) == 1


async def holder_of(session: AsyncSession, name: str, now: datetime) -> str | None:
    """Who holds ``name`` at ``now``; None when nobody does (never taken, given up, expired)."""
    row = await session.scalar(
        select(JobLeaseRow).where(JobLeaseRow.name == name, JobLeaseRow.held_until > now)
    )
    return None if row is None else row.holder


class StoredLease:
    """One named lease in the store, as ``bot.infra.job_lease.JobLease`` keeps it.

    Each call is its own short transaction, so taking never waits behind other work.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], name: str) -> None:
        self._sessions = sessions
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    async def take(self, holder: str, now: datetime, until: datetime) -> bool:
        async with self._sessions() as session:
            taken = await take(session, self._name, holder, now, until)
            await session.commit()
        return taken

    async def give_up(self, holder: str) -> None:
        async with self._sessions() as session:
            await give_up(session, self._name, holder)
            await session.commit()
