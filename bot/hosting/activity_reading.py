"""Reading an activity: where it came from, who sent it, and replying with a card.

Shared by the application's handlers and the admin commands, so every part
reads a Teams channel, chat or personal conversation the same way.
"""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import CardFactory, MessageFactory, TurnContext

from bot.store.destinations import DestinationSpec
from domain.types import Actor


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    if isinstance(data, dict):
        return data
    dumped = getattr(data, "model_dump", None)
    return dumped(by_alias=True) if callable(dumped) else {}


def destination_spec(activity: Activity) -> DestinationSpec | None:
    """Where this activity came from, as a place to post reviewer cards."""
    conversation = activity.conversation
    if conversation is None or not conversation.id or not activity.service_url:
        return None
    data = _channel_data(activity)
    channel = data.get("channel") or {}
    team = data.get("team") or {}
    tenant = (data.get("tenant") or {}).get("id") or conversation.tenant_id
    if channel.get("id"):
        team_name = team.get("name")
        # Teams gives the General channel the team's id, and often sends no channel name.
        channel_name = channel.get("name") or (
            "General" if channel["id"] == team.get("id") else channel["id"]
        )
        return DestinationSpec(
            kind="channel",
            conversation_id=channel["id"],
            channel_id=channel["id"],
            team_id=team.get("id"),
            tenant_id=tenant,
            service_url=activity.service_url,
            name=f"{team_name} / {channel_name}" if team_name else channel_name,
        )
    kind = "personal" if conversation.conversation_type == "personal" else "chat"
    sender = activity.from_property.name if activity.from_property else None
    return DestinationSpec(
        kind=kind,
        conversation_id=conversation.id,
        tenant_id=tenant,
        service_url=activity.service_url,
        name=conversation.name or (f"Chat with {sender}" if sender else "Chat"),
    )


def is_channel(activity: Activity) -> bool:
    return bool(_channel_data(activity).get("channel"))


class _BuiltCard(dict[str, Any]):
    """A card that nothing changes once it is built.

    The SDK deep-copies every outgoing activity before sending it; a card of
    a few hundred elements then costs more to copy than to build. Copies of
    the activity share it instead (only the activity's own fields change).
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> _BuiltCard:
        return self


async def reply_card(context: TurnContext, card: dict[str, Any]) -> None:
    attachment = CardFactory.adaptive_card(_BuiltCard(card))
    await context.send_activity(MessageFactory.attachment(attachment))


def actor_of(activity: Activity) -> Actor:
    sender = activity.from_property
    return Actor(
        user_id=sender.aad_object_id if sender else None,
        name=(sender.name if sender else None) or "someone",
        locale=activity.locale,
    )
