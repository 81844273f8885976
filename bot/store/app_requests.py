"""The stored consent requests of several apps at once, for lists of apps such as "blocked apps"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.tables import ConsentRequestRow
from domain.types import RequestStatus

OPEN_STATUSES = frozenset({RequestStatus.PENDING, RequestStatus.APPROVING, RequestStatus.BLOCKING})
"""A request in these is still open: waiting for a decision, or one being carried out."""


async def requests_for_apps(
    session: AsyncSession, app_ids: Iterable[str]
) -> Sequence[ConsentRequestRow]:
    """Every stored request (any origin, any status) for these apps, newest first, in one query."""
    wanted = sorted({app_id.lower() for app_id in app_ids})
    if not wanted:
        return []
    rows = await session.scalars(
        select(ConsentRequestRow)
        .where(func.lower(ConsentRequestRow.app_id).in_(wanted))
        .order_by(ConsentRequestRow.first_seen_at.desc(), ConsentRequestRow.id)
    )
    return rows.all()


def open_request(rows: Sequence[ConsentRequestRow], app_id: str) -> ConsentRequestRow | None:
    """The newest open request for ``app_id`` among ``rows`` (newest first)."""
    key = app_id.lower()
    return next((r for r in rows if r.app_id.lower() == key and r.status in OPEN_STATUSES), None)


def latest_scopes(rows: Sequence[ConsentRequestRow], app_id: str) -> tuple[str, ...]:
    """The permissions of the newest request for ``app_id`` that named any."""
    key = app_id.lower()
    return next((tuple(r.scopes) for r in rows if r.app_id.lower() == key and r.scopes), ())
