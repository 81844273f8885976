"""Each user's 1:1 chat with the bot, remembered when they write to it, to tell them outcomes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from microsoft_agents.activity import Activity
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store import decisions


class UserChats:
    """Records the personal conversation a user writes from (and its language)."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def remember(self, activity: Activity) -> None:
        """A user who writes to the bot 1:1 can be told outcomes there later."""
        conversation = activity.conversation
        sender = activity.from_property
        if (
            conversation is None
            or conversation.conversation_type != "personal"
            or sender is None
            or not sender.aad_object_id
            or not activity.service_url
        ):
            return
        for attempt in (1, 2):
            async with self._sessions() as session:
                try:
                    await decisions.remember_chat(
                        session,
                        user_id=sender.aad_object_id,
                        conversation_id=conversation.id,
                        service_url=activity.service_url,
                        tenant_id=conversation.tenant_id,
                        locale=activity.locale,
                        now=self._clock(),
                    )
                    await session.commit()
                    return
                except IntegrityError:
                    # Two first messages at once: the other one inserted; update it instead.
                    await session.rollback()
                    if attempt == 2:
                        raise
