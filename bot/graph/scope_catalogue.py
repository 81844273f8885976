"""What each delegated permission is, on which API, and whether the tenant calls it low risk.

A consent request or URL names scopes only ("Mail.Send"), never the API they
belong to. The rule is the one approval uses (``consent_grant.resolve_scopes``):
Microsoft Graph when it defines the scope, otherwise the single API that
does; none or several means unknown. The list of APIs changes rarely and is
cached for an hour; the tenant's low-risk classifications, which an admin may
edit, for at most a minute, like the other tenant settings.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from kiota_abstractions.base_request_configuration import RequestConfiguration

from bot.graph.connection import GraphConnection
from bot.graph.gateway import MICROSOFT_GRAPH_APP_ID, SETTINGS_TTL_SECONDS
from bot.graph.paging import all_items
from bot.infra.ttl_cache import TtlCache
from domain.diagnosis.facts import ScopeFact, ScopeKind

if TYPE_CHECKING:
    from msgraph import GraphServiceClient


@dataclass(frozen=True, slots=True)
class ScopeDefinition:
    value: str
    admin_only: bool
    description: str | None


@dataclass(frozen=True, slots=True)
class ResourceApi:
    """A service principal that exposes delegated scopes, keyed by lower-cased value."""

    service_principal_id: str
    app_id: str
    display_name: str
    scopes: dict[str, ScopeDefinition]


class _DefinesScopes(Protocol):
    @property
    def app_id(self) -> str: ...

    @property
    def scopes(self) -> Collection[str]: ...


R = TypeVar("R", bound=_DefinesScopes)


def owning_resource(value: str, resources: Sequence[R]) -> R | None:
    """The API a scope belongs to: Microsoft Graph if it defines it, else the only one that does.

    None when no API or several define it: approval then stops and the
    diagnosis calls the scope unknown, rather than guessing.
    """
    key = value.lower()
    graph = next((r for r in resources if r.app_id == MICROSOFT_GRAPH_APP_ID), None)
    if graph is not None and key in graph.scopes:
        return graph
    owners = [r for r in resources if r is not graph and key in r.scopes]
    return owners[0] if len(owners) == 1 else None


class ScopeCatalogue:
    """Describes requested scopes for the diagnosis, from cached reads."""

    def __init__(
        self,
        connection: GraphConnection,
        clock: Callable[[], datetime],
        *,
        resources_ttl: float = 3600,
        classifications_ttl: float = SETTINGS_TTL_SECONDS,
    ) -> None:
        self._connection = connection
        self._clock = clock
        self._classifications_ttl = classifications_ttl
        self._resources = TtlCache[tuple[ResourceApi, ...]](resources_ttl, clock)
        self._low: dict[str, TtlCache[frozenset[str]]] = {}

    @property
    def _client(self) -> GraphServiceClient:
        return self._connection.client

    async def resources(self) -> tuple[ResourceApi, ...]:
        """Every API in the tenant that defines delegated scopes (cached)."""
        return await self._resources.get_or_load(self._load_resources)

    async def describe(self, values: Sequence[str]) -> tuple[ScopeFact, ...]:
        """Each scope with its kind, meaning and classification, in the order given."""
        resources = await self.resources()
        facts = []
        for value in values:
            key = value.lower()
            owner = owning_resource(value, resources)
            if owner is None:
                facts.append(ScopeFact(value=value, kind=ScopeKind.UNKNOWN))
                continue
            definition = owner.scopes[key]
            low = await self._low_risk(owner.service_principal_id)
            facts.append(
                ScopeFact(
                    value=definition.value,
                    kind=ScopeKind.ADMIN if definition.admin_only else ScopeKind.USER,
                    classified_low=key in low,
                    description=definition.description,
                    resource_name=owner.display_name,
                )
            )
        return tuple(facts)

    async def _load_resources(self) -> tuple[ResourceApi, ...]:
        # Imported here, at the first read, not at start (``bot.graph.connection`` says why).
        from msgraph.generated.service_principals.service_principals_request_builder import (
            ServicePrincipalsRequestBuilder as Builder,
        )

        query = Builder.ServicePrincipalsRequestBuilderGetQueryParameters(
            select=["id", "appId", "displayName", "oauth2PermissionScopes"], top=999
        )
        builder = self._client.service_principals
        first = await builder.get(RequestConfiguration(query_parameters=query))
        found = []
        for sp in await all_items(builder, first):
            scopes = {
                s.value.lower(): ScopeDefinition(
                    value=s.value,
                    admin_only=(s.type or "").lower() == "admin",
                    description=s.admin_consent_display_name or s.admin_consent_description,
                )
                for s in sp.oauth2_permission_scopes or []
                if s.value
            }
            if sp.id and sp.app_id and scopes:
                found.append(ResourceApi(sp.id, sp.app_id, sp.display_name or sp.app_id, scopes))
        return tuple(found)

    async def _low_risk(self, service_principal_id: str) -> frozenset[str]:
        cache = self._low.setdefault(
            service_principal_id,
            TtlCache[frozenset[str]](self._classifications_ttl, self._clock),
        )

        async def load() -> frozenset[str]:
            builder = self._client.service_principals.by_service_principal_id(
                service_principal_id
            ).delegated_permission_classifications
            items = await all_items(builder, await builder.get())
            return frozenset(
                c.permission_name.lower()
                for c in items
                if c.permission_name and (c.classification or "").lower() == "low"
            )

        return await cache.get_or_load(load)
