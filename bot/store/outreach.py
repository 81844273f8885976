"""Offering help unasked: who may be messaged about which app, decided once across replicas.

``claim_offer`` is a compare-and-set on the ``outreach`` row of a user and an
app: it takes the period for this replica only if nobody offered help within
it. Any number of replicas may read the same sign-in log entries; the one
whose claim succeeds writes the message (in the same transaction), the others
write nothing. Users who said "stop" are kept apart, by their id and the time
only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.rowcount import rowcount
from bot.store.tables import ConsentRequestRow, OutreachOptOutRow, OutreachRow, SignInAttemptRow
from domain.sign_ins import ConsentAttempt


async def claim_offer(
    session: AsyncSession, user_id: str, app_id: str, now: datetime, period: timedelta
) -> bool:
    """Take this user's period for this app at ``now``; False when it is someone else's.

    A first offer inserts the row (a concurrent insert makes ours do nothing);
    a later one moves ``sent_at`` only if the last offer is older than the
    period, a condition the database re-checks against a concurrent update.
    """
    app = app_id.lower()
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    inserted = await session.execute(
        insert(OutreachRow)
        .values(user_id=user_id, app_id=app, sent_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "app_id"])
    )
    if rowcount(inserted) == 1:
        return True
    moved = await session.execute(
        update(OutreachRow)
        .where(
            OutreachRow.user_id == user_id,
            OutreachRow.app_id == app,
            OutreachRow.sent_at <= now - period,
        )
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return rowcount(moved) == 1


async def unoffered_attempts(
    session: AsyncSession, since: datetime, offered_after: datetime
) -> list[ConsentAttempt]:
    """Attempts since ``since``, oldest first, whose person and app were not offered help
    after ``offered_after``: what a pass offers, including what a crashed pass left."""
    offered = exists().where(
        OutreachRow.user_id == SignInAttemptRow.user_id,
        OutreachRow.app_id == SignInAttemptRow.app_id,
        OutreachRow.sent_at >= offered_after,
    )
    rows = await session.scalars(
        select(SignInAttemptRow)
        .where(SignInAttemptRow.created_at >= since, ~offered)
        .order_by(SignInAttemptRow.created_at)
    )
    return [
        ConsentAttempt(r.id, r.user_id, r.app_id, r.app_display_name, r.created_at, r.error_code)
        for r in rows
    ]


async def opted_out(session: AsyncSession, user_id: str) -> bool:
    return await session.get(OutreachOptOutRow, user_id) is not None


async def opted_out_among(session: AsyncSession, user_ids: set[str]) -> set[str]:
    """Which of ``user_ids`` said "stop"."""
    if not user_ids:
        return set()
    found = await session.scalars(
        select(OutreachOptOutRow.user_id).where(OutreachOptOutRow.user_id.in_(sorted(user_ids)))
    )
    return set(found)


async def set_opted_out(session: AsyncSession, user_id: str, stop: bool, now: datetime) -> bool:
    """Record "stop" (``stop``) or "start"; returns whether anything changed."""
    row = await session.get(OutreachOptOutRow, user_id)
    if stop and row is None:
        session.add(OutreachOptOutRow(user_id=user_id, stopped_at=now))
        await session.flush()
        return True
    if not stop and row is not None:
        await session.execute(delete(OutreachOptOutRow).where(OutreachOptOutRow.user_id == user_id))
        return True
    return False


async def known_app_names(session: AsyncSession) -> dict[str, str]:
    """App id -> name of every app the store met: in the sign-in log, or requested."""
    names: dict[str, str] = {}
    rows = await session.execute(
        select(ConsentRequestRow.app_id, ConsentRequestRow.app_display_name).distinct()
    )
    for app_id, name in rows.all():
        names.setdefault(app_id.lower(), name)
    rows = await session.execute(
        select(SignInAttemptRow.app_id, SignInAttemptRow.app_display_name).distinct()
    )
    for app_id, name in rows.all():
        names.setdefault(app_id.lower(), name)
    return names
