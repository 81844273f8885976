"""Queries over consent requests and their requesters.

Functions take an open session so the caller controls the transaction: intake
writes a request, its requesters and its outbox rows in one commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.rowcount import rowcount
from bot.store.tables import ConsentRequestRow, RequesterRow, UserChatRow
from domain.types import RequestOrigin, RequestStatus


@dataclass(frozen=True, slots=True)
class NewRequester:
    id: str
    user_id: str
    display_name: str
    user_principal_name: str | None
    mail: str | None
    reason: str | None
    requested_at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class NewRequest:
    id: str
    app_id: str
    app_display_name: str
    scopes: tuple[str, ...]
    first_requested_at: datetime
    expires_at: datetime | None
    app_snapshot: dict[str, Any]
    requesters: tuple[NewRequester, ...]
    origin: RequestOrigin = RequestOrigin.ENTRA
    details_pending: bool = False


_PENDING_IN_ENTRA = (
    ConsentRequestRow.status == RequestStatus.PENDING,
    ConsentRequestRow.origin == RequestOrigin.ENTRA,
)


async def open_request_ids(session: AsyncSession) -> set[str]:
    """Ids of every Entra request the store still considers pending.

    Requests asked through the bot are left out: Graph does not know them, so
    intake must neither look them up nor close them.
    """
    rows = await session.scalars(select(ConsentRequestRow.id).where(*_PENDING_IN_ENTRA))
    return set(rows)


async def open_request_scopes(session: AsyncSession) -> dict[str, list[str]]:
    """The stored scopes of every pending request, read in one query."""
    rows = await session.execute(
        select(ConsentRequestRow.id, ConsentRequestRow.scopes).where(*_PENDING_IN_ENTRA)
    )
    return {request_id: list(scopes) for request_id, scopes in rows.all()}


async def known_request_ids(session: AsyncSession, ids: Iterable[str]) -> set[str]:
    wanted = list(ids)
    if not wanted:
        return set()
    rows = await session.scalars(
        select(ConsentRequestRow.id).where(ConsentRequestRow.id.in_(wanted))
    )
    return set(rows)


async def insert_request(session: AsyncSession, request: NewRequest, now: datetime) -> None:
    await insert_requests(session, [request], now)


async def insert_requests(
    session: AsyncSession, new: Sequence[NewRequest], now: datetime
) -> list[ConsentRequestRow]:
    """Add requests and their requesters in one flush (a backlog is a thousand of them)."""
    rows = []
    for request in new:
        row = ConsentRequestRow(
            id=request.id,
            app_id=request.app_id,
            app_display_name=request.app_display_name,
            scopes=list(request.scopes),
            status=RequestStatus.PENDING,
            first_requested_at=request.first_requested_at,
            expires_at=request.expires_at,
            first_seen_at=now,
            last_seen_at=now,
            closed_at=None,
            app_snapshot=request.app_snapshot,
            origin=request.origin,
            details_pending=request.details_pending,
        )
        session.add(row)
        session.add_all(_requester_row(request.id, r) for r in request.requesters)
        rows.append(row)
    await session.flush()
    return rows


async def awaiting_details(session: AsyncSession, limit: int) -> Sequence[ConsentRequestRow]:
    """Requests recorded from the list alone, pending ones first, then longest-waiting first.

    One decided or closed before its app was read is completed too, so its card
    does not say "being checked" for ever.
    """
    rows = await session.scalars(
        select(ConsentRequestRow)
        .where(ConsentRequestRow.details_pending.is_(True))
        .order_by(
            (ConsentRequestRow.status != RequestStatus.PENDING),
            ConsentRequestRow.first_requested_at,
            ConsentRequestRow.id,
        )
        .limit(limit)
    )
    return rows.all()


def _requester_row(request_id: str, requester: NewRequester) -> RequesterRow:
    return RequesterRow(
        id=requester.id,
        request_id=request_id,
        user_id=requester.user_id,
        display_name=requester.display_name,
        user_principal_name=requester.user_principal_name,
        mail=requester.mail,
        reason=requester.reason,
        requested_at=requester.requested_at,
        status=requester.status,
    )


async def add_requesters(
    session: AsyncSession, request_id: str, requesters: Iterable[NewRequester]
) -> list[str]:
    """Record users who joined a known request; returns the ids that were new."""
    known = set(
        await session.scalars(select(RequesterRow.id).where(RequesterRow.request_id == request_id))
    )
    added = [r for r in requesters if r.id not in known]
    for requester in added:
        session.add(_requester_row(request_id, requester))
    await session.flush()
    return [r.id for r in added]


async def preferred_locale(session: AsyncSession, user_id: str) -> str | None:
    """The locale a user last wrote to the bot in, if they ever did."""
    chat = await session.get(UserChatRow, user_id)
    return chat.locale if chat is not None else None


async def get_request(session: AsyncSession, request_id: str) -> ConsentRequestRow | None:
    return await session.get(ConsentRequestRow, request_id)


async def requesters_of(session: AsyncSession, request_id: str) -> Sequence[RequesterRow]:
    rows = await session.scalars(
        select(RequesterRow)
        .where(RequesterRow.request_id == request_id)
        .order_by(RequesterRow.requested_at)
    )
    return rows.all()


async def update_scopes(
    session: AsyncSession, request_id: str, scopes: Sequence[str], now: datetime
) -> bool:
    """Record a changed scope list; returns whether anything changed."""
    row = await session.get(ConsentRequestRow, request_id)
    if row is None or list(row.scopes) == list(scopes):
        return False
    row.scopes = list(scopes)
    row.last_seen_at = now
    await session.flush()
    return True


async def move_status(
    session: AsyncSession,
    request_id: str,
    expected: RequestStatus,
    new: RequestStatus,
    now: datetime,
) -> bool:
    """Compare-and-set on the request's status: of two racing clicks exactly one wins."""
    closed = new not in {RequestStatus.PENDING, RequestStatus.APPROVING, RequestStatus.BLOCKING}
    result = await session.execute(
        update(ConsentRequestRow)
        .where(ConsentRequestRow.id == request_id, ConsentRequestRow.status == expected)
        .values(status=new, last_seen_at=now, closed_at=now if closed else None)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


async def hold_pending(session: AsyncSession, request_id: str) -> bool:
    """Take the pending request's row for the rest of the transaction; False if not pending.

    A write that changes nothing, so it takes the row lock (PostgreSQL) or
    the write lock (SQLite): approvals of one request are then counted one
    transaction after the other, and a count never misses a concurrent one.
    """
    result = await session.execute(
        update(ConsentRequestRow)
        .where(
            ConsentRequestRow.id == request_id, ConsentRequestRow.status == RequestStatus.PENDING
        )
        .values(status=ConsentRequestRow.status)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


async def close_request(
    session: AsyncSession, request_id: str, status: RequestStatus, now: datetime
) -> bool:
    """Move a pending request to a closed status; returns False if it was not pending."""
    return await move_status(session, request_id, RequestStatus.PENDING, status, now)


async def pending_requests(session: AsyncSession) -> Sequence[ConsentRequestRow]:
    rows = await session.scalars(
        select(ConsentRequestRow)
        .where(ConsentRequestRow.status == RequestStatus.PENDING)
        .order_by(ConsentRequestRow.first_requested_at)
    )
    return rows.all()


async def open_bot_request(session: AsyncSession, app_id: str) -> ConsentRequestRow | None:
    """The pending request asked through the bot for an app, which later askers join."""
    rows = await session.scalars(
        select(ConsentRequestRow).where(
            func.lower(ConsentRequestRow.app_id) == app_id.lower(),
            ConsentRequestRow.origin == RequestOrigin.BOT,
            ConsentRequestRow.status == RequestStatus.PENDING,
        )
    )
    return rows.first()


BOT_REQUEST_PREFIX = "bot-"


async def next_bot_request_id(session: AsyncSession, app_id: str) -> str:
    """The id of the app's next request asked through the bot: ``bot-{appId}-{n}``.

    Made from what the store holds, not drawn at random, so two people (or
    two workers) opening the app's request at the same moment choose the same
    id, and the store keeps one: the slower insert fails on the primary key
    and joins, or shows, the request the quicker one made.
    """
    key = app_id.lower()
    made = await session.scalar(
        select(func.count()).where(
            func.lower(ConsentRequestRow.app_id) == key,
            ConsentRequestRow.origin == RequestOrigin.BOT,
        )
    )
    return f"{BOT_REQUEST_PREFIX}{key}-{(made or 0) + 1}"


async def open_bot_requests(session: AsyncSession) -> Sequence[ConsentRequestRow]:
    """Pending requests asked through the bot, oldest first."""
    rows = await session.scalars(
        select(ConsentRequestRow)
        .where(
            ConsentRequestRow.origin == RequestOrigin.BOT,
            ConsentRequestRow.status == RequestStatus.PENDING,
        )
        .order_by(ConsentRequestRow.first_seen_at)
    )
    return rows.all()
