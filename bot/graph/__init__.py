"""The only package that talks to Microsoft Graph.

Callers get small frozen types, never msgraph-sdk models; 404s become
``NotInGraph``; paging is followed here.
"""

from bot.graph.connection import GraphConnection
from bot.graph.gateway import (
    MICROSOFT_GRAPH_APP_ID,
    AppProfile,
    ConsentRequestPolicy,
    GraphGateway,
    NotInGraph,
    PendingRequest,
    UserRequest,
)

__all__ = [
    "MICROSOFT_GRAPH_APP_ID",
    "AppProfile",
    "ConsentRequestPolicy",
    "GraphConnection",
    "GraphGateway",
    "NotInGraph",
    "PendingRequest",
    "UserRequest",
]
