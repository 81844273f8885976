"""The Agents SDK application: which handler answers each message, card verb and event.

Handlers translate activities into calls on the services (decisions, the
diagnosis, chat commands, admin commands and panels) and answers into cards.
Errors are logged with their stack and the user gets a short apology without
internals.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    InvokeResponse,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    MemoryStorage,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.app import RouteRank
from microsoft_agents.hosting.core.app.adaptive_card.factory import (
    adaptive_card as adaptive_card_response,
)
from microsoft_agents.hosting.core.app.adaptive_card.factory import (
    message as message_response,
)
from microsoft_agents.hosting.core.authorization import Connections
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from bot.admin.admin_chat import AdminChat
from bot.admin.admin_panels import PANEL_COMMANDS, AdminPanels
from bot.admin.auto_approval_admin import AllowListCommands
from bot.admin.commands import (
    ADMIN_COMMANDS,
    ChatCommands,
    Command,
    parse_command,
)
from bot.admin.failed_messages import FailedMessages
from bot.diagnosis.service import Diagnostician
from bot.graph.gateway import MissingGraphPermission
from bot.graph.user_names import DirectoryNames
from bot.hosting.activity_reading import actor_of, destination_spec, is_channel, reply_card
from bot.hosting.reviewer_sign_in import ReviewerSignIn
from bot.review.decisions import Actor, DecisionService, UnknownRequest
from cards import failed_messages as failed_cards
from cards import verbs
from cards.help import build_help_card
from cards.text import safe
from domain.i18n import Messages

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4000
"""Longest chat message read: a pasted error page fits; commands and app names are short."""


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
    names: DirectoryNames,
    failed: FailedMessages,
    sign_in: ReviewerSignIn | None = None,
) -> AgentApplication[TurnState]:
    """Build the application and register every handler on it."""
    app = AgentApplication[TurnState](
        storage=MemoryStorage(),
        connection_manager=connection_manager,
        start_typing_timer=False,
        remove_recipient_mention=True,
    )

    async def _name_sender_from_directory(activity: Activity) -> None:
        """From here on the sender carries the directory's name, never the activity's.

        ``from.name`` is the sender's own claim; ``from.aadObjectId`` (checked to
        be a GUID at the door) is what the channel vouches for. When the
        directory cannot name the user, the object id stands in.
        """
        sender = activity.from_property
        if sender is not None:
            object_id = sender.aad_object_id
            sender.name = (await names.name_of(object_id) or object_id) if object_id else None

    @app.before_turn
    async def _clicks_named_by_directory(context: TurnContext, _state: TurnState) -> bool:
        """Card clicks decide, audit and ask reviewers: always under the directory's name."""
        if context.activity.type == ActivityTypes.invoke:
            await _name_sender_from_directory(context.activity)
        return True

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
            card = await act(request_id, actor_of(context.activity))
        except UnknownRequest:
            return AdaptiveCardInvokeResponse(
                status_code=HTTPStatus.NOT_FOUND,
                type="application/vnd.microsoft.error",
                value={"code": "NotFound", "message": "this request is not known here"},
            )
        return adaptive_card_response(card)

    async def _with_reviewer_rights(
        context: TurnContext, data: Any, act: Callable[[str, Actor], Awaitable[dict[str, Any]]]
    ) -> AdaptiveCardInvokeResponse:
        """Approve and block: in delegated mode, only once the reviewer has signed in."""
        if sign_in is not None:
            answer = await sign_in.gate(context.activity)
            if answer is not None:
                return answer
        return await _card_action(context, data, act)

    @app.adaptive_card.action_execute(verbs.APPROVE)
    async def on_approve(context: TurnContext, _state: TurnState, data: Any) -> Any:
        return await _with_reviewer_rights(context, data, decisions.approve)

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
                    request_id, actor_of(context.activity), spec.conversation_id if spec else None
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
        return await _with_reviewer_rights(context, data, decisions.confirm_block)

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
        card = await diagnostician.answer_for_app(_data(data), actor_of(context.activity))
        return adaptive_card_response(card)

    @app.adaptive_card.action_execute(verbs.ASK_REVIEWERS)
    async def on_ask_reviewers(context: TurnContext, _state: TurnState, data: Any) -> Any:
        card = await diagnostician.ask_reviewers(_data(data), actor_of(context.activity))
        return adaptive_card_response(card)

    panels.register(app, actor_of, destination_spec)
    admin_chat = AdminChat(commands, panels, allow_list, failed)

    @app.adaptive_card.action_execute(failed_cards.RETRY_VERB)
    async def on_retry_failed(context: TurnContext, _state: TurnState, data: Any) -> Any:
        messages = Messages.for_locale(context.activity.locale)
        card = await failed.retry(actor_of(context.activity), _data(data), messages)
        return adaptive_card_response(card)

    @app.activity(ActivityTypes.message)
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        activity = context.activity
        await _remember_personal_chat(activity)
        messages = Messages.for_locale(activity.locale)
        length = len(activity.text or "")
        if length > MAX_MESSAGE_CHARS:
            # Nothing said to this bot needs more; reading it all would cost every user time.
            too_long = messages.t("message.too_long", length=length, limit=MAX_MESSAGE_CHARS)
            await reply_card(
                context, build_help_card(messages, is_channel(activity), lead=too_long)
            )
            return
        command = parse_command(activity.text)
        if command not in {Command.UNKNOWN, Command.HELP}:
            # Commands audit and name places; a question answers only the asker, who
            # signs the drafted message to IT themselves: no directory read on that path.
            await _name_sender_from_directory(activity)
        if command in PANEL_COMMANDS:
            await reply_card(
                context, await panels.open(command, actor_of(activity), destination_spec(activity))
            )
            return
        if command in ADMIN_COMMANDS:
            actor = actor_of(activity)
            if not await commands.may_configure(actor.user_id):
                await commands.audit_refusal(actor, command)
                await context.send_activity(messages.t("admin.not_allowed"))
                return
            await admin_chat.handle(context, messages, command, actor)
            return
        if command is Command.UNKNOWN:
            # Anything else may be "why can't I connect <app>?" in some form.
            answer = await diagnostician.answer(activity.text, actor_of(activity))
            if answer is not None:
                await reply_card(context, answer)
                return
        lead = None if command is Command.HELP else messages.t("help.not_understood")
        await reply_card(context, build_help_card(messages, is_channel(activity), lead=lead))

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
            await reply_card(context, build_help_card(messages, is_channel(activity)))

    @app.adaptive_card.action_execute(re.compile(".*"), rank=RouteRank.LAST)
    async def on_unknown_verb(context: TurnContext, _state: TurnState, _unused: Any) -> Any:
        """A button of a card from another version, or a hand-made click: say so, change nothing."""
        action = _data(context.activity.value).get("action")
        logger.warning("a card action with an unknown verb %r", _data(action).get("verb"))
        messages = Messages.for_locale(context.activity.locale)
        return AdaptiveCardInvokeResponse(
            status_code=HTTPStatus.BAD_REQUEST,
            type="application/vnd.microsoft.error",
            value={"code": "BadRequest", "message": messages.t("error.unknown_action")},
        )

    @app.error
    async def on_error(context: TurnContext, error: Exception) -> None:
        """Log the failure and tell the user to try again: a card click gets its answer
        (Teams waits for one), a message gets a reply; nothing internal is shown."""
        logger.error("turn failed", exc_info=error)
        activity = context.activity
        messages = Messages.for_locale(activity.locale if activity else None)
        text = _error_text(error, messages)
        try:
            if activity is not None and activity.type == ActivityTypes.message:
                await context.send_activity(text)
            elif activity is not None and activity.type == ActivityTypes.invoke:
                answer = message_response(text)
                await context.send_activity(
                    Activity(
                        type=ActivityTypes.invoke_response,
                        value=InvokeResponse(
                            status=HTTPStatus.OK,
                            body=answer.model_dump(mode="json", by_alias=True, exclude_none=True),
                        ),
                    )
                )
        except Exception:
            logger.exception("could not tell the user that their turn failed")

    return app


def _error_text(error: Exception, messages: Messages) -> str:
    """What to tell the user: which permission IT must grant when Graph said so, else try again."""
    if isinstance(error, MissingGraphPermission):
        return messages.t("error.graph_permission", permission=error.permission)
    if isinstance(error, ODataError) and error.response_status_code == 403:
        return messages.t("error.graph_refused")
    return messages.t("error.generic")
