"""Turns running at the same time share one Bot Connector client per service URL and token.

The Agents SDK asks its factory for a connector client and a user-token
client at the start of every turn and closes both at its end. ``TurnClients``
hands concurrent turns the same ones and closes them when the last turn is
done, so nothing stays open once no turn runs.
"""

from __future__ import annotations

from typing import Any, cast

from microsoft_agents.activity import ChannelAccount, RoleTypes
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentApplication, MemoryStorage, TurnState
from microsoft_agents.hosting.core.authorization import ClaimsIdentity, Connections

from bot.hosting.http import Endpoint
from bot.hosting.turn_clients import TurnClients, share_turn_clients

SERVICE = "https://smba.trafficmanager.net/emea/"
AUDIENCE = "https://api.botframework.com"


class Tokens:
    """A token provider whose token the test rotates."""

    def __init__(self) -> None:
        self.token = "token-1"

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        return self.token


class FakeConnections:
    def __init__(self) -> None:
        self.tokens = Tokens()

    def get_token_provider(self, _identity: Any, _url: str) -> Tokens:
        return self.tokens


class SdkFactory:
    """The SDK's own factory, for the requests ``TurnClients`` leaves to it."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def create_connector_client(self, *args: Any) -> str:
        self.asked.append("connector")
        return "sdk-connector"

    async def create_user_token_client(self, *args: Any) -> str:
        self.asked.append("user-token")
        return "sdk-user-token"


class Turn:
    """What the factory reads of a turn: its activity's recipient."""

    def __init__(self, role: str | None = None) -> None:
        self.activity = _Activity(role)


class _Activity:
    def __init__(self, role: str | None) -> None:
        self.recipient = ChannelAccount(id="28:bot", role=role)

    def is_agentic_request(self) -> bool:
        return self.recipient.role in {RoleTypes.agentic_identity, RoleTypes.agentic_user}


def _clients() -> tuple[TurnClients, FakeConnections, SdkFactory]:
    connections, sdk = FakeConnections(), SdkFactory()
    return TurnClients(cast(Connections, connections), sdk), connections, sdk


IDENTITY = ClaimsIdentity({"aud": "bot-app-id", "appid": "bot-app-id"}, True)


async def _connector(clients: TurnClients, turn: Turn | None = None) -> Any:
    return await clients.create_connector_client(turn or Turn(), IDENTITY, SERVICE, AUDIENCE)


async def test_concurrent_turns_share_one_connector_client_and_session() -> None:
    clients, _, _ = _clients()
    first, second = await _connector(clients), await _connector(clients)
    assert first.conversations is second.conversations
    assert first.client is second.client
    assert clients.open_clients == 1
    await first.close()
    assert not second.client.closed  # the other turn still uses it
    await second.close()
    assert second.client.closed  # the last turn out closes it
    assert clients.open_clients == 0


async def test_a_turn_closing_twice_releases_its_client_once() -> None:
    clients, _, _ = _clients()
    first, second = await _connector(clients), await _connector(clients)
    await first.close()
    await first.close()
    assert not second.client.closed
    await second.close()


async def test_a_rotated_token_gets_new_clients_while_older_turns_finish() -> None:
    clients, connections, _ = _clients()
    old = await _connector(clients)
    connections.tokens.token = "token-2"
    new = await _connector(clients)
    assert new.client is not old.client
    assert new.client.headers["Authorization"] == "Bearer token-2"
    assert old.client.headers["Authorization"] == "Bearer token-1"
    await old.close()
    assert old.client.closed
    assert not new.client.closed
    await new.close()


async def test_a_turn_that_never_signs_in_makes_no_user_token_client() -> None:
    clients, _, _ = _clients()
    unused = await clients.create_user_token_client(Turn(), IDENTITY)
    assert clients.open_clients == 1
    assert clients.made_clients == 0
    await unused.close()
    assert clients.open_clients == 0


async def test_user_token_clients_are_shared_too() -> None:
    clients, _, _ = _clients()
    turn = Turn()
    first = await clients.create_user_token_client(turn, IDENTITY)
    second = await clients.create_user_token_client(turn, IDENTITY)
    assert first.user_token is second.user_token
    assert clients.made_clients == 1
    await first.close()
    await second.close()
    assert clients.open_clients == 0


async def test_agentic_and_copilot_studio_turns_keep_the_sdks_own_clients() -> None:
    clients, _, sdk = _clients()
    agentic, copilot = Turn(RoleTypes.agentic_identity), Turn(RoleTypes.connector_user)
    assert await _connector(clients, agentic) == "sdk-connector"
    assert await clients.create_user_token_client(agentic, IDENTITY) == "sdk-user-token"
    assert await _connector(clients, copilot) == "sdk-connector"
    assert sdk.asked == ["connector", "user-token", "connector"]
    assert clients.open_clients == 0


async def test_the_endpoint_serves_through_shared_clients() -> None:
    connections = cast(Connections, FakeConnections())
    agent = AgentApplication[TurnState](storage=MemoryStorage(), connection_manager=connections)
    adapter = CloudAdapter(connection_manager=connections)
    Endpoint().bind(agent, adapter, _ready)
    installed = share_turn_clients(adapter, connections)
    assert isinstance(installed, TurnClients)
    assert share_turn_clients(adapter, connections) is installed  # once, not wrapped again


async def _ready() -> dict[str, bool]:
    return {}
