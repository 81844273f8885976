"""Queries over review destinations (the conversations that receive reviewer cards)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.tables import CardPostRow, DestinationRow

if TYPE_CHECKING:
    pass


@dataclass(frozen=True, slots=True)
class DestinationSpec:
    """Where a conversation lives, as read from the activity that registered it."""

    kind: str
    conversation_id: str
    service_url: str
    name: str
    role: str = "review"
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
        was_active = existing.active and existing.role == spec.role
        existing.active = True
        existing.role = spec.role
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
        role=spec.role,
    )
    session.add(row)
    await session.flush()
    return row, True


async def active_destinations(
    session: AsyncSession, role: str = "review"
) -> Sequence[DestinationRow]:
    """Where new requests go (``review``) or where waiting ones escalate (``escalation``)."""
    rows = await session.scalars(
        select(DestinationRow)
        .where(DestinationRow.active.is_(True), DestinationRow.role == role)
        .order_by(DestinationRow.id)
    )
    return rows.all()


async def find_by_conversation(
    session: AsyncSession, conversation_id: str
) -> DestinationRow | None:
    return await session.scalar(
        select(DestinationRow).where(DestinationRow.conversation_id == conversation_id)
    )


async def get_destination(session: AsyncSession, destination_id: int) -> DestinationRow | None:
    return await session.get(DestinationRow, destination_id)


async def all_active(session: AsyncSession) -> Sequence[DestinationRow]:
    """Every active destination, review and escalation, in the order they were added."""
    rows = await session.scalars(
        select(DestinationRow).where(DestinationRow.active.is_(True)).order_by(DestinationRow.id)
    )
    return rows.all()


async def reviewers_where_posted(session: AsyncSession, request_id: str) -> list[str]:
    """Who the active destinations showing this request's card name as their reviewers.

    Object ids of users and groups, each once, in the order found.
    """
    rows = await session.scalars(
        select(DestinationRow.reviewers)
        .join(CardPostRow, CardPostRow.destination_id == DestinationRow.id)
        .where(CardPostRow.request_id == request_id, DestinationRow.active.is_(True))
        .order_by(DestinationRow.id)
    )
    found: dict[str, str] = {}
    for reviewers in rows.all():
        for object_id in reviewers or []:
            if isinstance(object_id, str) and object_id:
                found.setdefault(object_id.lower(), object_id)
    return list(found.values())
