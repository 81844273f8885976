"""What each delegated permission is, on which API, and whether the tenant calls it low risk.

A consent request or URL names scopes only ("Mail.Send"), never the API they
belong to. The rule is the one approval uses (``consent_grant.resolve_scopes``):
Microsoft Graph when it defines the scope, otherwise the single API that
does; none or several means unknown. The list of APIs changes rarely and is
cached for an hour; the tenant's low-risk classifications, which an admin may
edit, for at most a minute, like the other tenant settings.

Both are read as plain JSON (``bot.graph.json_reads``): a busy tenant's list
of APIs is thousands of service principals, and parsing them into SDK
models would hold the event loop (and every answer waiting on it) for
seconds each time the hour runs out.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from bot.graph.gateway import MICROSOFT_GRAPH_APP_ID, SETTINGS_TTL_SECONDS
from bot.graph.json_reads import GraphJson
from bot.infra.ttl_cache import TtlCache
from domain.diagnosis.facts import ScopeFact, ScopeKind


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
        graph: GraphJson,
        clock: Callable[[], datetime],
        *,
        resources_ttl: float = 3600,
        classifications_ttl: float = SETTINGS_TTL_SECONDS,
    ) -> None:
        self._graph = graph
        self._clock = clock
        self._classifications_ttl = classifications_ttl
        self._resources = TtlCache[tuple[ResourceApi, ...]](resources_ttl, clock)
        self._low: dict[str, TtlCache[frozenset[str]]] = {}

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
        query = {"$select": "id,appId,displayName,oauth2PermissionScopes", "$top": "999"}
        found = []
        for sp in await self._graph.items("/servicePrincipals", query):
            scopes = {
                value.lower(): ScopeDefinition(
                    value=value,
                    admin_only=str(scope.get("type") or "").lower() == "admin",
                    description=_text(scope.get("adminConsentDisplayName"))
                    or _text(scope.get("adminConsentDescription")),
                )
                for scope in sp.get("oauth2PermissionScopes") or []
                if isinstance(scope, dict) and (value := _text(scope.get("value")))
            }
            principal_id, app_id = _text(sp.get("id")), _text(sp.get("appId"))
            if principal_id and app_id and scopes:
                name = _text(sp.get("displayName")) or app_id
                found.append(ResourceApi(principal_id, app_id, name, scopes))
        return tuple(found)

    async def _low_risk(self, service_principal_id: str) -> frozenset[str]:
        cache = self._low.setdefault(
            service_principal_id,
            TtlCache[frozenset[str]](self._classifications_ttl, self._clock),
        )

        async def load() -> frozenset[str]:
            path = (
                f"/servicePrincipals/{quote(service_principal_id, safe='')}"
                "/delegatedPermissionClassifications"
            )
            return frozenset(
                name.lower()
                for item in await self._graph.items(path)
                if (name := _text(item.get("permissionName")))
                and str(item.get("classification") or "").lower() == "low"
            )

        return await cache.get_or_load(load)


def _text(value: Any) -> str | None:
    """A non-empty string from Graph's JSON, else None."""
    return value if isinstance(value, str) and value else None
