"""The Graph client and the connection pool under it."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_http.kiota_client_factory import KiotaClientFactory
from kiota_http.middleware import RetryHandler
from msgraph import GraphServiceClient
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph_core import GraphClientFactory
from msgraph_core.middleware import GraphTelemetryHandler

from bot.graph.retries import GraphRetries


@dataclass(frozen=True, slots=True)
class GraphConnection:
    """A Graph client plus the connection pool under it.

    msgraph-core wraps the transport in one whose ``aclose`` does not close the
    wrapped pool, so the pool is kept here and closed explicitly.
    """

    client: GraphServiceClient
    transport: httpx.AsyncHTTPTransport

    @classmethod
    def open(cls, graph_base_url: str, token_provider: AccessTokenProvider) -> GraphConnection:
        """Connect to any Graph-compatible host (public cloud, national cloud, sandbox)."""
        transport = httpx.AsyncHTTPTransport()
        http_client = httpx.AsyncClient(timeout=30, transport=transport)
        middleware = [
            GraphRetries() if isinstance(handler, RetryHandler) else handler
            for handler in KiotaClientFactory.get_default_middleware(None)
        ]
        middleware.append(GraphTelemetryHandler())
        http_client = GraphClientFactory.create_with_custom_middleware(
            middleware, client=http_client
        )
        auth = BaseBearerTokenAuthenticationProvider(token_provider)
        adapter = GraphRequestAdapter(auth, http_client)
        # The SDK's URL templates are "{+baseurl}/users": the base must not end in "/"
        # (an httpx base URL always does, which made every path start "/v1.0//").
        adapter.base_url = f"{graph_base_url.rstrip('/')}/v1.0"
        return cls(GraphServiceClient(request_adapter=adapter), transport)

    async def close(self) -> None:
        await self.transport.aclose()
