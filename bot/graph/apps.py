"""Writes that decide a request: service principals and tenant-wide delegated grants.

Graph has no call that approves an admin consent request. Approving means
granting tenant-wide admin consent ourselves: the client app's service
principal must exist, every scope is granted on its resource's service
principal (object ids, never appIds), and an existing ``AllPrincipals`` grant
is merged rather than duplicated, because PATCH replaces the scope string.

The reviewer waits for these calls, so they go out as plain JSON
(``bot.graph.json_reads``), like the reads of a diagnosis; every refusal is
turned into ``GraphWriteError`` (retrying will not help) or
``TransientGraphError`` (the decision worker retries later).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp

from bot.graph.json_reads import GraphJson, GraphReadError, NotInGraph
from bot.graph.scope_catalogue import ScopeCatalogue

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
_PRINCIPAL_FIELDS = "id,appId,accountEnabled"


class GraphWriteError(RuntimeError):
    """Graph refused a write for a reason retrying will not fix (e.g. 403)."""

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status


class TransientGraphError(RuntimeError):
    """Graph is throttling or unavailable; the durable step retries later."""


@dataclass(frozen=True, slots=True)
class ClientPrincipal:
    id: str
    account_enabled: bool


@dataclass(frozen=True, slots=True)
class Resource:
    """An API that defines delegated scopes (Microsoft Graph, Exchange, SharePoint...)."""

    service_principal_id: str
    app_id: str
    display_name: str
    scopes: frozenset[str]  # lower-cased values


@dataclass(frozen=True, slots=True)
class Grant:
    id: str
    scopes: tuple[str, ...]


class AppWrites:
    """Service principals and AllPrincipals grants, as the decision worker needs them."""

    def __init__(self, graph: GraphJson, catalogue: ScopeCatalogue) -> None:
        self._graph = graph
        self._catalogue = catalogue

    async def client_principal(self, app_id: str) -> ClientPrincipal | None:
        """The app's service principal in this tenant; None when the tenant lacks it."""
        path = f"/servicePrincipals(appId='{quote(app_id, safe='')}')"
        async with _failures(f"could not read app {app_id}"):
            try:
                found = await self._graph.get(path, {"$select": _PRINCIPAL_FIELDS})
            except NotInGraph:
                return None
        return _principal(found)

    async def add_or_find_principal(
        self, app_id: str, *, enabled: bool = True
    ) -> tuple[ClientPrincipal, bool]:
        """The app's service principal, adding it first: (principal, whether it was added).

        For an app believed not to be in the tenant: adding it straight away
        saves the round trip of looking first. Were it there after all (or did
        another writer, a replica or an admin in Entra, add it first), Graph
        refuses the addition and the existing principal is read, as it is.
        """
        try:
            return await self._create(app_id, enabled=enabled), True
        except GraphWriteError:
            existing = await self.client_principal(app_id)
            if existing is None:
                raise
            return existing, False

    async def create_principal(self, app_id: str, *, enabled: bool) -> ClientPrincipal:
        """Add the app to the tenant; a concurrent creation is read back, not an error."""
        principal, _added = await self.add_or_find_principal(app_id, enabled=enabled)
        return principal

    async def _create(self, app_id: str, *, enabled: bool) -> ClientPrincipal:
        body = {"appId": app_id, "accountEnabled": enabled}
        async with _failures(f"could not add app {app_id} to the tenant"):
            created = await self._graph.post("/servicePrincipals", body)
        principal = _principal(created)
        if principal is None:
            raise GraphWriteError(None, "Graph created no service principal")
        return principal

    async def disable_principal(self, principal_id: str) -> None:
        path = f"/servicePrincipals/{quote(principal_id, safe='')}"
        async with _failures("could not disable the app"):
            await self._graph.patch(path, {"accountEnabled": False})

    async def resources(self) -> tuple[Resource, ...]:
        """Every service principal that defines delegated scopes (the shared, cached catalogue)."""
        async with _failures("could not read the tenant's APIs"):
            apis = await self._catalogue.resources()
        return tuple(
            Resource(api.service_principal_id, api.app_id, api.display_name, frozenset(api.scopes))
            for api in apis
        )

    async def tenant_wide_grant(self, client_id: str, resource_id: str) -> Grant | None:
        query = {
            "$filter": (
                f"clientId eq '{client_id}' and consentType eq 'AllPrincipals'"
                f" and resourceId eq '{resource_id}'"
            )
        }
        async with _failures("could not read the app's grants"):
            found = await self._graph.items("/oauth2PermissionGrants", query)
        for grant in found:
            if grant.get("id"):
                return _grant(grant)
        return None

    async def grant(
        self, client_id: str, resource_id: str, scopes: list[str], *, new_client: bool = False
    ) -> Grant:
        """Make the tenant-wide grant hold at least ``scopes``: create, or merge into it.

        ``new_client`` says the client's service principal was created by this
        approval, so it can hold no grant yet: the grant is written without
        being looked for first (one round trip less while the reviewer waits).
        Were another writer quicker after all, Graph refuses the duplicate
        and the grant is merged as usual.
        """
        existing = None if new_client else await self.tenant_wide_grant(client_id, resource_id)
        if existing is None:
            body = {
                "clientId": client_id,
                "consentType": "AllPrincipals",
                "resourceId": resource_id,
                "scope": " ".join(scopes),
            }
            try:
                async with _failures("could not grant consent"):
                    created = await self._graph.post("/oauth2PermissionGrants", body)
            except GraphWriteError as refused:
                if refused.status != 409:
                    raise
                created = {}  # another writer made it first
            if created.get("id"):
                # Graph answers with the grant it stored: no read back on the approve path.
                return _grant(created)
            existing = await self.tenant_wide_grant(client_id, resource_id)
            if existing is None:
                raise GraphWriteError(None, "the grant did not read back")
        have = {s.lower() for s in existing.scopes}
        missing = [s for s in scopes if s.lower() not in have]
        if missing:
            union = " ".join([*existing.scopes, *missing])
            path = f"/oauth2PermissionGrants/{quote(existing.id, safe='')}"
            async with _failures("could not extend the existing grant"):
                await self._graph.patch(path, {"scope": union})
            return Grant(existing.id, tuple(union.split()))
        return existing


def _principal(found: dict[str, object]) -> ClientPrincipal | None:
    principal_id = found.get("id")
    if not isinstance(principal_id, str) or not principal_id:
        return None
    return ClientPrincipal(principal_id, found.get("accountEnabled") is not False)


def _grant(found: dict[str, object]) -> Grant:
    scope = found.get("scope")
    return Grant(str(found["id"]), tuple(scope.split() if isinstance(scope, str) else ()))


@asynccontextmanager
async def _failures(what: str) -> AsyncIterator[None]:
    """Graph's refusals and unreachability, as the two errors the decision worker tells apart."""
    try:
        yield
    except NotInGraph as missing:
        raise GraphWriteError(404, f"{what}: not found") from missing
    except GraphReadError as error:
        if error.status in TRANSIENT_STATUSES:
            raise TransientGraphError(f"{what}: HTTP {error.status}") from error
        detail = error.graph_message or str(error.status)
        raise GraphWriteError(error.status, f"{what}: {detail}") from error
    except (aiohttp.ClientError, TimeoutError) as error:
        raise TransientGraphError(f"{what}: {type(error).__name__}") from error
