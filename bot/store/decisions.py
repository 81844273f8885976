"""Queries over decisions and users' 1:1 chats with the bot (the audit trail: ``audit_trail``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.rowcount import rowcount
from bot.store.tables import DecisionRow, UserChatRow

QUEUED, DONE, FAILED = "queued", "done", "failed"


async def add_decision(
    session: AsyncSession,
    *,
    request_id: str,
    action: str,
    actor_id: str | None,
    actor_name: str,
    reason: str | None,
    now: datetime,
    state: str,
) -> DecisionRow:
    row = DecisionRow(
        request_id=request_id,
        action=action,
        state=state,
        actor_id=actor_id,
        actor_name=actor_name,
        reason=reason,
        decided_at=now,
        completed_at=now if state == DONE else None,
        problem=None,
        unresolved_scopes=[],
        attempts=0,
        next_attempt_at=now,
        lease_until=None,
    )
    session.add(row)
    await session.flush()
    return row


async def latest_decision(session: AsyncSession, request_id: str) -> DecisionRow | None:
    return await session.scalar(
        select(DecisionRow)
        .where(DecisionRow.request_id == request_id)
        .order_by(DecisionRow.id.desc())
        .limit(1)
    )


async def claim_queued(
    session: AsyncSession, now: datetime, lease: timedelta, limit: int = 10
) -> list[DecisionRow]:
    """Queued decisions whose retry time has come and that no live worker holds."""
    candidates = await session.scalars(
        select(DecisionRow.id)
        .where(DecisionRow.state == QUEUED, DecisionRow.next_attempt_at <= now)
        .where((DecisionRow.lease_until.is_(None)) | (DecisionRow.lease_until < now))
        .order_by(DecisionRow.id)
        .limit(limit)
    )
    claimed: list[DecisionRow] = []
    for row_id in candidates.all():
        result = await session.execute(
            update(DecisionRow)
            .where(DecisionRow.id == row_id, DecisionRow.state == QUEUED)
            .where((DecisionRow.lease_until.is_(None)) | (DecisionRow.lease_until < now))
            .values(lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) == 1:
            row = await session.get(DecisionRow, row_id, populate_existing=True)
            if row is not None:
                claimed.append(row)
    return claimed


async def finish_decision(
    session: AsyncSession,
    decision_id: int,
    state: str,
    now: datetime,
    *,
    problem: str | None = None,
    unresolved: Sequence[str] = (),
) -> None:
    await session.execute(
        update(DecisionRow)
        .where(DecisionRow.id == decision_id)
        .values(
            state=state,
            completed_at=now,
            lease_until=None,
            problem=problem,
            unresolved_scopes=list(unresolved),
        )
    )


async def renew_lease(session: AsyncSession, decision_id: int, until: datetime) -> None:
    """Keep a decision claimed while its worker is alive (nothing once it finished)."""
    await session.execute(
        update(DecisionRow)
        .where(
            DecisionRow.id == decision_id,
            DecisionRow.state == QUEUED,
            DecisionRow.lease_until.is_not(None),
        )
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )


async def retry_decision(
    session: AsyncSession, decision_id: int, attempts: int, at: datetime, problem: str
) -> None:
    await session.execute(
        update(DecisionRow)
        .where(DecisionRow.id == decision_id)
        .values(attempts=attempts, next_attempt_at=at, lease_until=None, problem=problem)
    )


async def remember_chat(
    session: AsyncSession,
    *,
    user_id: str,
    conversation_id: str,
    service_url: str,
    tenant_id: str | None,
    locale: str | None,
    now: datetime,
) -> None:
    row = await session.get(UserChatRow, user_id)
    if row is None:
        session.add(
            UserChatRow(
                user_id=user_id,
                conversation_id=conversation_id,
                service_url=service_url,
                tenant_id=tenant_id,
                locale=locale,
                updated_at=now,
                blocked_at=None,
            )
        )
    else:
        wanted = (conversation_id, service_url, tenant_id, locale or row.locale, None)
        current = (row.conversation_id, row.service_url, row.tenant_id, row.locale, row.blocked_at)
        if wanted == current:
            return  # the usual case: nothing to write, so a busy chat costs no write
        row.conversation_id, row.service_url, row.tenant_id, row.locale, row.blocked_at = wanted
        row.updated_at = now
    await session.flush()


async def mark_chat_blocked(session: AsyncSession, user_id: str, now: datetime) -> None:
    """The user blocked or removed the bot: stop messaging them until they write again."""
    await session.execute(
        update(UserChatRow).where(UserChatRow.user_id == user_id).values(blocked_at=now)
    )


async def chat_of(session: AsyncSession, user_id: str) -> UserChatRow | None:
    return await session.get(UserChatRow, user_id)
