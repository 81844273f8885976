"""The Agents SDK application: which handler answers each message, card verb and event.

Handlers translate activities into calls on the services (decisions, the
diagnosis, chat commands, admin commands and panels) and answers into cards.
Errors are logged with their stack and the user gets a short apology without
internals.
"""

from __future__ import annotations

import asyncio
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
    message as message_response,
)
from microsoft_agents.hosting.core.authorization import Connections

from bot.admin.admin_chat import AdminChat
from bot.admin.card_actions import register_admin_actions
from bot.admin.command_table import Command, Who, parse_command, spec_of
from bot.admin.wiring import AdminSide
from bot.diagnosis.card_actions import register_diagnosis_actions
from bot.diagnosis.service import Diagnostician
from bot.graph.gateway import MissingGraphPermission
from bot.graph.json_reads import GraphReadError
from bot.graph.user_names import DirectoryNames
from bot.hosting.activity_reading import actor_of, destination_spec, is_channel, reply_card
from bot.hosting.card_actions import CardActions
from bot.hosting.reviewer_sign_in import ReviewerSignIn
from bot.hosting.user_chats import UserChats
from bot.outreach.choices import OutreachChoices
from bot.review.card_actions import register_review_actions
from bot.review.card_requests import CardRequests
from bot.review.decisions import DecisionService
from cards import verbs
from cards.help import build_help_card
from domain.i18n import Messages

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4000
"""Longest chat message read: a pasted error page fits; commands and app names are short."""


def _data(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {}


DECISION_VERBS = frozenset({verbs.APPROVE, verbs.DENY, verbs.BLOCK, verbs.BLOCK_CONFIRM})
"""Clicks whose answer depends on the clicker's directory roles."""


def _verb(activity: Activity) -> str | None:
    """An ``adaptiveCard/action`` invoke's verb, when it has one."""
    action = _data(activity.value).get("action")
    verb = action.get("verb") if isinstance(action, dict) else None
    return verb if isinstance(verb, str) else None


def create_agent_application(
    admin: AdminSide,
    decisions: DecisionService,
    card_requests: CardRequests,
    diagnostician: Diagnostician,
    connection_manager: Connections,
    names: DirectoryNames,
    user_chats: UserChats,
    sign_in: ReviewerSignIn | None = None,
    *,
    outreach: OutreachChoices,
) -> AgentApplication[TurnState]:
    """Build the application: each side registers its card buttons; messages are routed here."""
    app = AgentApplication[TurnState](
        storage=MemoryStorage(),
        connection_manager=connection_manager,
        start_typing_timer=False,
        remove_recipient_mention=True,
    )
    name_sender = _sender_naming(names)

    @app.before_turn
    async def _clicks_named_by_directory(context: TurnContext, _state: TurnState) -> bool:
        """Card clicks decide, audit and ask reviewers: always under the directory's name.

        A decision click also needs the clicker's roles: that read starts first,
        so it runs while the name is read. When the name took a round trip of its
        own, the roles are waited for with it, so the check knows them and can
        leave out the group membership read for a reviewer by role.
        """
        activity = context.activity
        if activity.type == ActivityTypes.invoke:
            sender = activity.from_property
            object_id = sender.aad_object_id if sender is not None else None
            early = None
            if object_id and _verb(activity) in DECISION_VERBS:
                early = decisions.read_rights_early(object_id)
            named_already = object_id is not None and names.knows(object_id)
            await name_sender(activity)
            if early is not None and not named_already:
                await asyncio.wait([early])
        return True

    actions = CardActions(app)
    register_review_actions(actions, decisions, card_requests, sign_in)
    register_diagnosis_actions(actions, diagnostician)
    register_admin_actions(actions, admin.panels, admin.failed, admin.blocked_apps)
    actions.check_complete(verbs.ALL)
    answers = _message_answers(admin, diagnostician, name_sender, outreach)
    _route_messages(app, answers, user_chats)
    _answer_events_and_errors(app)
    return app


NameSender = Callable[[Activity], Awaitable[None]]


def _sender_naming(names: DirectoryNames) -> NameSender:
    async def name_sender_from_directory(activity: Activity) -> None:
        """From here on the sender carries the directory's name, never the activity's.

        ``from.name`` is the sender's own claim; ``from.aadObjectId`` (checked to
        be a GUID at the door) is what the channel vouches for. When the
        directory cannot name the user, the object id stands in.
        """
        sender = activity.from_property
        if sender is not None:
            object_id = sender.aad_object_id
            sender.name = (await names.name_of(object_id) or object_id) if object_id else None

    return name_sender_from_directory


def _route_messages(
    app: AgentApplication[TurnState],
    answer_message: Callable[[TurnContext], Awaitable[None]],
    user_chats: UserChats,
) -> None:
    """Every message is answered; its sender's 1:1 chat is remembered meanwhile."""

    @app.activity(ActivityTypes.message)
    async def on_message(context: TurnContext, _state: TurnState) -> None:
        # Where to tell this person outcomes later is written while they get their answer:
        # the answer does not depend on it, and the turn ends only once it is written.
        remembering = asyncio.ensure_future(user_chats.remember(context.activity))
        try:
            await answer_message(context)
        finally:
            await remembering


def _message_answers(
    admin: AdminSide,
    diagnostician: Diagnostician,
    name_sender: NameSender,
    outreach: OutreachChoices,
) -> Callable[[TurnContext], Awaitable[None]]:
    """A message is a command of the table (its side answers) or a question for the diagnosis."""
    commands, panels = admin.commands, admin.panels
    admin_chat = _admin_chat(admin)

    async def answer_message(context: TurnContext) -> None:
        activity = context.activity
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
        if command in (Command.STOP_OUTREACH, Command.START_OUTREACH):
            stop = command is Command.STOP_OUTREACH
            await context.send_activity(await outreach.choose(actor_of(activity), stop=stop))
            return
        if command not in {Command.UNKNOWN, Command.HELP}:
            # Commands audit and name places; a question answers only the asker, who
            # signs the drafted message to IT themselves: no directory read on that path.
            await name_sender(activity)
        who = spec_of(command).who
        if who is Who.PANEL:
            await reply_card(
                context, await panels.open(command, actor_of(activity), destination_spec(activity))
            )
            return
        if who is Who.ADMINS:
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

    return answer_message


def _admin_chat(admin: AdminSide) -> AdminChat:
    """The handlers of the admin commands, over the admin side's services."""
    return AdminChat(
        admin.commands,
        admin.panels,
        admin.allow_list,
        admin.failed,
        admin.blocked_apps,
        proactive_help=admin.proactive_help,
    )


def _answer_events_and_errors(app: AgentApplication[TurnState]) -> None:
    """The bot joining a conversation, a button nobody declared, and a turn that failed."""

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


def _error_text(error: Exception, messages: Messages) -> str:
    """What to tell the user: which permission IT must grant when Graph said so, else try again."""
    if isinstance(error, MissingGraphPermission):
        return messages.t("error.graph_permission", permission=error.permission)
    if isinstance(error, GraphReadError) and error.status == 403:
        return messages.t("error.graph_refused")
    return messages.t("error.generic")
