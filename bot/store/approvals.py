"""Queries over the approvals of requests that need more than one (two-person approval).

One row per reviewer and request; the unique constraint on (request, actor)
keeps a reviewer from counting twice, whatever races. Callers hold the
request's row (``requests.hold_pending``) while they add and count, so two
approvals arriving together are counted one after the other.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.tables import ApprovalRow


async def approvals_of(session: AsyncSession, request_id: str) -> Sequence[ApprovalRow]:
    """The request's approvals, oldest first."""
    rows = await session.scalars(
        select(ApprovalRow)
        .where(ApprovalRow.request_id == request_id)
        .order_by(ApprovalRow.approved_at, ApprovalRow.id)
    )
    return rows.all()


async def add_approval(
    session: AsyncSession, request_id: str, actor_id: str, actor_name: str, now: datetime
) -> None:
    """Record one approval; a second one by the same reviewer fails on the unique constraint."""
    session.add(
        ApprovalRow(
            request_id=request_id, actor_id=actor_id, actor_name=actor_name, approved_at=now
        )
    )
    await session.flush()


def counted(rows: Sequence[ApprovalRow], requester_ids: Collection[str]) -> list[ApprovalRow]:
    """The approvals that count: never one by someone who asked for the app themselves."""
    asked = {r.lower() for r in requester_ids}
    return [row for row in rows if row.actor_id.lower() not in asked]
