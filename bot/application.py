"""The Agents SDK application: message commands and, later, card verbs; nothing else.

Handlers translate activities into calls on ``ChatCommands`` and answers into
cards. Errors are logged with their stack and the user gets a short apology
without internals.
"""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes
from microsoft_agents.hosting.core import (
    AgentApplication,
    CardFactory,
    MemoryStorage,
    MessageFactory,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import Connections

from bot.commands import ChatCommands, Command, parse_command
from bot.i18n import Messages
from bot.store.destinations import DestinationSpec
from cards.help import build_destination_registered_card, build_help_card

logger = logging.getLogger(__name__)


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


def _is_channel(activity: Activity) -> bool:
    return bool(_channel_data(activity).get("channel"))


async def _reply_card(context: TurnContext, card: dict[str, Any]) -> None:
    await context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))


def create_agent_application(
    commands: ChatCommands, connection_manager: Connections
) -> AgentApplication[TurnState]:
    """Build the application and register every handler on it."""
    app = AgentApplication[TurnState](
        storage=MemoryStorage(),
        connection_manager=connection_manager,
        start_typing_timer=False,
        remove_recipient_mention=True,
    )

    @app.activity(ActivityTypes.message)
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        messages = Messages.for_locale(activity.locale)
        command = parse_command(activity.text)
        if command is Command.REVIEW_HERE:
            await _review_here(context, messages)
            return
        lead = None if command is Command.HELP else messages.t("help.not_understood")
        await _reply_card(context, build_help_card(messages, _is_channel(activity), lead=lead))

    async def _review_here(context: TurnContext, messages: Messages) -> None:
        activity = context.activity
        user_id = activity.from_property.aad_object_id if activity.from_property else None
        if not await commands.may_configure(user_id):
            await context.send_activity(messages.t("review_here.not_allowed"))
            return
        spec = destination_spec(activity)
        if spec is None:
            await context.send_activity(messages.t("review_here.no_conversation"))
            return
        registration = await commands.register_destination(spec, user_id)
        logger.info(
            "review destination %r registered (new=%s, backlog=%d)",
            registration.destination_name,
            registration.newly_active,
            registration.backlog_queued,
        )
        await _reply_card(
            context,
            build_destination_registered_card(
                messages, registration.destination_name, registration.backlog_queued
            ),
        )

    @app.conversation_update("membersAdded")
    async def on_members_added(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id == bot_id for member in activity.members_added or []):
            messages = Messages.for_locale(activity.locale)
            await _reply_card(context, build_help_card(messages, _is_channel(activity)))

    @app.error
    async def on_error(context: TurnContext, error: Exception) -> None:
        logger.error("turn failed", exc_info=error)
        messages = Messages.for_locale(context.activity.locale if context.activity else None)
        if context.activity is not None and context.activity.type == ActivityTypes.message:
            await context.send_activity(messages.t("error.generic"))

    return app
