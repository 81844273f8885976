"""The attempts consent stopped (from the sign-in log), who was offered help, and the switch.

The log is read from a stored watermark; entries are keyed by the log's own
id, so an entry read twice (the overlap that catches late entries) is kept
once. Outreach rows say when a user was last offered help with an app, so
nobody gets a second message within the period whatever the log repeats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.rowcount import rowcount
from bot.store.tables import OutreachRow, SettingRow, SignInAttemptRow
from domain.sign_ins import ConsentAttempt

WATERMARK_KEY = "sign_in_log.watermark"
SWITCH_KEY = "proactive_help"
EXCLUDED_KEY = "proactive_help.excluded"


@dataclass(frozen=True, slots=True)
class AppDemand:
    """One app people tried and failed to connect, over a period."""

    app_id: str
    app_display_name: str
    people: int
    attempts: int
    last_at: datetime
    error_codes: tuple[int, ...]


async def record_attempts(
    session: AsyncSession, attempts: Sequence[ConsentAttempt]
) -> list[ConsentAttempt]:
    """Store the attempts not stored yet; returns those (the log repeats and arrives late)."""
    ids = [a.id for a in attempts]
    known: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        known |= set(
            await session.scalars(select(SignInAttemptRow.id).where(SignInAttemptRow.id.in_(chunk)))
        )
    fresh = []
    for attempt in attempts:
        if attempt.id in known:
            continue
        known.add(attempt.id)
        session.add(
            SignInAttemptRow(
                id=attempt.id,
                user_id=attempt.user_id,
                app_id=attempt.app_id,
                app_display_name=attempt.app_display_name,
                created_at=attempt.created_at,
                error_code=attempt.error_code,
            )
        )
        fresh.append(attempt)
    await session.flush()
    return fresh


async def forget_before(session: AsyncSession, cutoff: datetime) -> int:
    """Delete attempts older than the retention period; returns how many."""
    result = await session.execute(
        delete(SignInAttemptRow).where(SignInAttemptRow.created_at < cutoff)
    )
    await session.execute(delete(OutreachRow).where(OutreachRow.sent_at < cutoff))
    return rowcount(result)


async def demand_since(session: AsyncSession, since: datetime) -> list[AppDemand]:
    """Apps people failed to connect since ``since``, most people first."""
    rows = await session.execute(
        select(
            SignInAttemptRow.app_id,
            func.max(SignInAttemptRow.app_display_name),
            func.count(func.distinct(SignInAttemptRow.user_id)),
            func.count(),
            func.max(SignInAttemptRow.created_at),
        )
        .where(SignInAttemptRow.created_at >= since)
        .group_by(SignInAttemptRow.app_id)
    )
    found = []
    for app_id, name, people, attempts, last_at in rows.all():
        codes = await session.scalars(
            select(SignInAttemptRow.error_code)
            .where(SignInAttemptRow.app_id == app_id, SignInAttemptRow.created_at >= since)
            .distinct()
        )
        found.append(AppDemand(app_id, name, people, attempts, last_at, tuple(sorted(codes))))
    return sorted(found, key=lambda d: (-d.people, -d.attempts, d.app_display_name.lower()))


async def offered_since(session: AsyncSession, user_id: str, app_id: str, since: datetime) -> bool:
    row = await session.get(OutreachRow, (user_id, app_id.lower()))
    return row is not None and row.sent_at >= since


async def mark_offered(session: AsyncSession, user_id: str, app_id: str, now: datetime) -> None:
    row = await session.get(OutreachRow, (user_id, app_id.lower()))
    if row is None:
        session.add(OutreachRow(user_id=user_id, app_id=app_id.lower(), sent_at=now))
    else:
        row.sent_at = now
    await session.flush()


async def _setting(session: AsyncSession, key: str) -> list[str] | None:
    row = await session.get(SettingRow, key)
    return list(row.value) if row is not None else None


async def _put(session: AsyncSession, key: str, value: list[str], now: datetime) -> None:
    row = await session.get(SettingRow, key)
    if row is None:
        session.add(SettingRow(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now
    await session.flush()


async def watermark(session: AsyncSession) -> datetime | None:
    value = await _setting(session, WATERMARK_KEY)
    return datetime.fromisoformat(value[0]) if value else None


async def set_watermark(session: AsyncSession, moment: datetime, now: datetime) -> None:
    await _put(session, WATERMARK_KEY, [moment.isoformat()], now)


async def proactive_help_on(session: AsyncSession) -> bool:
    """Off until an admin switches it on: the bot never messages people unasked by default."""
    return (await _setting(session, SWITCH_KEY) or ["off"]) == ["on"]


async def set_proactive_help(session: AsyncSession, on: bool, now: datetime) -> None:
    await _put(session, SWITCH_KEY, ["on" if on else "off"], now)


async def excluded_apps(session: AsyncSession) -> set[str]:
    return {a.lower() for a in await _setting(session, EXCLUDED_KEY) or []}


async def set_excluded_apps(session: AsyncSession, app_ids: Iterable[str], now: datetime) -> None:
    await _put(session, EXCLUDED_KEY, sorted({a.lower() for a in app_ids}), now)
