"""An msgraph-sdk client, for the tests that prove the sandbox serves what the SDK sends.

The bot itself calls Graph as plain JSON (``bot.graph.json_reads``); a
customer's own scripts, and Microsoft's samples, use msgraph-sdk, so the
sandbox tenant is also checked against the SDK's URLs, encodings and model
shapes. The client is built at its first use, over ``tests.msgraph_retries``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiota_abstractions.authentication import AccessTokenProvider

if TYPE_CHECKING:
    import httpx
    from msgraph import GraphServiceClient


class GraphConnection:
    """A Graph client plus the connection pool under it.

    msgraph-core wraps the transport in one whose ``aclose`` does not close the
    wrapped pool, so the pool is kept here and closed explicitly.
    """

    def __init__(self, graph_base_url: str, token_provider: AccessTokenProvider) -> None:
        self._base_url = graph_base_url
        self._tokens = token_provider
        self._client: GraphServiceClient | None = None
        self._transport: httpx.AsyncHTTPTransport | None = None

    @classmethod
    def open(cls, graph_base_url: str, token_provider: AccessTokenProvider) -> GraphConnection:
        """Connect to any Graph-compatible host (public cloud, national cloud, sandbox).

        Nothing is imported or connected yet: that happens at the first use of ``client``.
        """
        return cls(graph_base_url, token_provider)

    @property
    def client(self) -> GraphServiceClient:
        """The SDK's client; the first use imports the SDK and builds it (no I/O yet)."""
        if self._client is None:
            self._client, self._transport = _build(self._base_url, self._tokens)
        return self._client

    async def close(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()


def _build(
    graph_base_url: str, token_provider: AccessTokenProvider
) -> tuple[GraphServiceClient, httpx.AsyncHTTPTransport]:
    """The client over our retry middleware, and the pool under it (imports here, once)."""
    import httpx
    from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
    from kiota_http.kiota_client_factory import KiotaClientFactory
    from kiota_http.middleware import RetryHandler
    from msgraph import GraphServiceClient
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph_core import GraphClientFactory
    from msgraph_core.middleware import GraphTelemetryHandler

    from tests.msgraph_retries import GraphRetries

    transport = httpx.AsyncHTTPTransport()
    http_client = httpx.AsyncClient(timeout=30, transport=transport)
    middleware = [
        GraphRetries() if isinstance(handler, RetryHandler) else handler
        for handler in KiotaClientFactory.get_default_middleware(None)
    ]
    middleware.append(GraphTelemetryHandler())
    http_client = GraphClientFactory.create_with_custom_middleware(middleware, client=http_client)
    auth = BaseBearerTokenAuthenticationProvider(token_provider)
    adapter = GraphRequestAdapter(auth, http_client)
    # The SDK's URL templates are "{+baseurl}/users": the base must not end in "/"
    # (an httpx base URL always does, which made every path start "/v1.0//").
    adapter.base_url = f"{graph_base_url.rstrip('/')}/v1.0"
    return GraphServiceClient(request_adapter=adapter), transport
