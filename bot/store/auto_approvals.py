"""Queries over the auto-approval allow-list: apps the admins let the bot approve itself.

App ids are stored lower-case (chat and the config file both write them so),
so a lookup is a primary-key read whatever case Graph or an admin used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.tables import AutoApprovalRow, ConsentRequestRow


async def entries(session: AsyncSession) -> Sequence[AutoApprovalRow]:
    """The whole list, named apps first by name, then the rest by id."""
    rows = await session.scalars(select(AutoApprovalRow))
    return sorted(
        rows.all(), key=lambda row: (row.app_name is None, (row.app_name or "").lower(), row.app_id)
    )


async def get_entry(session: AsyncSession, app_id: str) -> AutoApprovalRow | None:
    return await session.get(AutoApprovalRow, app_id.lower())


async def entries_for(session: AsyncSession, app_ids: Iterable[str]) -> dict[str, AutoApprovalRow]:
    """The entries of these apps, by lower-case app id, in one query."""
    wanted = sorted({app_id.lower() for app_id in app_ids})
    if not wanted:
        return {}
    rows = await session.scalars(select(AutoApprovalRow).where(AutoApprovalRow.app_id.in_(wanted)))
    return {row.app_id: row for row in rows}


async def put_entry(
    session: AsyncSession,
    *,
    app_id: str,
    app_name: str | None,
    max_scopes: Sequence[str],
    created_by: str | None,
    now: datetime,
    origin: str = "chat",
) -> AutoApprovalRow:
    """Add the app, or replace its entry (scopes, author, time, origin) if it is listed."""
    row = await get_entry(session, app_id)
    if row is None:
        row = AutoApprovalRow(app_id=app_id.lower())
        session.add(row)
    row.app_name = app_name or row.app_name
    row.max_scopes = list(max_scopes)
    row.created_by = created_by
    row.created_at = now
    row.origin = origin
    await session.flush()
    return row


async def remove_entry(session: AsyncSession, app_id: str) -> AutoApprovalRow | None:
    """Take the app off the list; returns the removed entry, or None if it was not listed."""
    row = await get_entry(session, app_id)
    if row is None:
        return None
    await session.delete(row)
    await session.flush()
    return row


async def name_entry(session: AsyncSession, app_id: str, app_name: str) -> None:
    """Give a listed app its display name once a request shows it (chat entries have none)."""
    row = await get_entry(session, app_id)
    if row is not None and not row.app_name and app_name:
        row.app_name = app_name
        await session.flush()


async def known_app_name(session: AsyncSession, app_id: str) -> str | None:
    """The app's display name from its latest stored request, if anyone ever asked for it."""
    name: str | None = await session.scalar(
        select(ConsentRequestRow.app_display_name)
        .where(func.lower(ConsentRequestRow.app_id) == app_id.lower())
        .order_by(ConsentRequestRow.first_seen_at.desc())
        .limit(1)
    )
    return name
