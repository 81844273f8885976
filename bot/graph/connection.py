"""The Graph client and the connection pool under it."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphServiceClient
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph_core import GraphClientFactory


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
        http_client = httpx.AsyncClient(
            base_url=f"{graph_base_url}/v1.0", timeout=30, transport=transport
        )
        http_client = GraphClientFactory.create_with_default_middleware(client=http_client)
        auth = BaseBearerTokenAuthenticationProvider(token_provider)
        adapter = GraphRequestAdapter(auth, http_client)
        return cls(GraphServiceClient(request_adapter=adapter), transport)

    async def close(self) -> None:
        await self.transport.aclose()
