"""Admin commands typed in chat: destinations, routing, people, the allow-list.

The application has already checked that the sender is an admin (and
audited a refusal); each command here reads its arguments, calls the
service that owns the change, and answers with a line or a card.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from microsoft_agents.hosting.core import TurnContext

from bot.admin.admin_panels import AdminPanels
from bot.admin.auto_approval_admin import AllowListCommands
from bot.admin.blocked_apps import BlockedApps, typed_days
from bot.admin.command_table import Command, Who, arguments, commands_for, rest_of
from bot.admin.commands import RENAME_LIMIT, ChatCommands, route_rule, valid_approvals
from bot.admin.failed_messages import FailedMessages
from bot.admin.proactive_help import ProactiveHelpAdmin
from bot.hosting.activity_reading import destination_spec, reply_card
from cards.admin import AUDIT_SHOWN, build_audit_card, build_destinations_card, build_rules_card
from cards.help import build_destination_registered_card
from cards.text import safe
from domain.i18n import Messages
from domain.routing import MAX_APPROVALS, valid_pattern
from domain.types import Actor

logger = logging.getLogger(__name__)

CommandHandler = Callable[[TurnContext, Messages, Command, Actor], Awaitable[None]]
"""Carries out one command: the turn, the sender's language, the command, the sender."""


class AdminChat:
    """Carries out one admin command from a chat message."""

    def __init__(
        self,
        commands: ChatCommands,
        panels: AdminPanels,
        allow_list: AllowListCommands,
        failed: FailedMessages,
        blocked: BlockedApps,
        *,
        proactive_help: ProactiveHelpAdmin,
    ) -> None:
        self._commands = commands
        self._panels = panels
        self._allow_list = allow_list
        self._failed = failed
        self._blocked = blocked
        self._proactive_help = proactive_help
        self._handlers = self.handlers()
        missing = commands_for(Who.ADMINS) - set(self._handlers)
        if missing:
            raise RuntimeError(f"admin commands without a handler: {sorted(missing)}")

    def handlers(self) -> dict[Command, CommandHandler]:
        """The handler of each admin command of the table (a test checks none is missing)."""
        routing = self._routing_command
        allow_list = self._allow_list_command
        return {
            Command.REVIEW_HERE: self._register_here,
            Command.ESCALATE_HERE: self._register_here,
            Command.DESTINATIONS: self._destinations,
            Command.AUDIT: self._audit,
            Command.FAILED_MESSAGES: self._failed_messages,
            Command.REVIEW_BY: self._review_by,
            Command.STOP_REVIEWS_FOR: self._stop_reviews_for,
            Command.RENAME: self._rename_here,
            Command.ROUTE: routing,
            Command.RULES: routing,
            Command.REMOVE_RULE: routing,
            Command.HIGH_RISK: routing,
            Command.AUTO_APPROVE: allow_list,
            Command.AUTO_APPROVALS: allow_list,
            Command.REMOVE_AUTO_APPROVAL: allow_list,
            Command.STOP_HERE: self._stop_here,
            Command.BLOCKED_APPS: self._blocked_apps,
            Command.PROACTIVE_HELP: self._proactive_help_command,
        }

    async def handle(
        self, context: TurnContext, messages: Messages, command: Command, actor: Actor
    ) -> None:
        """An admin's command; the caller already checked that the sender is an admin."""
        await self._handlers[command](context, messages, command, actor)

    async def _destinations(
        self, context: TurnContext, messages: Messages, _command: Command, _actor: Actor
    ) -> None:
        rows = await self._commands.destinations()
        await reply_card(context, build_destinations_card(rows, messages))

    async def _audit(
        self, context: TurnContext, messages: Messages, _command: Command, _actor: Actor
    ) -> None:
        rows = await self._commands.recent_audit(AUDIT_SHOWN)
        await reply_card(context, build_audit_card(rows, messages))

    async def _failed_messages(
        self, context: TurnContext, messages: Messages, _command: Command, _actor: Actor
    ) -> None:
        await reply_card(context, await self._failed.card(messages))

    async def _blocked_apps(
        self, context: TurnContext, messages: Messages, _command: Command, actor: Actor
    ) -> None:
        days = typed_days(rest_of(context.activity.text, Command.BLOCKED_APPS))
        if days is None:
            await context.send_activity(messages.t("blocked.usage"))
            return
        card = await self._blocked.listing(actor, days, destination_spec(context.activity))
        await reply_card(context, card)

    async def _proactive_help_command(
        self, context: TurnContext, _messages: Messages, _command: Command, actor: Actor
    ) -> None:
        card = await self._proactive_help.answer(context.activity.text, actor)
        await reply_card(context, card)

    async def _review_by(
        self, context: TurnContext, _messages: Messages, _command: Command, actor: Actor
    ) -> None:
        await context.send_activity(await self._panels.review_by(actor, context.activity.text))

    async def _stop_reviews_for(
        self, context: TurnContext, _messages: Messages, _command: Command, actor: Actor
    ) -> None:
        answer = await self._panels.stop_reviews_for(actor, context.activity.text)
        await context.send_activity(answer)

    async def _allow_list_command(
        self, context: TurnContext, _messages: Messages, command: Command, actor: Actor
    ) -> None:
        card = await self._allow_list.answer(command, context.activity.text, actor)
        await reply_card(context, card)

    async def _stop_here(
        self, context: TurnContext, messages: Messages, _command: Command, actor: Actor
    ) -> None:
        spec = destination_spec(context.activity)
        stopped = await self._commands.stop_here(spec.conversation_id, actor) if spec else None
        key = "admin.stopped" if stopped else "admin.not_a_destination"
        await context.send_activity(
            messages.t(key, destination=safe(stopped.name) if stopped else "")
        )

    async def _routing_command(
        self, context: TurnContext, messages: Messages, command: Command, actor: Actor
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
                await self._commands.add_route(spec.conversation_id, kind, app_id, actor, approvals)
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
            if not await self._commands.remove_rule(number, actor):
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
                await self._commands.set_high_risk(patterns, actor)
        card = build_rules_card(
            await self._commands.rules(), await self._commands.high_risk(), messages
        )
        await reply_card(context, card)

    async def _rename_here(
        self, context: TurnContext, messages: Messages, _command: Command, actor: Actor
    ) -> None:
        new_name = rest_of(context.activity.text, Command.RENAME)
        if not new_name or len(new_name) > RENAME_LIMIT:
            await context.send_activity(messages.t("admin.rename_invalid", limit=RENAME_LIMIT))
            return
        spec = destination_spec(context.activity)
        renamed = (
            await self._commands.rename_here(spec.conversation_id, new_name, actor)
            if spec
            else None
        )
        if renamed is None:
            await context.send_activity(messages.t("admin.not_a_destination", destination=""))
            return
        await context.send_activity(messages.t("admin.renamed", destination=safe(renamed.name)))

    async def _register_here(
        self, context: TurnContext, messages: Messages, command: Command, actor: Actor
    ) -> None:
        activity = context.activity
        spec = destination_spec(activity)
        if spec is None:
            await context.send_activity(messages.t("review_here.no_conversation"))
            return
        role = "escalation" if command is Command.ESCALATE_HERE else "review"
        registration = await self._commands.register_destination(
            replace(spec, role=role), actor.user_id
        )
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
        await reply_card(
            context,
            build_destination_registered_card(
                messages, registration.destination_name, registration.backlog_queued
            ),
        )
