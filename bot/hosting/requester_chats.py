"""Where to reach a requester who never wrote to the bot: the chat Graph opens for them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.graph.teams import PersonalChats
from bot.hosting.connector import Address
from bot.store import destinations


class RequesterChats:
    """Opens a 1:1 chat through Graph and pairs it with a Bot Connector URL.

    The connector URL is the configured one or, failing that, the review
    destination's: one tenant's conversations share their service URL.
    """

    def __init__(
        self,
        chats: PersonalChats,
        sessions: async_sessionmaker[AsyncSession],
        *,
        service_url: str | None,
        tenant_id: str | None,
    ) -> None:
        self._chats = chats
        self._sessions = sessions
        self._service_url = service_url
        self._tenant_id = tenant_id

    async def __call__(self, user_id: str) -> Address | None:
        chat_id = await self._chats.chat_id(user_id)
        if chat_id is None:
            return None
        service_url = self._service_url
        if service_url is None:
            async with self._sessions() as session:
                known = await destinations.active_destinations(session)
            service_url = known[-1].service_url if known else None
        if service_url is None:
            return None
        return Address("personal", service_url, chat_id, None, self._tenant_id)
