"""Delegated approval: the reviewer signs in once, and grants are made with their rights.

In ``APPROVAL_MODE=delegated`` an Approve or Block click from a reviewer the
bot holds no token for is answered with a sign-in request (Universal Actions
SSO): Teams obtains the reviewer's token for the bot's app silently and sends
the click again with it. The bot checks that token (signed by the tenant,
meant for this bot, and the clicker's own), exchanges it on-behalf-of the
reviewer for a Graph token with the two write scopes, and keeps that token in
memory until it expires. Entra then enforces the reviewer's own role on every
write, and the bot's registration needs no write permission of its own.
Tokens are never stored in the database or logged.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import jwt
from microsoft_agents.activity import Activity, AdaptiveCardInvokeResponse
from microsoft_agents.hosting.core.app.adaptive_card.factory import message as message_response

from bot.activity_reading import actor_of
from bot.app_tokens import AppTokens, TokenError
from bot.i18n import Messages
from bot.signed_activities import CallerRefused, SignedActivityVerifier, SigningKeysUnavailable

logger = logging.getLogger(__name__)

DELEGATED_WRITE_PERMISSIONS = (
    "DelegatedPermissionGrant.ReadWrite.All",
    "Application.ReadWrite.All",
)
"""What approving (grants) and blocking (service principals) write, for the reviewer."""
EXPIRY_MARGIN_SECONDS = 120.0
LOGIN_REQUEST_TYPE = "application/vnd.microsoft.activity.loginRequest"


class SignInRefused(Exception):
    """The reviewer's token cannot be used; ``key`` names the message shown on the card."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail)
        self.key = key


@dataclass(frozen=True, slots=True)
class _Held:
    token: str
    expires_at: float


class ReviewerTokens:
    """Delegated Graph tokens of the reviewers who signed in, in this process's memory only."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._held: dict[str, _Held] = {}

    def keep(self, user_id: str, token: str, expires_at: float) -> None:
        self._held[user_id.lower()] = _Held(token, expires_at)

    def token_of(self, user_id: str | None) -> str | None:
        """The reviewer's token while it has more than a couple of minutes left."""
        if not user_id:
            return None
        key = user_id.lower()
        held = self._held.get(key)
        if held is None or held.expires_at - EXPIRY_MARGIN_SECONDS <= self._clock():
            self._held.pop(key, None)
            return None
        return held.token


class ReviewerSignIn:
    """Asks reviewers to sign in, and turns their SSO token into a delegated Graph token."""

    def __init__(
        self,
        *,
        app_id: str,
        connection_name: str,
        graph_url: str,
        verifier: SignedActivityVerifier,
        app_tokens: AppTokens,
        held: ReviewerTokens,
    ) -> None:
        self._app_id = app_id
        self._connection_name = connection_name
        self._scopes = [f"{graph_url}/{name}" for name in DELEGATED_WRITE_PERMISSIONS]
        self._verifier = verifier
        self._app_tokens = app_tokens
        self._held = held

    @property
    def resource_uri(self) -> str:
        """The app id URI Teams asks Entra for (the manifest's ``webApplicationInfo``)."""
        return f"api://botid-{self._app_id}"

    def signed_in(self, user_id: str | None) -> bool:
        return self._held.token_of(user_id) is not None

    async def accept(self, sso_token: str, user_id: str | None) -> None:
        """Check the reviewer's SSO token and keep a delegated Graph token made from it."""
        if not user_id:
            raise SignInRefused("sign_in.refused", "the click names no Entra user")
        try:
            caller = await self._verifier.verify(f"Bearer {sso_token}")
        except CallerRefused as refusal:
            raise SignInRefused("sign_in.refused", str(refusal)) from None
        except SigningKeysUnavailable as error:
            raise SignInRefused("sign_in.unavailable", str(error)) from None
        if str(caller.identity.claims.get("oid", "")).lower() != user_id.lower():
            raise SignInRefused("sign_in.refused", "the token belongs to someone else")
        try:
            graph_token = await self._app_tokens.for_user(sso_token, self._scopes)
        except TokenError as error:
            key = "sign_in.consent_missing" if "65001" in str(error) else "sign_in.refused"
            raise SignInRefused(key, str(error)) from None
        self._held.keep(user_id, graph_token, _expiry_of(graph_token))
        logger.info("reviewer %s signed in for delegated approvals", user_id)

    async def gate(self, activity: Activity) -> AdaptiveCardInvokeResponse | None:
        """None when the clicker may go on; otherwise the answer to send instead."""
        actor = actor_of(activity)
        messages = Messages.for_locale(activity.locale)
        value = activity.value if isinstance(activity.value, dict) else {}
        authentication = value.get("authentication")
        token = authentication.get("token") if isinstance(authentication, dict) else None
        if isinstance(token, str) and token:
            try:
                await self.accept(token, actor.user_id)
            except SignInRefused as refusal:
                logger.warning("sign-in of %s refused: %s", actor.user_id, refusal)
                return message_response(messages.t(refusal.key))
            return None
        if self.signed_in(actor.user_id):
            return None
        return self.login_request(messages)

    def login_request(self, messages: Messages) -> AdaptiveCardInvokeResponse:
        """The Universal Actions answer that makes Teams sign the reviewer in and click again."""
        value: dict[str, Any] = {
            "text": messages.t("sign_in.prompt"),
            "connectionName": self._connection_name,
            "tokenExchangeResource": {"id": str(uuid.uuid4()), "uri": self.resource_uri},
            "buttons": [],
        }
        return AdaptiveCardInvokeResponse(
            status_code=HTTPStatus.UNAUTHORIZED, type=LOGIN_REQUEST_TYPE, value=value
        )


def _expiry_of(token: str) -> float:
    """When a token Entra just gave us expires (read, not verified: it is ours, fresh over TLS)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return time.time() + 600
    expires = claims.get("exp")
    return float(expires) if isinstance(expires, int | float) else time.time() + 600
