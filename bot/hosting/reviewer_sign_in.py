"""Delegated approval: the reviewer signs in once, and grants are made with their rights.

In ``APPROVAL_MODE=delegated`` an Approve or Block click from a reviewer the
bot holds no token for is answered with a Universal Actions sign-in request.
It offers both ways in: Teams SSO (Teams obtains the reviewer's token for the
bot's app silently and sends the click again with it) and, for clients that
cannot do SSO, a sign-in button from the OAuth connection's token service
(the click comes back with a magic code in ``value.state``, which the bot
redeems there). Either way the bot ends up with a token for its own API, which
it checks (signed by the tenant, meant for this bot, and the clicker's own),
exchanges on-behalf-of the reviewer for a Graph token with the two write
scopes, and keeps in memory until it expires. Entra then enforces the
reviewer's own role on every write, and the bot's registration needs no write
permission of its own. Tokens are never stored in the database or logged.
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

from bot.hosting.activity_reading import actor_of
from bot.hosting.signed_activities import CallerRefused, SigningKeysUnavailable, TokenVerifier
from bot.hosting.user_sign_in_service import TokenServiceError, UserSignInService
from bot.infra.app_tokens import AppTokens, TokenError
from domain.i18n import Messages

logger = logging.getLogger(__name__)

DELEGATED_WRITE_PERMISSIONS = (
    "DelegatedPermissionGrant.ReadWrite.All",
    "Application.ReadWrite.All",
)
"""What approving (grants) and blocking (service principals) write, for the reviewer."""
EXPIRY_MARGIN_SECONDS = 120.0
LOGIN_REQUEST_TYPE = "application/vnd.microsoft.activity.loginRequest"
INVALID_AUTH_CODE_TYPE = "application/vnd.microsoft.error.invalidAuthCode"


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
        verifier: TokenVerifier,
        app_tokens: AppTokens,
        held: ReviewerTokens,
        token_service: UserSignInService | None = None,
    ) -> None:
        self._app_id = app_id
        self._connection_name = connection_name
        self._scopes = [f"{graph_url}/{name}" for name in DELEGATED_WRITE_PERMISSIONS]
        self._verifier = verifier
        self._app_tokens = app_tokens
        self._held = held
        self._token_service = token_service

    @property
    def tokens(self) -> ReviewerTokens:
        """The delegated tokens of the reviewers who signed in, for the writes made as them."""
        return self._held

    @property
    def resource_uri(self) -> str:
        """The app id URI Teams asks Entra for (the manifest's ``webApplicationInfo``)."""
        return f"api://botid-{self._app_id}"

    def signed_in(self, user_id: str | None) -> bool:
        return self._held.token_of(user_id) is not None

    async def accept(self, user_token: str, user_id: str | None) -> None:
        """Check a token of the reviewer for the bot's own API (from SSO or the token service)
        and keep a delegated Graph token made from it on-behalf-of them."""
        if not user_id:
            raise SignInRefused("sign_in.refused", "the click names no Entra user")
        try:
            signed_in = await self._verifier.verify(f"Bearer {user_token}")
        except CallerRefused as refusal:
            raise SignInRefused("sign_in.refused", str(refusal)) from None
        except SigningKeysUnavailable as error:
            raise SignInRefused("sign_in.unavailable", str(error)) from None
        if not signed_in.is_user_token:
            raise SignInRefused("sign_in.refused", "an app-only token is not a reviewer's sign-in")
        if str(signed_in.claims.get("oid", "")).lower() != user_id.lower():
            raise SignInRefused("sign_in.refused", "the token belongs to someone else")
        try:
            graph_token = await self._app_tokens.for_user(user_token, self._scopes)
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
        sso_token = authentication.get("token") if isinstance(authentication, dict) else None
        magic_code = value.get("state")
        try:
            if isinstance(sso_token, str) and sso_token:
                await self.accept(sso_token, actor.user_id)
                return None
            if isinstance(magic_code, str) and magic_code.strip():
                return await self._redeem(activity, magic_code.strip(), actor.user_id)
        except SignInRefused as refusal:
            logger.warning("sign-in of %s refused: %s", actor.user_id, refusal)
            return message_response(messages.t(refusal.key))
        if self.signed_in(actor.user_id) or await self._held_by_token_service(activity):
            return None
        return await self.login_request(activity, messages)

    async def _redeem(
        self, activity: Activity, magic_code: str, user_id: str | None
    ) -> AdaptiveCardInvokeResponse | None:
        """The click came back from the sign-in page: trade its magic code for the token."""
        try:
            token = await self._service_token(activity, magic_code)
        except TokenServiceError as error:
            raise SignInRefused("sign_in.service_unavailable", str(error)) from None
        if token is None:
            # Teams asks the user for the code again (or lets them click another action).
            return AdaptiveCardInvokeResponse(
                status_code=HTTPStatus.UNAUTHORIZED, type=INVALID_AUTH_CODE_TYPE, value=None
            )
        await self.accept(token, user_id)
        return None

    async def _held_by_token_service(self, activity: Activity) -> bool:
        """Whether the reviewer signed in before (on any replica) and the service still has it."""
        user_id = actor_of(activity).user_id
        if not user_id:
            return False
        try:
            token = await self._service_token(activity)
            if token is None:
                return False
            await self.accept(token, user_id)
        except (TokenServiceError, SignInRefused) as problem:
            logger.warning("could not reuse the sign-in of %s: %s", user_id, problem)
            return False
        return True

    async def _service_token(self, activity: Activity, code: str | None = None) -> str | None:
        """The clicker's token kept by the token service (after redeeming ``code``, if given)."""
        if self._token_service is None or activity.from_property is None:
            return None
        return await self._token_service.user_token(
            activity.from_property.id,
            self._connection_name,
            str(activity.channel_id or "msteams"),
            code=code,
        )

    async def login_request(
        self, activity: Activity, messages: Messages
    ) -> AdaptiveCardInvokeResponse:
        """The Universal Actions answer that makes Teams sign the reviewer in and click again.

        The exchange resource lets Teams try SSO first; the sign-in button is for
        clients that cannot. Without a reachable token service, SSO alone is offered.
        """
        buttons: list[dict[str, str]] = []
        if self._token_service is not None:
            try:
                link = await self._token_service.sign_in_link(activity, self._connection_name)
                title = messages.t("sign_in.button")
                buttons.append({"type": "signin", "title": title, "text": title, "value": link})
            except TokenServiceError as error:
                logger.warning("no sign-in button, only SSO, is offered: %s", error)
        value: dict[str, Any] = {
            "text": messages.t("sign_in.prompt"),
            "connectionName": self._connection_name,
            "tokenExchangeResource": {"id": str(uuid.uuid4()), "uri": self.resource_uri},
            "buttons": buttons,
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
