"""The two admin panels that live on cards: the Entra request workflow switch and connected apps.

Both services check the sender's role and audit every attempt themselves, so
these handlers only carry the activity's data across; anyone may *ask* for a
panel and non-admins get a refusal card.
"""

from __future__ import annotations

import re
from typing import Any

from microsoft_agents.hosting.core import TurnContext, TurnState
from microsoft_agents.hosting.core.app.adaptive_card.factory import (
    adaptive_card as adaptive_card_response,
)

from bot.admin.command_table import Command, arguments, rest_of
from bot.admin.connected_apps import ConnectedApps, requested_app, requested_page
from bot.admin.destination_settings import DestinationSettings
from bot.admin.named_reviewers import NamedReviewers
from bot.admin.workflow_switch import WorkflowSwitch
from bot.hosting.activity_reading import actor_of as actor_from
from bot.hosting.activity_reading import destination_spec
from bot.hosting.card_actions import CardActions
from bot.store.destinations import DestinationSpec
from cards import verbs
from cards.elements import adaptive_card, text_block
from cards.text import safe
from domain.i18n import Messages
from domain.types import Actor


class AdminPanels:
    """Opens a panel from a chat command and answers the panels' card buttons."""

    def __init__(
        self,
        workflow_switch: WorkflowSwitch,
        connected_apps: ConnectedApps,
        settings: DestinationSettings,
        people: NamedReviewers,
    ) -> None:
        self._workflow = workflow_switch
        self._connected = connected_apps
        self._settings = settings
        self._people = people

    async def review_by(self, actor: Actor, text: str | None) -> str:
        """ "review by a@x, b@y": each named person gets cards in their 1:1 chat."""
        messages = Messages.for_locale(actor.locale)
        keys = [k for k in re.split(r"[,;\s]+", rest_of(text, Command.REVIEW_BY)) if k]
        if not keys:
            return messages.t("people.usage")
        lines = []
        for result in await self._people.add(actor, keys):
            key = f"people.{result.outcome.value}"
            lines.append(
                messages.t(
                    key, typed=safe(result.typed), name=safe(result.name), count=result.backlog
                )
            )
        return "\n\n".join(lines)

    async def stop_reviews_for(self, actor: Actor, text: str | None) -> str:
        messages = Messages.for_locale(actor.locale)
        key = " ".join(arguments(text, Command.STOP_REVIEWS_FOR))
        removed = await self._people.remove(actor, key) if key else None
        if removed is None:
            return messages.t("people.not_a_destination", typed=safe(key))
        return messages.t("admin.stopped", destination=safe(removed.name))

    async def open(
        self, command: Command, actor: Actor, place: DestinationSpec | None
    ) -> dict[str, Any]:
        """The panel a chat command asks for; ``place`` is where it was typed."""
        if command is Command.SETTINGS:
            if place is None:
                return _no_place_card(actor)
            return await self._settings.show(actor, place)
        if command is Command.ENABLE_REQUESTS:
            return await self._workflow.show(actor)
        if command is Command.CONNECTED_APPS:
            return await self._connected.page(actor, 0)
        raise ValueError(f"{command} opens no panel")

    def register(self, actions: CardActions) -> None:
        """Register the panels' ``Action.Execute`` verbs.

        The settings form configures the conversation the card is in.
        """
        actor_of, place_of = actor_from, destination_spec
        workflow = self._workflow
        connected = self._connected
        settings = self._settings

        @actions.on(verbs.SETTINGS_SHOW)
        async def on_settings_show(context: TurnContext, _state: TurnState, _data: Any) -> Any:
            actor, place = actor_of(context.activity), place_of(context.activity)
            card = await settings.show(actor, place) if place else _no_place_card(actor)
            return adaptive_card_response(card)

        @actions.on(verbs.SETTINGS_SAVE)
        async def on_settings_save(context: TurnContext, _state: TurnState, data: Any) -> Any:
            actor, place = actor_of(context.activity), place_of(context.activity)
            form = data if isinstance(data, dict) else {}
            card = await settings.save(actor, place, form) if place else _no_place_card(actor)
            return adaptive_card_response(card)

        @actions.on(verbs.ENABLE_REQUESTS_SHOW)
        async def on_workflow_show(context: TurnContext, _state: TurnState, _data: Any) -> Any:
            return adaptive_card_response(await workflow.show(actor_of(context.activity)))

        @actions.on(verbs.ENABLE_REQUESTS_CONFIRM)
        async def on_workflow_confirm(context: TurnContext, _state: TurnState, data: Any) -> Any:
            form = data if isinstance(data, dict) else {}
            card = await workflow.confirm(actor_of(context.activity), form)
            return adaptive_card_response(card)

        @actions.on(verbs.CONNECTED_APPS_PAGE)
        async def on_connected_page(context: TurnContext, _state: TurnState, data: Any) -> Any:
            card = await connected.page(actor_of(context.activity), requested_page(data))
            return adaptive_card_response(card)

        @actions.on(verbs.CONNECTED_APPS_BLOCK)
        async def on_connected_block(context: TurnContext, _state: TurnState, data: Any) -> Any:
            card = await connected.ask_block(
                actor_of(context.activity), requested_app(data), requested_page(data)
            )
            return adaptive_card_response(card)

        @actions.on(verbs.CONNECTED_APPS_BLOCK_CONFIRM)
        async def on_connected_confirm(context: TurnContext, _state: TurnState, data: Any) -> Any:
            card = await connected.confirm_block(
                actor_of(context.activity), requested_app(data), requested_page(data)
            )
            return adaptive_card_response(card)


def _no_place_card(actor: Actor) -> dict[str, Any]:
    messages = Messages.for_locale(actor.locale)
    text = messages.t("review_here.no_conversation")
    return adaptive_card(
        [text_block(text, "settings-no-place")], fallback_text=text, language=messages.language
    )
