"""One Bot Connector client per service URL for the turns running at the same time.

The Agents SDK's ``CloudAdapter`` builds, for every activity, a connector
client and a user-token client, each with its own aiohttp session (so a new
TCP connection for the reply), reads the SDK's version from the installed
package metadata for their User-Agent, and closes both when the turn ends.
With fifty people asking at once that plumbing took about a tenth of the
event loop's time (profiled with py-spy). ``TurnClients`` hands every turn
for the same service URL (and the same token) the same clients instead: a
turn's ``close()`` only says it is done with them, and the last turn out
closes them, so nothing stays open once the turns are over (the process
needs no hook to close them at shutdown), and a rotated token gets new
clients while the turns still using the old ones finish with them. A
client is only made when a turn first uses it: the user-token client, which
only sign-in uses, is then not made for a question at all.

Requests the bot does not serve itself (agentic identities, Copilot Studio's
connector) are left to the SDK's own factory.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from microsoft_agents.activity import RoleTypes
from microsoft_agents.hosting.core import ChannelServiceAdapter, RestChannelServiceClientFactory
from microsoft_agents.hosting.core.authorization import (
    AnonymousTokenProvider,
    AuthenticationConstants,
    ClaimsIdentity,
    Connections,
)
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

_ANONYMOUS = AnonymousTokenProvider()
_FACTORY_ATTRIBUTE = "_channel_service_client_factory"
"""Where ``ChannelServiceAdapter`` keeps its factory (the SDK offers no setter)."""


class _Shared:
    """A client, made when a turn first uses it, and how many turns hold it now.

    Most turns never use their user-token client (only sign-in does), so it
    is not made for them at all.
    """

    def __init__(self, create: Callable[[], Any]) -> None:
        self._create = create
        self._client: Any = None
        self.users = 0

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._create()
        return self._client

    @property
    def made(self) -> bool:
        return self._client is not None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


class _Lease:
    """What one turn gets: the shared client, where ``close`` means "this turn is done"."""

    def __init__(self, shared: _Shared, release: Callable[[], Awaitable[None]]) -> None:
        self._shared = shared
        self._release = release
        self._open = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shared.client, name)

    async def close(self) -> None:
        if self._open:
            self._open = False
            await self._release()


class TurnClients:
    """A ``ChannelServiceClientFactoryBase`` sharing clients between concurrent turns."""

    def __init__(
        self,
        connections: Connections,
        sdk_factory: Any,
        *,
        token_service_endpoint: str = AuthenticationConstants.AGENTS_SDK_OAUTH_URL,
        token_service_audience: str = AuthenticationConstants.AGENTS_SDK_SCOPE,
    ) -> None:
        self._connections = connections
        self._sdk = sdk_factory
        self._token_endpoint = token_service_endpoint
        self._token_audience = token_service_audience
        self._shared: dict[tuple[str, ...], _Shared] = {}

    @property
    def open_clients(self) -> int:
        """Clients held by turns running now (none once no turn runs)."""
        return len(self._shared)

    @property
    def made_clients(self) -> int:
        """Of those, the ones a turn used, so that they were made."""
        return sum(shared.made for shared in self._shared.values())

    async def create_connector_client(
        self,
        context: Any,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> Any:
        if not service_url or not audience or _not_ours(context):
            return await self._sdk.create_connector_client(
                context, claims_identity, service_url, audience, scopes, use_anonymous
            )
        provider = (
            _ANONYMOUS
            if use_anonymous
            else self._connections.get_token_provider(claims_identity, service_url)
        )
        token = await provider.get_access_token(
            audience, scopes or claims_identity.get_token_scope()
        )
        return await self._lease(
            ("connector", service_url, token),
            lambda: TeamsConnectorClient(endpoint=service_url, token=token),
        )

    async def create_user_token_client(
        self, context: Any, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> Any:
        if _not_ours(context):
            return await self._sdk.create_user_token_client(context, claims_identity, use_anonymous)
        token = ""
        if not use_anonymous:
            provider = self._connections.get_token_provider(claims_identity, self._token_endpoint)
            token = await provider.get_access_token(
                self._token_audience, claims_identity.get_token_scope()
            )
            if not token:
                raise ValueError("Failed to obtain token for user token client")
        app_id = claims_identity.get_app_id()
        return await self._lease(
            ("user-token", str(app_id), token),
            lambda: UserTokenClient(app_id=app_id, endpoint=self._token_endpoint, token=token),
        )

    async def _lease(self, key: tuple[str, ...], create: Callable[[], Any]) -> _Lease:
        shared = self._shared.get(key)
        if shared is None:
            shared = self._shared[key] = _Shared(create)
        shared.users += 1

        async def release() -> None:
            shared.users -= 1
            if shared.users == 0:
                if self._shared.get(key) is shared:
                    del self._shared[key]
                await shared.close()

        return _Lease(shared, release)


def _not_ours(context: Any) -> bool:
    """Agentic identities and Copilot Studio's connector: the SDK's own clients serve them."""
    activity = getattr(context, "activity", None)
    if activity is None:
        return False
    recipient = activity.recipient
    return bool(activity.is_agentic_request()) or (
        recipient is not None and recipient.role == RoleTypes.connector_user
    )


def share_turn_clients(adapter: ChannelServiceAdapter, connections: Connections) -> TurnClients:
    """Make ``adapter`` hand concurrent turns shared clients (see the module's docstring).

    ``CloudAdapter`` takes a factory only when it is built; the adapter is
    built in the composition root, so the factory is put in place here.
    """
    current = getattr(adapter, _FACTORY_ATTRIBUTE, None)
    if isinstance(current, TurnClients):
        return current
    clients = TurnClients(connections, current or RestChannelServiceClientFactory(connections))
    setattr(adapter, _FACTORY_ATTRIBUTE, clients)
    return clients
