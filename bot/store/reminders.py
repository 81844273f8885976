"""Reminder schedules: one row per (request, destination), claimed with a lease when due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.rowcount import rowcount
from bot.store.tables import DestinationRow, ReminderRow


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A claimed reminder with its destination's stored reminder settings (``{}``: global)."""

    row: ReminderRow
    settings: dict[str, Any]


async def schedule(
    session: AsyncSession, request_id: str, destination_id: int, first_due: datetime
) -> None:
    """Start reminding a destination of a request, unless that is already scheduled."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(ReminderRow)
        .values(
            request_id=request_id,
            destination_id=destination_id,
            next_due_at=first_due,
            sent=0,
            active=True,
        )
        .on_conflict_do_nothing(index_elements=["request_id", "destination_id"])
    )


async def claim_due(
    session: AsyncSession, now: datetime, lease: timedelta, limit: int = 50
) -> list[DueReminder]:
    """Due reminders for this worker; a conditional UPDATE makes each claim exclusive.

    The destinations' reminder settings come with the candidates, in the same query.
    """
    candidates = await session.execute(
        select(ReminderRow.id, DestinationRow.reminder_settings)
        .join(DestinationRow, DestinationRow.id == ReminderRow.destination_id)
        .where(ReminderRow.active.is_(True), ReminderRow.next_due_at <= now)
        .where((ReminderRow.lease_until.is_(None)) | (ReminderRow.lease_until < now))
        .order_by(ReminderRow.next_due_at)
        .limit(limit)
    )
    claimed: list[DueReminder] = []
    for row_id, settings in candidates.all():
        result = await session.execute(
            update(ReminderRow)
            .where(ReminderRow.id == row_id, ReminderRow.active.is_(True))
            .where(ReminderRow.next_due_at <= now)
            .where((ReminderRow.lease_until.is_(None)) | (ReminderRow.lease_until < now))
            .values(lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) == 1:
            row = await session.get(ReminderRow, row_id, populate_existing=True)
            if row is not None:
                claimed.append(DueReminder(row, dict(settings or {})))
    return claimed


async def reschedule(session: AsyncSession, reminder_id: int, sent: int, due: datetime) -> None:
    await session.execute(
        update(ReminderRow)
        .where(ReminderRow.id == reminder_id)
        .values(sent=sent, next_due_at=due, lease_until=None)
    )


async def snooze(
    session: AsyncSession, request_id: str, destination_id: int, until: datetime
) -> bool:
    """Push one destination's next reminder of a request to ``until``; False if none is active."""
    result = await session.execute(
        update(ReminderRow)
        .where(
            ReminderRow.request_id == request_id,
            ReminderRow.destination_id == destination_id,
            ReminderRow.active.is_(True),
        )
        .values(next_due_at=until)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


async def stop(session: AsyncSession, reminder_id: int) -> None:
    await session.execute(
        update(ReminderRow)
        .where(ReminderRow.id == reminder_id)
        .values(active=False, lease_until=None)
    )
