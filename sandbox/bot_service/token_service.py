"""The token service's state: OAuth connections, sign-in links, magic codes and held tokens.

It follows the real service's contract as the bot sees it:

- ``GetSignInResource`` takes the base64 ``TokenExchangeState`` the bot builds
  from the activity (connection name, conversation reference, bot app id) and
  answers a one-time sign-in link bound to that Teams user.
- Signing in on the link's page yields a magic code, redeemable once, within
  minutes, and only for the Teams user the link was made for.
- ``GetToken`` with the code hands over the user's token; without a code it
  hands over the token already held (refreshed when close to expiry, as the
  real service does with its refresh token), or nothing (404).

Every call must carry the bot's own token for the Bot Framework resource, and
a bot only reaches its own connections.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sandbox.identity import claims, scopes
from sandbox.identity.errors import IdentityError
from sandbox.identity.flows import assertion_audience_ok
from sandbox.identity.platform import TokenRejected

if TYPE_CHECKING:
    from sandbox.identity.platform import IdentityPlatform

BOT_FRAMEWORK_RESOURCES = frozenset(
    {
        "https://api.botframework.com",
        "https://api.botframework.us",
        "https://api.botframework.azure.cn",
    }
)
"""Audiences of the bot's own tokens that the token service accepts (one per cloud)."""
SIGN_IN_LINK_SECONDS = 15 * 60
MAGIC_CODE_SECONDS = 5 * 60
REFRESH_MARGIN_SECONDS = 5 * 60


class SignInError(Exception):
    """A refused call or sign-in; ``status`` is the HTTP status the service answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class OAuthConnection:
    """An OAuth connection setting of the bot's Azure Bot resource (Entra ID v2 provider)."""

    bot_id: str
    name: str
    scopes: str


@dataclass(frozen=True)
class _SignInLink:
    connection: OAuthConnection
    teams_user_id: str
    channel_id: str
    expires_at: float


@dataclass(frozen=True)
class _Pending:
    code: str
    person: claims.Person
    expires_at: float


@dataclass(frozen=True)
class _Held:
    person: claims.Person
    token: str
    expires_at: int


def _key(*parts: str) -> tuple[str, ...]:
    return tuple(part.casefold() for part in parts)


class TokenService:
    def __init__(self, identity: IdentityPlatform) -> None:
        self._identity = identity
        self.connections: dict[tuple[str, ...], OAuthConnection] = {}
        self._links: dict[str, _SignInLink] = {}
        self._pending: dict[tuple[str, ...], _Pending] = {}
        self._held: dict[tuple[str, ...], _Held] = {}

    def add_connection(self, bot_id: str, name: str, scopes_text: str) -> OAuthConnection:
        """Add (or replace) an OAuth connection; ``scopes_text`` is space-separated."""
        connection = OAuthConnection(bot_id, name, " ".join(scopes_text.split()))
        self.connections[_key(bot_id, name)] = connection
        return connection

    # --- who is calling -------------------------------------------------------------------

    def calling_bot(self, authorization: str | None) -> str:
        """The app id of the bot whose Bot Framework token authorises this call."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.casefold() != "bearer" or not token:
            raise SignInError(401, "The request has no bearer token.")
        try:
            found = self._identity.verify(token)
        except TokenRejected as rejected:
            raise SignInError(401, f"The bearer token was refused: {rejected}.") from None
        if found.get("aud") not in BOT_FRAMEWORK_RESOURCES:
            raise SignInError(401, "The bearer token is not meant for the Bot Framework.")
        app_id = found.get("appid") or found.get("azp")
        if not isinstance(app_id, str) or found.get("idtyp") != "app":
            raise SignInError(401, "The bearer token is not an application's token.")
        return app_id

    def _connection(self, bot_id: str, name: str) -> OAuthConnection:
        connection = self.connections.get(_key(bot_id, name))
        if connection is None:
            raise SignInError(400, f"The bot has no OAuth connection named '{name}'.")
        return connection

    # --- the sign-in link ------------------------------------------------------------------

    def sign_in_resource(self, bot_id: str, state: str | None, base_url: str) -> dict[str, Any]:
        exchange_state = _decode_state(state)
        if str(exchange_state.get("msAppId", "")).casefold() != bot_id.casefold():
            raise SignInError(401, "The state names another bot than the caller.")
        connection = self._connection(bot_id, str(exchange_state.get("connectionName", "")))
        reference = exchange_state.get("conversation")
        user = reference.get("user") if isinstance(reference, dict) else None
        user_id = user.get("id") if isinstance(user, dict) else None
        if not isinstance(user_id, str) or not user_id:
            raise SignInError(400, "The state's conversation reference names no user.")
        channel = reference.get("channelId") if isinstance(reference, dict) else None
        link_id = secrets.token_urlsafe(24)
        self._links[link_id] = _SignInLink(
            connection,
            user_id,
            channel if isinstance(channel, str) else "msteams",
            self._identity.clock() + SIGN_IN_LINK_SECONDS,
        )
        return {
            "signInLink": f"{base_url}/api/oauth/signin?signin={link_id}",
            "tokenExchangeResource": None,
            "tokenPostResource": None,
        }

    def link(self, link_id: str) -> OAuthConnection:
        """The connection a sign-in link is for, while the link is usable."""
        return self._live_link(link_id).connection

    def _live_link(self, link_id: str) -> _SignInLink:
        link = self._links.get(link_id)
        if link is None or link.expires_at <= self._identity.clock():
            raise SignInError(404, "This sign-in link has expired or was already used.")
        return link

    def complete_sign_in(self, link_id: str, user: str, base_url: str) -> str:
        """The user signed in on the page: keep their token aside and give the magic code."""
        link = self._live_link(link_id)
        person = self._identity.person(user.strip())
        if person is None:
            raise SignInError(400, f"There is no user '{user}' in this tenant.")
        self._token_for(link.connection, person, base_url)  # refuses now if consent is missing
        del self._links[link_id]
        code = f"{secrets.randbelow(1_000_000):06d}"
        self._pending[_key(link.connection.bot_id, link.teams_user_id, link.connection.name)] = (
            _Pending(code, person, self._identity.clock() + MAGIC_CODE_SECONDS)
        )
        return code

    # --- tokens ----------------------------------------------------------------------------

    def user_token(
        self, bot_id: str, user_id: str, connection_name: str, code: str | None, base_url: str
    ) -> dict[str, Any] | None:
        """``GetToken``: redeem a magic code, or return the token held; None means 404."""
        connection = self._connection(bot_id, connection_name)
        key = _key(bot_id, user_id, connection.name)
        if code:
            pending = self._pending.get(key)
            if (
                pending is None
                or pending.expires_at <= self._identity.clock()
                or not secrets.compare_digest(pending.code, code.strip())
            ):
                return None
            del self._pending[key]
            self._held[key] = self._fresh(connection, pending.person, base_url)
        held = self._held.get(key)
        if held is None:
            return None
        if held.expires_at - REFRESH_MARGIN_SECONDS <= self._identity.clock():
            held = self._held[key] = self._fresh(connection, held.person, base_url)
        return {
            "channelId": "msteams",
            "connectionName": connection.name,
            "token": held.token,
            "expiration": _iso(held.expires_at),
        }

    def sign_out(self, bot_id: str, user_id: str, connection_name: str | None) -> None:
        for key in list(self._held):
            if key[:2] == _key(bot_id, user_id) and (
                connection_name is None or key[2] == connection_name.casefold()
            ):
                del self._held[key]

    def _fresh(self, connection: OAuthConnection, person: claims.Person, base: str) -> _Held:
        token = self._token_for(connection, person, base)
        expires = int(self._identity.clock()) + self._identity.token_lifetime_seconds
        return _Held(person, token, expires)

    def _token_for(self, connection: OAuthConnection, person: claims.Person, base: str) -> str:
        """The token Entra gives the bot's app for this user and the connection's scopes."""
        client = self._identity.client(connection.bot_id)
        if client is None:
            raise SignInError(
                400, f"AADSTS700016: Application '{connection.bot_id}' was not found."
            )
        try:
            requested = scopes.parse(connection.scopes)
        except IdentityError as refusal:
            raise SignInError(400, str(refusal)) from None
        if assertion_audience_ok(requested.resource, client.client_id):
            audience, granted = client.client_id, list(requested.permissions)
        else:
            missing = [p for p in requested.permissions if client.consented(p) is None]
            if missing:
                raise SignInError(
                    400,
                    "AADSTS65001: The user or administrator has not consented to use the "
                    f"application with ID '{client.client_id}'. Missing: {' '.join(missing)}.",
                )
            audience = requested.resource
            granted = [client.consented(p) or p for p in requested.permissions]
        issue = self._identity.issue(base)
        return self._identity.sign(
            claims.user_token(issue, audience, client.client_id, person, granted)
        )

    def summary(self) -> dict[str, Any]:
        return {
            "connections": [
                {"botId": c.bot_id, "name": c.name, "scopes": c.scopes}
                for c in self.connections.values()
            ],
            "signedIn": sorted({key[1] for key in self._held}),
        }


def _decode_state(state: str | None) -> dict[str, Any]:
    if not state:
        raise SignInError(400, "The 'state' parameter is required.")
    unreadable = SignInError(400, "The 'state' parameter is not a base64 TokenExchangeState.")
    padded = state + "=" * (-len(state) % 4)
    try:
        decoded = json.loads(base64.b64decode(padded.replace("-", "+").replace("_", "/")))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        raise unreadable from None
    if not isinstance(decoded, dict):
        raise unreadable
    return decoded


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")
