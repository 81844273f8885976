"""The Agents SDK application: message commands and, later, card verbs; nothing else.

Handlers translate activities into calls on ``ChatCommands`` and answers into
cards. Errors are logged with their stack and the user gets a short apology
without internals.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from http import HTTPStatus
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, AdaptiveCardInvokeResponse
from microsoft_agents.hosting.core import (
    AgentApplication,
    CardFactory,
    MemoryStorage,
    MessageFactory,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.app.adaptive_card.factory import (
    adaptive_card as adaptive_card_response,
)
from microsoft_agents.hosting.core.app.adaptive_card.factory import (
    message as message_response,
)
from microsoft_agents.hosting.core.authorization import Connections

from bot.admin_panels import PANEL_COMMANDS, AdminPanels
from bot.auto_approval_admin import AUTO_APPROVAL_COMMANDS, AllowListCommands
from bot.commands import (
    ADMIN_COMMANDS,
    RENAME_LIMIT,
    ChatCommands,
    Command,
    arguments,
    parse_command,
    rename_argument,
    route_rule,
    valid_approvals,
)
from bot.decisions import Actor, DecisionService, UnknownRequest
from bot.diagnosis.service import Diagnostician
from bot.i18n import Messages
from bot.routing import MAX_APPROVALS, valid_pattern
from bot.store.destinations import DestinationSpec
from cards import verbs
from cards.admin import AUDIT_SHOWN, build_audit_card, build_destinations_card, build_rules_card
from cards.help import build_destination_registered_card, build_help_card
from cards.text import safe

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


def _actor(activity: Activity) -> Actor:
    sender = activity.from_property
    return Actor(
        user_id=sender.aad_object_id if sender else None,
        name=(sender.name if sender else None) or "someone",
        locale=activity.locale,
    )


def _data(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {}


def _request_id(data: Any) -> str | None:
    value = data.get(verbs.REQUEST_ID_KEY) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def create_agent_application(
    commands: ChatCommands,
    decisions: DecisionService,
    diagnostician: Diagnostician,
    panels: AdminPanels,
    connection_manager: Connections,
    allow_list: AllowListCommands,
) -> AgentApplication[TurnState]:
    """Build the application and register every handler on it."""
    app = AgentApplication[TurnState](
        storage=MemoryStorage(),
        connection_manager=connection_manager,
        start_typing_timer=False,
        remove_recipient_mention=True,
    )

    async def _card_action(
        context: TurnContext, data: Any, act: Callable[[str, Actor], Awaitable[dict[str, Any]]]
    ) -> AdaptiveCardInvokeResponse:
        request_id = _request_id(data)
        if request_id is None:
            return AdaptiveCardInvokeResponse(
                status_code=HTTPStatus.BAD_REQUEST,
                type="application/vnd.microsoft.error",
                value={"code": "BadRequest", "message": "the card names no request"},
            )
        try:
            card = await act(request_id, _actor(context.activity))
        except UnknownRequest:
            return AdaptiveCardInvokeResponse(
                status_code=HTTPStatus.NOT_FOUND,
                type="application/vnd.microsoft.error",
                value={"code": "NotFound", "message": "this request is not known here"},
            )
        return adaptive_card_response(card)

    @app.adaptive_card.action_execute(verbs.APPROVE)
    async def on_approve(context: TurnContext, _state: TurnState, data: Any) -> Any:
        return await _card_action(context, data, decisions.approve)

    @app.adaptive_card.action_execute(verbs.DENY)
    async def on_deny(context: TurnContext, _state: TurnState, data: Any) -> Any:
        reason = data.get(verbs.REASON_INPUT_ID) if isinstance(data, dict) else None

        async def deny(request_id: str, actor: Actor) -> dict[str, Any]:
            return await decisions.deny(
                request_id, actor, reason if isinstance(reason, str) else None
            )

        return await _card_action(context, data, deny)

    @app.adaptive_card.action_execute(verbs.SNOOZE)
    async def on_snooze(context: TurnContext, _state: TurnState, data: Any) -> Any:
        spec = destination_spec(context.activity)
        here = spec.conversation_id if spec else None

        async def snooze(request_id: str, actor: Actor) -> dict[str, Any]:
            return await decisions.snooze(request_id, actor, here)

        return await _card_action(context, data, snooze)

    @app.adaptive_card.action_execute(verbs.SHOW_CARD)
    async def on_show_card(context: TurnContext, _state: TurnState, data: Any) -> Any:
        """A digest item's button: post that request's full card; the digest stays as it is."""
        request_id = _request_id(data)
        spec = destination_spec(context.activity)
        messages = Messages.for_locale(context.activity.locale)
        try:
            app_name = (
                await decisions.show_card(
                    request_id, _actor(context.activity), spec.conversation_id if spec else None
                )
                if request_id
                else None
            )
        except UnknownRequest:
            app_name = None
        if app_name is None:
            return message_response(messages.t("digest.not_here"))
        return message_response(messages.t("digest.posting", app=safe(app_name)))

    @app.adaptive_card.action_execute(verbs.BLOCK)
    async def on_block(context: TurnContext, _state: TurnState, data: Any) -> Any:
        return await _card_action(context, data, decisions.ask_block)

    @app.adaptive_card.action_execute(verbs.BLOCK_CONFIRM)
    async def on_block_confirm(context: TurnContext, _state: TurnState, data: Any) -> Any:
        return await _card_action(context, data, decisions.confirm_block)

    async def current(request_id: str, _actor: Actor) -> dict[str, Any]:
        return await decisions.current_card(request_id)

    @app.adaptive_card.action_execute(verbs.BLOCK_CANCEL)
    async def on_block_cancel(context: TurnContext, _state: TurnState, data: Any) -> Any:
        return await _card_action(context, data, current)

    @app.adaptive_card.action_execute(verbs.REFRESH)
    async def on_refresh(context: TurnContext, _state: TurnState, data: Any) -> Any:
        return await _card_action(context, data, current)

    @app.adaptive_card.action_execute(verbs.DIAGNOSE)
    async def on_diagnose(context: TurnContext, _state: TurnState, data: Any) -> Any:
        """An app picked on the "which app?" card."""
        card = await diagnostician.answer_for_app(_data(data), _actor(context.activity))
        return adaptive_card_response(card)

    @app.adaptive_card.action_execute(verbs.ASK_REVIEWERS)
    async def on_ask_reviewers(context: TurnContext, _state: TurnState, data: Any) -> Any:
        card = await diagnostician.ask_reviewers(_data(data), _actor(context.activity))
        return adaptive_card_response(card)

    panels.register(app, _actor, destination_spec)

    @app.activity(ActivityTypes.message)
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        await _remember_personal_chat(activity)
        messages = Messages.for_locale(activity.locale)
        command = parse_command(activity.text)
        if command in PANEL_COMMANDS:
            await _reply_card(
                context, await panels.open(command, _actor(activity), destination_spec(activity))
            )
            return
        if command in ADMIN_COMMANDS:
            actor = _actor(activity)
            if not await commands.may_configure(actor.user_id):
                await commands.audit_refusal(actor, command)
                await context.send_activity(messages.t("admin.not_allowed"))
                return
            await _admin_command(context, messages, command, actor)
            return
        if command is Command.UNKNOWN:
            # Anything else may be "why can't I connect <app>?" in some form.
            answer = await diagnostician.answer(activity.text, _actor(activity))
            if answer is not None:
                await _reply_card(context, answer)
                return
        lead = None if command is Command.HELP else messages.t("help.not_understood")
        await _reply_card(context, build_help_card(messages, _is_channel(activity), lead=lead))

    async def _admin_command(
        context: TurnContext, messages: Messages, command: Command, actor: Actor
    ) -> None:
        """An admin's command; the caller already checked that the sender is an admin."""
        if command in (Command.REVIEW_HERE, Command.ESCALATE_HERE):
            await _register_here(context, messages, command, actor.user_id)
        elif command is Command.DESTINATIONS:
            await _reply_card(
                context, build_destinations_card(await commands.destinations(), messages)
            )
        elif command is Command.AUDIT:
            await _reply_card(
                context, build_audit_card(await commands.recent_audit(AUDIT_SHOWN), messages)
            )
        elif command is Command.REVIEW_BY:
            await context.send_activity(await panels.review_by(actor, context.activity.text))
        elif command is Command.STOP_REVIEWS_FOR:
            await context.send_activity(await panels.stop_reviews_for(actor, context.activity.text))
        elif command is Command.RENAME:
            await _rename_here(context, messages, actor)
        elif command in (Command.ROUTE, Command.RULES, Command.REMOVE_RULE, Command.HIGH_RISK):
            await _routing_command(context, messages, command, actor)
        elif command in AUTO_APPROVAL_COMMANDS:
            await _reply_card(
                context, await allow_list.answer(command, context.activity.text, actor)
            )
        elif command is Command.STOP_HERE:
            spec = destination_spec(context.activity)
            stopped = await commands.stop_here(spec.conversation_id, actor) if spec else None
            key = "admin.stopped" if stopped else "admin.not_a_destination"
            await context.send_activity(
                messages.t(key, destination=safe(stopped.name) if stopped else "")
            )

    async def _routing_command(
        context: TurnContext, messages: Messages, command: Command, actor: Actor
    ) -> None:
        text = context.activity.text
        if command is Command.ROUTE:
            rule = route_rule(text)
            spec = destination_spec(context.activity)
            if rule is None:
                await context.send_activity(messages.t("admin.route_invalid"))
                return
            kind, app_id, approvals = rule
            if not valid_approvals(approvals):
                invalid = messages.t("admin.route_approvals_invalid", most=MAX_APPROVALS)
                await context.send_activity(invalid)
                return
            added = (
                await commands.add_route(spec.conversation_id, kind, app_id, actor, approvals)
                if spec
                else None
            )
            if added and approvals > 1:
                await context.send_activity(
                    messages.t("admin.route_added_approvals", count=approvals)
                )
            else:
                key = "admin.route_added" if added else "admin.route_needs_destination"
                await context.send_activity(messages.t(key))
            if not added:
                return
        elif command is Command.REMOVE_RULE:
            words = arguments(text, command)
            number = int(words[0]) if len(words) == 1 and words[0].isdigit() else 0
            if not await commands.remove_rule(number, actor):
                await context.send_activity(messages.t("admin.remove_rule_invalid"))
                return
        elif command is Command.HIGH_RISK:
            patterns = arguments(text, command)
            if patterns:
                bad = [p for p in patterns if not valid_pattern(p)]
                if bad or len(patterns) > 100:
                    shown = ", ".join(safe(p) for p in bad[:5])
                    await context.send_activity(messages.t("admin.high_risk_invalid", bad=shown))
                    return
                await commands.set_high_risk(patterns, actor)
        card = build_rules_card(await commands.rules(), await commands.high_risk(), messages)
        await _reply_card(context, card)

    async def _rename_here(context: TurnContext, messages: Messages, actor: Actor) -> None:
        new_name = rename_argument(context.activity.text)
        if not new_name or len(new_name) > RENAME_LIMIT:
            await context.send_activity(messages.t("admin.rename_invalid", limit=RENAME_LIMIT))
            return
        spec = destination_spec(context.activity)
        renamed = (
            await commands.rename_here(spec.conversation_id, new_name, actor) if spec else None
        )
        if renamed is None:
            await context.send_activity(messages.t("admin.not_a_destination", destination=""))
            return
        await context.send_activity(messages.t("admin.renamed", destination=safe(renamed.name)))

    async def _register_here(
        context: TurnContext, messages: Messages, command: Command, user_id: str | None
    ) -> None:
        activity = context.activity
        spec = destination_spec(activity)
        if spec is None:
            await context.send_activity(messages.t("review_here.no_conversation"))
            return
        role = "escalation" if command is Command.ESCALATE_HERE else "review"
        registration = await commands.register_destination(replace(spec, role=role), user_id)
        logger.info(
            "%s destination %r registered (new=%s, backlog=%d)",
            role,
            registration.destination_name,
            registration.newly_active,
            registration.backlog_queued,
        )
        if role == "escalation":
            text = messages.t("escalate_here.registered", destination=registration.destination_name)
            await context.send_activity(text)
            return
        await _reply_card(
            context,
            build_destination_registered_card(
                messages, registration.destination_name, registration.backlog_queued
            ),
        )

    async def _remember_personal_chat(activity: Activity) -> None:
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
        await commands.remember_chat(
            user_id=sender.aad_object_id,
            conversation_id=conversation.id,
            service_url=activity.service_url,
            tenant_id=conversation.tenant_id,
            locale=activity.locale,
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
