"""The buttons of the reviewer card: approve, deny, block, snooze, refresh, and the digest's.

Each click names its request in ``data``; the decision service checks who may
do what and answers with the card as it now stands. In delegated mode approve
and block first make sure the reviewer has signed in, so Entra checks the
reviewer's own role on the write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from microsoft_agents.activity import AdaptiveCardInvokeResponse
from microsoft_agents.hosting.core import TurnContext, TurnState
from microsoft_agents.hosting.core.app.adaptive_card.factory import (
    adaptive_card as adaptive_card_response,
)
from microsoft_agents.hosting.core.app.adaptive_card.factory import (
    message as message_response,
)

from bot.hosting.activity_reading import actor_of, destination_spec
from bot.hosting.card_actions import CardActions
from bot.hosting.reviewer_sign_in import ReviewerSignIn
from bot.review.card_requests import CardRequests
from bot.review.click_checks import UnknownRequest
from bot.review.decisions import DecisionService
from cards import verbs
from cards.text import safe
from domain.i18n import Messages
from domain.types import Actor

Decide = Callable[[str, Actor], Awaitable[dict[str, Any]]]


def _request_id(data: Any) -> str | None:
    value = data.get(verbs.REQUEST_ID_KEY) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def _error(status: HTTPStatus, code: str, message: str) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(
        status_code=status,
        type="application/vnd.microsoft.error",
        value={"code": code, "message": message},
    )


def register_review_actions(
    actions: CardActions,
    decisions: DecisionService,
    card_requests: CardRequests,
    sign_in: ReviewerSignIn | None,
) -> None:
    """Register the reviewer card's buttons.

    Long on purpose: it registers the card's eight buttons, each a few lines.
    """

    async def card_action(context: TurnContext, data: Any, act: Decide) -> Any:
        request_id = _request_id(data)
        if request_id is None:
            return _error(HTTPStatus.BAD_REQUEST, "BadRequest", "the card names no request")
        try:
            card = await act(request_id, actor_of(context.activity))
        except UnknownRequest:
            return _error(HTTPStatus.NOT_FOUND, "NotFound", "this request is not known here")
        return adaptive_card_response(card)

    async def with_reviewer_rights(context: TurnContext, data: Any, act: Decide) -> Any:
        """Approve and block: in delegated mode, only once the reviewer has signed in."""
        if sign_in is not None:
            answer = await sign_in.gate(context.activity)
            if answer is not None:
                return answer
        return await card_action(context, data, act)

    async def current(request_id: str, _actor: Actor) -> dict[str, Any]:
        return await card_requests.current_card(request_id)

    @actions.on(verbs.APPROVE)
    async def on_approve(context: TurnContext, _state: TurnState, data: Any) -> Any:
        return await with_reviewer_rights(context, data, decisions.approve)

    @actions.on(verbs.DENY)
    async def on_deny(context: TurnContext, _state: TurnState, data: Any) -> Any:
        reason = data.get(verbs.REASON_INPUT_ID) if isinstance(data, dict) else None

        async def deny(request_id: str, actor: Actor) -> dict[str, Any]:
            return await decisions.deny(
                request_id, actor, reason if isinstance(reason, str) else None
            )

        return await card_action(context, data, deny)

    @actions.on(verbs.SNOOZE)
    async def on_snooze(context: TurnContext, _state: TurnState, data: Any) -> Any:
        spec = destination_spec(context.activity)
        here = spec.conversation_id if spec else None

        async def snooze(request_id: str, actor: Actor) -> dict[str, Any]:
            return await card_requests.snooze(request_id, actor, here)

        return await card_action(context, data, snooze)

    @actions.on(verbs.SHOW_CARD)
    async def on_show_card(context: TurnContext, _state: TurnState, data: Any) -> Any:
        """A digest item's button: post that request's full card; the digest stays as it is."""
        request_id = _request_id(data)
        spec = destination_spec(context.activity)
        messages = Messages.for_locale(context.activity.locale)
        try:
            app_name = (
                await card_requests.show_card(
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

    @actions.on(verbs.BLOCK)
    async def on_block(context: TurnContext, _state: TurnState, data: Any) -> Any:
        return await card_action(context, data, decisions.ask_block)

    @actions.on(verbs.BLOCK_CONFIRM)
    async def on_block_confirm(context: TurnContext, _state: TurnState, data: Any) -> Any:
        return await with_reviewer_rights(context, data, decisions.confirm_block)

    @actions.on(verbs.BLOCK_CANCEL)
    async def on_block_cancel(context: TurnContext, _state: TurnState, data: Any) -> Any:
        return await card_action(context, data, current)

    @actions.on(verbs.REFRESH)
    async def on_refresh(context: TurnContext, _state: TurnState, data: Any) -> Any:
        return await card_action(context, data, current)
