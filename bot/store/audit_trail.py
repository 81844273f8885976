"""The audit trail: the one writer of audit entries, and the reader behind ``audit`` and the export.

Every service records what it did through ``record``, with an action and a
result from ``domain.audit``; an entry about a request carries the request's
app and scopes in their own columns, and one about an app without a request
(the auto-approval allow-list) names the app itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.tables import AuditRow, ConsentRequestRow
from domain.audit import AuditAction, AuditResult, CommandAction


@dataclass(frozen=True, slots=True)
class AuditedApp:
    """The app an entry is about when no request names it."""

    app_id: str
    app_name: str | None
    scopes: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor_id: str | None
    actor_name: str
    action: AuditAction | CommandAction
    result: AuditResult
    request: ConsentRequestRow | None = None
    reason: str | None = None
    detail: str | None = None
    app: AuditedApp | None = None


async def record(session: AsyncSession, entry: AuditEntry, now: datetime) -> None:
    """Add ``entry`` to the session's transaction (the caller commits with its change)."""
    request, app = entry.request, entry.app
    app_id: str | None = None
    app_name: str | None = None
    scopes: list[str] = []
    if request is not None:
        app_id, app_name, scopes = request.app_id, request.app_display_name, list(request.scopes)
    elif app is not None:
        app_id, app_name, scopes = app.app_id, app.app_name, list(app.scopes)
    session.add(
        AuditRow(
            at=now,
            actor_id=entry.actor_id,
            actor_name=entry.actor_name,
            action=str(entry.action),
            request_id=request.id if request else None,
            app_id=app_id,
            app_name=app_name,
            scopes=scopes,
            reason=entry.reason,
            result=str(entry.result),
            detail=entry.detail,
        )
    )
    await session.flush()


async def audit_log(
    session: AsyncSession,
    request_id: str | None = None,
    *,
    since: datetime | None = None,
    latest: int | None = None,
) -> Sequence[AuditRow]:
    """Audit entries, oldest first: of one request, since a time, or the ``latest`` N."""
    query = select(AuditRow)
    if request_id is not None:
        query = query.where(AuditRow.request_id == request_id)
    if since is not None:
        query = query.where(AuditRow.at >= since)
    if latest is not None:
        newest = (await session.scalars(query.order_by(AuditRow.id.desc()).limit(latest))).all()
        return list(reversed(newest))
    return (await session.scalars(query.order_by(AuditRow.id))).all()
