"""The diagnosis card's buttons: the "which app?" card's choice and "Ask the reviewers for me"."""

from __future__ import annotations

from typing import Any

from microsoft_agents.hosting.core import TurnContext, TurnState
from microsoft_agents.hosting.core.app.adaptive_card.factory import (
    adaptive_card as adaptive_card_response,
)

from bot.diagnosis.service import Diagnostician
from bot.hosting.activity_reading import actor_of
from bot.hosting.card_actions import CardActions
from cards import verbs


def _data(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {}


def register_diagnosis_actions(actions: CardActions, diagnostician: Diagnostician) -> None:
    """Register the diagnosis card's buttons."""

    @actions.on(verbs.DIAGNOSE)
    async def on_diagnose(context: TurnContext, _state: TurnState, data: Any) -> Any:
        """An app picked on the "which app?" card."""
        card = await diagnostician.answer_for_app(_data(data), actor_of(context.activity))
        return adaptive_card_response(card)

    @actions.on(verbs.ASK_REVIEWERS)
    async def on_ask_reviewers(context: TurnContext, _state: TurnState, data: Any) -> Any:
        card = await diagnostician.ask_reviewers(_data(data), actor_of(context.activity))
        return adaptive_card_response(card)
