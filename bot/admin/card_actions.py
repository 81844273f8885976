"""The admin side's card buttons: the panels', the failed-messages card's Retry, blocked apps'."""

from __future__ import annotations

from typing import Any

from microsoft_agents.hosting.core import TurnContext, TurnState
from microsoft_agents.hosting.core.app.adaptive_card.factory import (
    adaptive_card as adaptive_card_response,
)

from bot.admin.admin_panels import AdminPanels
from bot.admin.blocked_apps import BlockedApps
from bot.admin.failed_messages import FailedMessages
from bot.hosting.activity_reading import actor_of, destination_spec
from bot.hosting.card_actions import CardActions
from cards import verbs
from domain.i18n import Messages


def register_admin_actions(
    actions: CardActions, panels: AdminPanels, failed: FailedMessages, blocked: BlockedApps
) -> None:
    """Register the buttons of every admin card."""
    panels.register(actions)

    @actions.on(verbs.RETRY_FAILED_MESSAGES)
    async def on_retry_failed(context: TurnContext, _state: TurnState, data: Any) -> Any:
        messages = Messages.for_locale(context.activity.locale)
        form = data if isinstance(data, dict) else {}
        card = await failed.retry(actor_of(context.activity), form, messages)
        return adaptive_card_response(card)

    @actions.on(verbs.BLOCKED_APPS_SHOW)
    async def on_blocked_apps_show(context: TurnContext, _state: TurnState, data: Any) -> Any:
        activity = context.activity
        card = await blocked.show(actor_of(activity), data, destination_spec(activity))
        return adaptive_card_response(card)

    @actions.on(verbs.BLOCKED_APPS_REVIEW)
    async def on_blocked_apps_review(context: TurnContext, _state: TurnState, data: Any) -> Any:
        """Admins only (checked by the service, refusals audited): a replayed click is refused."""
        activity = context.activity
        card = await blocked.review(actor_of(activity), data, destination_spec(activity))
        return adaptive_card_response(card)
