"""What the store knows of one app's requests, for a diagnosis: who asked, when, and how it went.

A diagnosis needs all of it at once (the latest scopes, the asker's own latest
request, how many others are waiting), so it is read in one query; the names
of every app anyone requested help match a name someone typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.tables import ConsentRequestRow, RequesterRow
from domain.types import RequestStatus


@dataclass(frozen=True, slots=True)
class AskedBefore:
    """A user's own latest request for an app, as the diagnosis shows it."""

    request: ConsentRequestRow
    requester: RequesterRow


@dataclass(frozen=True, slots=True)
class AppHistory:
    """Every stored request for one app with its requesters, newest request first.

    Read in one query because a diagnosis needs all of it: the latest scopes,
    the asker's own latest request, and how many others are waiting.
    """

    requests: tuple[ConsentRequestRow, ...]
    requesters: dict[str, tuple[RequesterRow, ...]]

    def asked_by(self, user_id: str | None) -> tuple[ConsentRequestRow, RequesterRow] | None:
        """The user's latest request for the app, if they ever asked."""
        mine = [
            (request, person)
            for request in self.requests
            for person in self.requesters.get(request.id, ())
            if user_id and person.user_id == user_id
        ]
        return max(mine, key=lambda pair: pair[1].requested_at) if mine else None

    def others_waiting(self, user_id: str | None) -> int:
        return sum(
            1
            for request in self.requests
            if request.status == RequestStatus.PENDING
            for person in self.requesters.get(request.id, ())
            if person.user_id != user_id
        )


async def app_history(session: AsyncSession, app_id: str) -> AppHistory:
    rows = await session.execute(
        select(ConsentRequestRow, RequesterRow)
        .outerjoin(RequesterRow, RequesterRow.request_id == ConsentRequestRow.id)
        .where(func.lower(ConsentRequestRow.app_id) == app_id.lower())
        .order_by(ConsentRequestRow.first_seen_at.desc(), RequesterRow.requested_at)
    )
    ordered: dict[str, ConsentRequestRow] = {}
    people: dict[str, list[RequesterRow]] = {}
    for request, person in rows:
        ordered.setdefault(request.id, request)
        if person is not None:
            people.setdefault(request.id, []).append(person)
    return AppHistory(tuple(ordered.values()), {k: tuple(v) for k, v in people.items()})


async def known_apps(session: AsyncSession) -> dict[str, str]:
    """App id -> display name of every app anyone requested, for matching typed names."""
    rows = await session.execute(
        select(ConsentRequestRow.app_id, ConsentRequestRow.app_display_name)
    )
    return {app_id: name for app_id, name in rows.all()}
