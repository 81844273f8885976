"""What chat commands do, independent of the Agents SDK types that carry them.

``bot.application`` parses the activity and calls in here; this module reads
and writes the store and decides who may do what.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.graph import GraphGateway
from bot.reviewer_cards import ReviewerCards
from bot.reviewers import CONSENT_ADMIN_ROLE_TEMPLATE_IDS
from bot.store import decisions, destinations, requests
from bot.store.destinations import DestinationSpec


class Command(StrEnum):
    REVIEW_HERE = "review here"
    ESCALATE_HERE = "escalate here"
    HELP = "help"
    UNKNOWN = "unknown"


_ALIASES = {
    "review here": Command.REVIEW_HERE,
    "review in here": Command.REVIEW_HERE,
    "escalate here": Command.ESCALATE_HERE,
    "help": Command.HELP,
    "?": Command.HELP,
    # A greeting is a fine way to start: answer with what the bot does, not "not understood".
    "hi": Command.HELP,
    "hello": Command.HELP,
    "hey": Command.HELP,
    "bonjour": Command.HELP,
    "salut": Command.HELP,
    "こんにちは": Command.HELP,
}


def parse_command(text: str | None) -> Command:
    """Map what the user typed (mention already removed) to a command."""
    normalised = re.sub(r"\s+", " ", (text or "").strip().lower()).rstrip(".!")
    return _ALIASES.get(normalised, Command.UNKNOWN)


@dataclass(frozen=True, slots=True)
class Registration:
    destination_name: str
    newly_active: bool
    backlog_queued: int


class ChatCommands:
    """Registration of review destinations and the permission check behind it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        graph: GraphGateway,
        cards: ReviewerCards,
        clock: Callable[[], datetime],
        *,
        anyone_may_configure: bool,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._sessions = sessions
        self._graph = graph
        self._cards = cards
        self._clock = clock
        self._anyone_may_configure = anyone_may_configure
        self._on_queued = on_queued

    async def may_configure(self, user_id: str | None) -> bool:
        """Until admin configuration lands: sandbox lets anyone, production needs a consent role."""
        if self._anyone_may_configure:
            return True
        if not user_id:
            return False
        roles = await self._graph.directory_role_template_ids(user_id)
        return bool(roles & CONSENT_ADMIN_ROLE_TEMPLATE_IDS)

    async def remember_chat(
        self,
        *,
        user_id: str,
        conversation_id: str,
        service_url: str,
        tenant_id: str | None,
        locale: str | None,
    ) -> None:
        async with self._sessions() as session:
            await decisions.remember_chat(
                session,
                user_id=user_id,
                conversation_id=conversation_id,
                service_url=service_url,
                tenant_id=tenant_id,
                locale=locale,
                now=self._clock(),
            )
            await session.commit()

    async def register_destination(
        self, spec: DestinationSpec, user_id: str | None
    ) -> Registration:
        """Make this conversation a review destination and queue the pending backlog to it."""
        async with self._sessions() as session:
            row, newly_active = await destinations.register_destination(
                session, spec, user_id, self._clock()
            )
            # A review destination gets the pending backlog (as a digest when it is long);
            # an escalation one only what escalates later.
            backlog = await requests.pending_requests(session) if spec.role == "review" else []
            queued = await self._cards.announce(session, backlog, [row])
            await session.commit()
        if queued:
            self._on_queued()
        return Registration(row.name, newly_active, queued)
