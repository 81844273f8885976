"""Queries over many requests' requesters at once, for the poll and the digest.

A busy tenant's poll compares a thousand requests' users with the store, and a
digest names the people behind each of a thousand requests: one query per few
hundred requests, never one per request.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.tables import RequesterRow

IN_LIST = 500
"""Ids per ``IN (...)``: well under every database's limit on bound parameters."""


async def requester_ids(session: AsyncSession, request_ids: Iterable[str]) -> dict[str, set[str]]:
    """The users' request ids stored under each request, in one query."""
    wanted = list(request_ids)
    found: dict[str, set[str]] = {request_id: set() for request_id in wanted}
    for start in range(0, len(wanted), IN_LIST):
        rows = await session.execute(
            select(RequesterRow.request_id, RequesterRow.id).where(
                RequesterRow.request_id.in_(wanted[start : start + IN_LIST])
            )
        )
        for request_id, requester_id in rows.all():
            found[request_id].add(requester_id)
    return found


async def requester_names(
    session: AsyncSession, request_ids: Iterable[str]
) -> dict[str, list[str]]:
    """Each request's requesters' names, earliest first, in one query per few hundred requests."""
    wanted = list(request_ids)
    found: dict[str, list[str]] = {request_id: [] for request_id in wanted}
    for start in range(0, len(wanted), IN_LIST):
        rows = await session.execute(
            select(RequesterRow.request_id, RequesterRow.display_name)
            .where(RequesterRow.request_id.in_(wanted[start : start + IN_LIST]))
            .order_by(RequesterRow.requested_at)
        )
        for request_id, name in rows.all():
            found[request_id].append(name)
    return found
