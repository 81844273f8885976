"""The only module that sends to Teams: posts, edits and replies through the Bot Connector.

Channel destinations get one new top-level post per request (a conversation
created in the channel), so each request has its own thread for replies and
reminders; chats get a message in the conversation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession, ClientTimeout
from microsoft_agents.activity import (
    Activity,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
)
from microsoft_agents.hosting.core.connector.client import ConnectorClient

from bot.infra.outbound_tls import outbound_connector

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
TokenSource = Callable[[str], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class Address:
    """Where to send: enough of a stored destination to reach its conversation."""

    kind: str
    service_url: str
    conversation_id: str
    channel_id: str | None
    tenant_id: str | None


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """Ids needed to edit or reply to a posted card later."""

    conversation_id: str
    activity_id: str


def card_activity(card: dict[str, Any], activity_id: str | None = None) -> Activity:
    fallback = str(card.get("fallbackText") or "Consent request")
    activity = Activity(
        type="message",
        summary=fallback[:200],
        attachments=[Attachment(content_type=ADAPTIVE_CARD_CONTENT_TYPE, content=card)],
    )
    if activity_id:
        activity.id = activity_id
    return activity


class TeamsConnector:
    """Bot Connector clients per service URL, with tokens from the given source."""

    def __init__(self, *, bot_id: str, bot_name: str, token_source: TokenSource) -> None:
        self._bot = ChannelAccount(id=bot_id, name=bot_name)
        self._token_source = token_source
        self._sessions: dict[str, ClientSession] = {}

    async def _client(self, service_url: str) -> ConnectorClient:
        endpoint = service_url if service_url.endswith("/") else service_url + "/"
        session = self._sessions.get(endpoint)
        if session is None or session.closed:
            session = ClientSession(
                base_url=endpoint,
                timeout=ClientTimeout(total=30),
                connector=outbound_connector(),
            )
            self._sessions[endpoint] = session
        token = await self._token_source(service_url)
        session.headers.pop("Authorization", None)
        return ConnectorClient(endpoint, token, session=session)

    async def post_card(self, address: Address, card: dict[str, Any]) -> PostedMessage:
        client = await self._client(address.service_url)
        activity = card_activity(card)
        if address.kind == "channel" and address.channel_id:
            created = await client.conversations.create_conversation(
                ConversationParameters(
                    is_group=True,
                    bot=self._bot,
                    channel_data={"channel": {"id": address.channel_id}},
                    activity=activity,
                    tenant_id=address.tenant_id,
                )
            )
            if not created.id or not created.activity_id:
                raise ConnectorResponseError("the channel post returned no ids")
            return PostedMessage(conversation_id=created.id, activity_id=created.activity_id)
        activity.conversation = ConversationAccount(id=address.conversation_id)
        activity.from_property = self._bot
        sent = await client.conversations.send_to_conversation(address.conversation_id, activity)
        if not sent.id:
            raise ConnectorResponseError("the message post returned no id")
        return PostedMessage(conversation_id=address.conversation_id, activity_id=sent.id)

    async def update_card(
        self, service_url: str, posted: PostedMessage, card: dict[str, Any]
    ) -> None:
        client = await self._client(service_url)
        activity = card_activity(card, activity_id=posted.activity_id)
        activity.conversation = ConversationAccount(id=posted.conversation_id)
        activity.from_property = self._bot
        await client.conversations.update_activity(
            posted.conversation_id, posted.activity_id, activity
        )

    async def reply(self, service_url: str, posted: PostedMessage, text: str) -> None:
        """A text reply under a posted card (in its channel thread, or in the chat)."""
        client = await self._client(service_url)
        activity = Activity(type="message", text=text, text_format="markdown")
        activity.conversation = ConversationAccount(id=posted.conversation_id)
        activity.from_property = self._bot
        activity.reply_to_id = posted.activity_id
        await client.conversations.send_to_conversation(posted.conversation_id, activity)

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()


class ConnectorResponseError(RuntimeError):
    """The connector accepted a call but its answer lacked what we need."""
