"""Queries over review destinations (the conversations that receive reviewer cards)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.tables import DestinationRow


@dataclass(frozen=True, slots=True)
class DestinationSpec:
    """Where a conversation lives, as read from the activity that registered it."""

    kind: str
    conversation_id: str
    service_url: str
    name: str
    channel_id: str | None = None
    team_id: str | None = None
    tenant_id: str | None = None


async def register_destination(
    session: AsyncSession, spec: DestinationSpec, registered_by: str | None, now: datetime
) -> tuple[DestinationRow, bool]:
    """Create or reactivate the destination; returns it and whether it is newly active."""
    existing = await session.scalar(
        select(DestinationRow).where(DestinationRow.conversation_id == spec.conversation_id)
    )
    if existing is not None:
        was_active = existing.active
        existing.active = True
        existing.service_url = spec.service_url
        existing.name = spec.name
        await session.flush()
        return existing, not was_active
    row = DestinationRow(
        kind=spec.kind,
        conversation_id=spec.conversation_id,
        channel_id=spec.channel_id,
        team_id=spec.team_id,
        tenant_id=spec.tenant_id,
        service_url=spec.service_url,
        name=spec.name,
        registered_by=registered_by,
        registered_at=now,
        active=True,
    )
    session.add(row)
    await session.flush()
    return row, True


async def active_destinations(session: AsyncSession) -> Sequence[DestinationRow]:
    rows = await session.scalars(
        select(DestinationRow).where(DestinationRow.active.is_(True)).order_by(DestinationRow.id)
    )
    return rows.all()


async def get_destination(session: AsyncSession, destination_id: int) -> DestinationRow | None:
    return await session.get(DestinationRow, destination_id)
