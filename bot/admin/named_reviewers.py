"""Named people as review destinations: "review by meganb@example.com" sends cards to her 1:1 chat.

A person destination is an ordinary destination whose conversation is the
bot's personal chat with that user: the one they already have with the bot,
or one Graph opens by installing the bot for them (as for requester notices).
The named person may decide on the cards sent to them, on top of the Entra
workflow's reviewers; approving still needs a consent-granting role.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.commands import ChatCommands
from bot.graph.json_reads import GraphReadError
from bot.graph.reviewer_lookup import Directory, ReviewerLookup
from bot.hosting.connector import Address
from bot.store import audit_trail, decisions, destinations
from bot.store.audit_trail import AuditEntry
from bot.store.destinations import DestinationSpec
from bot.store.tables import DestinationRow
from domain.audit import AuditAction, AuditResult
from domain.types import Actor

logger = logging.getLogger(__name__)

MAX_PEOPLE = 10


class Outcome(StrEnum):
    ADDED = "added"
    UNKNOWN = "unknown"
    NO_CHAT = "no_chat"


@dataclass(frozen=True, slots=True)
class PersonResult:
    typed: str
    outcome: Outcome
    name: str = ""
    backlog: int = 0


class NamedReviewers:
    """Adds and removes person destinations; the caller has checked the sender is an admin."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        commands: ChatCommands,
        lookup: ReviewerLookup,
        open_chat: Callable[[str], Awaitable[Address | None]],
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._commands = commands
        self._lookup = lookup
        self._open_chat = open_chat
        self._clock = clock

    async def add(self, actor: Actor, keys: list[str]) -> list[PersonResult]:
        """Make each named user a destination; one result per name, in the order typed."""
        results = []
        for key in keys[:MAX_PEOPLE]:
            try:
                user = await self._lookup.user(key)
            except GraphReadError:
                logger.warning("could not look up %r for a person destination", key)
                user = None
            if user is None:
                results.append(PersonResult(key, Outcome.UNKNOWN))
                continue
            address = await self._chat_with(user.id)
            if address is None:
                results.append(PersonResult(key, Outcome.NO_CHAT, user.name))
                await self._audit(actor, AuditResult.FAILED, f"{user.name}: no 1:1 chat")
                continue
            registration = await self._register(actor, user, address)
            results.append(PersonResult(key, Outcome.ADDED, user.name, registration))
            await self._audit(actor, AuditResult.SUCCEEDED, f"{user.name} ({user.id})")
        return results

    async def remove(self, actor: Actor, key: str) -> DestinationRow | None:
        """Stop sending cards to that person; None when they are not a destination."""
        try:
            user = await self._lookup.user(key)
        except GraphReadError:
            user = None
        if user is None:
            return None
        async with self._sessions() as session:
            found = [d for d in await destinations.all_active(session) if d.person_id == user.id]
        if not found:
            return None
        return await self._commands.stop_here(found[0].conversation_id, actor)

    async def _chat_with(self, user_id: str) -> Address | None:
        async with self._sessions() as session:
            known = await decisions.chat_of(session, user_id)
        if known is not None and known.blocked_at is None:
            return Address("personal", known.service_url, known.conversation_id, None, None)
        try:
            return await self._open_chat(user_id)
        except Exception:
            logger.exception("could not open a 1:1 chat with %s", user_id)
            return None

    async def _register(self, actor: Actor, user: Directory, address: Address) -> int:
        async def mark_person(_session: AsyncSession, row: DestinationRow) -> None:
            row.person_id = user.id
            if user.id not in row.reviewers:
                row.reviewers = [*row.reviewers, user.id]

        spec = DestinationSpec(
            kind="personal",
            conversation_id=address.conversation_id,
            service_url=address.service_url,
            name=user.name,
            tenant_id=address.tenant_id,
        )
        registration = await self._commands.configure(spec, actor.user_id, mark_person)
        return registration.backlog_queued

    async def _audit(self, actor: Actor, result: AuditResult, detail: str) -> None:
        async with self._sessions() as session:
            entry = AuditEntry(
                actor.user_id, actor.name, AuditAction.ADD_PERSON_DESTINATION, result, detail=detail
            )
            await audit_trail.record(session, entry, self._clock())
            await session.commit()
