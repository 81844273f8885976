"""The Graph side, built once per process: one connection, one JSON client, and their users."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass

from kiota_abstractions.authentication import AccessTokenProvider

from bot.graph.app_directory import AppDirectory
from bot.graph.apps import AppWrites
from bot.graph.gateway import GraphGateway
from bot.graph.json_reads import GraphJson
from bot.graph.policy_writes import PolicyWrites
from bot.graph.reviewer_lookup import ReviewerLookup
from bot.graph.scope_catalogue import ScopeCatalogue
from bot.graph.teams import PersonalChats
from bot.graph.tenant_consent import TenantConsentReader
from bot.graph.user_names import DirectoryNames
from bot.infra.clock import Clock


@dataclass(frozen=True, slots=True)
class GraphSide:
    url: str
    json: GraphJson
    gateway: GraphGateway
    chats: PersonalChats
    scope_catalogue: ScopeCatalogue
    app_writes: AppWrites
    tenant_consent: TenantConsentReader
    policy_writes: PolicyWrites
    reviewer_lookup: ReviewerLookup
    app_directory: AppDirectory
    names: DirectoryNames


def wire_graph(
    stack: AsyncExitStack,
    url: str,
    tokens: AccessTokenProvider,
    clock: Clock,
    *,
    teams_app_id: str,
    tenant_id: str,
) -> GraphSide:
    """Every Graph client the sides use; they close with ``stack``."""
    graph_json = GraphJson(url, tokens)
    stack.push_async_callback(graph_json.close)
    gateway = GraphGateway(graph_json, clock=clock)
    scope_catalogue = ScopeCatalogue(graph_json, clock)
    return GraphSide(
        url=url,
        json=graph_json,
        gateway=gateway,
        chats=PersonalChats(graph_json, url, teams_app_id),
        scope_catalogue=scope_catalogue,
        app_writes=AppWrites(graph_json, scope_catalogue),
        tenant_consent=TenantConsentReader(graph_json, gateway, clock),
        policy_writes=PolicyWrites(graph_json),
        reviewer_lookup=ReviewerLookup(graph_json),
        app_directory=AppDirectory(graph_json, gateway, clock, tenant_id=tenant_id),
        names=DirectoryNames(graph_json, clock),
    )
