"""A person's "stop" and "start": whether proactive help may write to them unasked.

Said in the chat with the bot (any conversation works; the person is who
wrote), confirmed in their language. "stop" keeps only their id and the time;
it never stops the bot answering what they ask, nor notices about requests
they filed, which they asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.outreach import set_opted_out
from domain.i18n import Messages
from domain.types import Actor

logger = logging.getLogger(__name__)


class OutreachChoices:
    """Records "stop" and "start" and says what they now mean."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def choose(self, actor: Actor, *, stop: bool) -> str:
        """Record the choice of ``actor``; the confirmation to send them."""
        messages = Messages.for_locale(actor.locale)
        if not actor.user_id:
            return messages.t("outreach.no_user")
        async with self._sessions() as session:
            changed = await set_opted_out(session, actor.user_id, stop, self._clock())
            await session.commit()
        if changed:
            logger.info(
                "user %s said %s to proactive help", actor.user_id, "stop" if stop else "start"
            )
        return messages.t("outreach.stopped" if stop else "outreach.started")
