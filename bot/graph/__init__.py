"""The only package that talks to Microsoft Graph.

Callers get small frozen types, never msgraph-sdk models; 404s become
``NotInGraph``; paging is followed here.
"""

from bot.graph.gateway import (
    AppProfile,
    GraphGateway,
    PendingRequest,
    UserRequest,
)
from bot.graph.json_reads import NotInGraph

__all__ = [
    "AppProfile",
    "GraphGateway",
    "NotInGraph",
    "PendingRequest",
    "UserRequest",
]
