"""The Bot Framework token service, as the bot uses it for reviewers who cannot sign in silently.

Two calls of its REST API (the one the Agents SDK's ``UserTokenClient`` wraps):

- ``GetSignInResource`` gives the link of the sign-in button, from a
  ``TokenExchangeState`` naming the OAuth connection, the conversation (so the
  sign-in is bound to this Teams user) and the bot;
- ``GetToken`` redeems the magic code Teams sends back once the user signed in,
  or, without a code, returns the token the service already holds for the user
  from an earlier sign-in (it refreshes it), so a reviewer signs in once even
  when another replica, or a restarted one, takes their next click.

The bot authenticates with its own token for the Bot Framework resource. One
HTTP session serves every call, rather than one per turn.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Protocol

import aiohttp
from microsoft_agents.activity import Activity

from bot.infra.app_tokens import TokenError
from bot.infra.outbound_tls import outbound_connector

TIMEOUT = aiohttp.ClientTimeout(total=4)
"""Per call. Both calls happen while Teams waits for the click's answer, which it gives up on
after some seconds; past this the reviewer gets SSO alone, or a message to try again."""


class AppTokenSource(Protocol):
    """The bot's own tokens (``bot.infra.app_tokens.AppTokens``)."""

    async def token(self, resource: str) -> str: ...


class TokenServiceError(RuntimeError):
    """The token service could not be reached or refused the bot."""


class UserSignInService:
    def __init__(
        self, *, endpoint: str, resource: str, app_id: str, app_tokens: AppTokenSource
    ) -> None:
        self._endpoint = endpoint.rstrip("/")
        self._resource = resource
        self._app_id = app_id
        self._app_tokens = app_tokens
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def sign_in_link(self, activity: Activity, connection_name: str) -> str:
        """A one-time link to the sign-in page, bound to the sender of ``activity``."""
        state = {
            "connectionName": connection_name,
            "conversation": activity.get_conversation_reference().model_dump(
                by_alias=True, exclude_none=True, mode="json"
            ),
            "relatesTo": (
                activity.relates_to.model_dump(by_alias=True, exclude_none=True, mode="json")
                if activity.relates_to
                else None
            ),
            "msAppId": self._app_id,
        }
        encoded = base64.b64encode(json.dumps(state).encode()).decode()
        body = await self._get("api/botsignin/GetSignInResource", {"state": encoded})
        link = body.get("signInLink") if body else None
        if not isinstance(link, str) or not link:
            raise TokenServiceError("the token service gave no sign-in link")
        return link

    async def user_token(
        self, user_id: str, connection_name: str, channel_id: str, code: str | None = None
    ) -> str | None:
        """The user's token for the connection; None when there is none (or the code is wrong)."""
        params = {"userId": user_id, "connectionName": connection_name, "channelId": channel_id}
        if code:
            params["code"] = code
        body = await self._get("api/usertoken/GetToken", params)
        token = body.get("token") if body else None
        return token if isinstance(token, str) and token else None

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any] | None:
        """GET a JSON object; None for 404 (the service's "no token")."""
        try:
            bearer = await self._app_tokens.token(self._resource)
        except TokenError as error:
            raise TokenServiceError(f"no token for the Bot Framework: {error}") from None
        if self._session is None:
            self._session = aiohttp.ClientSession(connector=outbound_connector(), timeout=TIMEOUT)
        url = f"{self._endpoint}/{path}"
        try:
            async with self._session.get(
                url, params=params, headers={"Authorization": f"Bearer {bearer}"}
            ) as response:
                if response.status == 404:
                    return None
                if response.status != 200:
                    text = (await response.text())[:300]
                    raise TokenServiceError(f"{path} answered {response.status}: {text}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as error:
            raise TokenServiceError(f"{path} failed: {error!r}") from None
        if not isinstance(body, dict):
            raise TokenServiceError(f"{path} answered something other than a JSON object")
        return body
