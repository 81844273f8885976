"""The outbox: durable intents to send or edit Teams messages, and where cards landed.

Rows are written in the transaction that makes the change they report. Workers
claim rows with a lease through conditional UPDATEs, so several replicas can
share one database and a crashed worker's rows are picked up again when the
lease runs out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.outbox_bell import mark_queued
from bot.store.rowcount import rowcount
from bot.store.tables import CardPostRow, OutboxRow


class OutboxKind(StrEnum):
    POST_CARD = "post_card"
    UPDATE_CARD = "update_card"
    NOTIFY_USER = "notify_user"
    REPLY = "reply"  # a text reply in the thread of a request's card


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    kind: OutboxKind,
    destination_id: int | None,
    request_id: str | None,
    payload: dict[str, Any],
    now: datetime,
    user_id: str | None = None,
) -> bool:
    """Add a row unless one with the same key exists; returns whether it was added."""
    values = {
        "idempotency_key": key,
        "kind": kind.value,
        "destination_id": destination_id,
        "user_id": user_id,
        "request_id": request_id,
        "payload": payload,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    result = await session.execute(statement)
    added = rowcount(result) == 1
    if added:
        mark_queued(session)
    return added


async def claim_due(
    session: AsyncSession, now: datetime, lease: timedelta, limit: int = 20
) -> list[OutboxRow]:
    """Take up to ``limit`` due rows for this worker, oldest first.

    A row is due when pending and its retry time has come, or when a worker
    that claimed it has not finished before its lease ran out.
    """
    candidates = await session.scalars(
        select(OutboxRow.id)
        .where(
            or_(
                (OutboxRow.status == OutboxStatus.PENDING) & (OutboxRow.next_attempt_at <= now),
                (OutboxRow.status == OutboxStatus.SENDING) & (OutboxRow.lease_until < now),
            )
        )
        .order_by(OutboxRow.id)
        .limit(limit)
    )
    claimed: list[OutboxRow] = []
    for row_id in candidates.all():
        result = await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == row_id)
            .where(
                or_(
                    OutboxRow.status == OutboxStatus.PENDING,
                    (OutboxRow.status == OutboxStatus.SENDING) & (OutboxRow.lease_until < now),
                )
            )
            .values(status=OutboxStatus.SENDING.value, lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) == 1:
            row = await session.get(OutboxRow, row_id, populate_existing=True)
            if row is not None:
                claimed.append(row)
    return claimed


async def mark_sent(session: AsyncSession, row_id: int, now: datetime) -> None:
    await session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id)
        .values(status=OutboxStatus.SENT.value, sent_at=now, lease_until=None, last_error=None)
    )


async def schedule_retry(
    session: AsyncSession, row_id: int, attempts: int, retry_at: datetime, error: str
) -> None:
    await session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id)
        .values(
            status=OutboxStatus.PENDING.value,
            attempts=attempts,
            next_attempt_at=retry_at,
            lease_until=None,
            last_error=error[:2000],
        )
    )


async def mark_failed(session: AsyncSession, row_id: int, attempts: int, error: str) -> None:
    await session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id)
        .values(
            status=OutboxStatus.FAILED.value,
            attempts=attempts,
            lease_until=None,
            last_error=error[:2000],
        )
    )


async def failed_rows(session: AsyncSession, limit: int = 20) -> Sequence[OutboxRow]:
    """Rows given up, newest first: what admins see under ``failed messages``."""
    rows = await session.scalars(
        select(OutboxRow)
        .where(OutboxRow.status == OutboxStatus.FAILED)
        .order_by(OutboxRow.id.desc())
        .limit(limit)
    )
    return rows.all()


async def count_failed(session: AsyncSession) -> int:
    found = await session.scalar(
        select(func.count()).select_from(OutboxRow).where(OutboxRow.status == OutboxStatus.FAILED)
    )
    return int(found or 0)


async def retry_failed(session: AsyncSession, row_ids: Sequence[int], now: datetime) -> int:
    """Put given-up rows back in the queue with fresh tries and a fresh day; returns how many."""
    if not row_ids:
        return 0
    result = await session.execute(
        update(OutboxRow)
        .where(OutboxRow.id.in_(list(row_ids)), OutboxRow.status == OutboxStatus.FAILED)
        .values(
            status=OutboxStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    retried = rowcount(result)
    if retried:
        mark_queued(session)
    return retried


async def has_unsent_post(session: AsyncSession, request_id: str, destination_id: int) -> bool:
    row = await session.scalar(
        select(OutboxRow.id).where(
            OutboxRow.request_id == request_id,
            OutboxRow.destination_id == destination_id,
            OutboxRow.kind == OutboxKind.POST_CARD,
            OutboxRow.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
    )
    return row is not None


async def record_post(
    session: AsyncSession,
    *,
    request_id: str,
    destination_id: int,
    conversation_id: str,
    activity_id: str,
    now: datetime,
) -> None:
    session.add(
        CardPostRow(
            request_id=request_id,
            destination_id=destination_id,
            conversation_id=conversation_id,
            activity_id=activity_id,
            posted_at=now,
        )
    )
    await session.flush()


async def post_for(
    session: AsyncSession, request_id: str, destination_id: int
) -> CardPostRow | None:
    return await session.scalar(
        select(CardPostRow).where(
            CardPostRow.request_id == request_id, CardPostRow.destination_id == destination_id
        )
    )


async def posts_for_request(session: AsyncSession, request_id: str) -> Sequence[CardPostRow]:
    rows = await session.scalars(
        select(CardPostRow).where(CardPostRow.request_id == request_id).order_by(CardPostRow.id)
    )
    return rows.all()


async def destinations_with_unsent_post(session: AsyncSession, request_id: str) -> set[int]:
    """Destinations whose post of this request's card is queued but not yet sent."""
    rows = await session.scalars(
        select(OutboxRow.destination_id).where(
            OutboxRow.request_id == request_id,
            OutboxRow.kind == OutboxKind.POST_CARD,
            OutboxRow.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
    )
    return {row for row in rows if row is not None}
