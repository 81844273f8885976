"""Writes that decide a request: service principals and tenant-wide delegated grants.

Graph has no call that approves an admin consent request. Approving means
granting tenant-wide admin consent ourselves: the client app's service
principal must exist, every scope is granted on its resource's service
principal (object ids, never appIds), and an existing ``AllPrincipals`` grant
is merged rather than duplicated, because PATCH replaces the scope string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiota_abstractions.base_request_configuration import RequestConfiguration

from bot.graph.connection import GraphConnection
from bot.graph.scope_catalogue import ScopeCatalogue
from bot.graph.sdk_errors import odata_error

if TYPE_CHECKING:
    from msgraph import GraphServiceClient
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

# msgraph-sdk's models and request builders are imported where they are used, at the
# first write, not at start (``bot.graph.connection`` says why).


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

    def __init__(self, connection: GraphConnection, catalogue: ScopeCatalogue) -> None:
        self._connection = connection
        self._catalogue = catalogue

    @property
    def _client(self) -> GraphServiceClient:
        return self._connection.client

    async def client_principal(self, app_id: str) -> ClientPrincipal | None:
        from msgraph.generated.service_principals_with_app_id.service_principals_with_app_id_request_builder import (  # noqa: E501
            ServicePrincipalsWithAppIdRequestBuilder as Builder,
        )

        query = Builder.ServicePrincipalsWithAppIdRequestBuilderGetQueryParameters(
            select=["id", "appId", "accountEnabled"]
        )
        try:
            sp = await self._client.service_principals_with_app_id(app_id).get(
                RequestConfiguration(query_parameters=query)
            )
        except odata_error() as error:
            if error.response_status_code == 404:
                return None
            raise
        if sp is None or not sp.id:
            return None
        return ClientPrincipal(sp.id, sp.account_enabled is not False)

    async def create_principal(self, app_id: str, *, enabled: bool) -> ClientPrincipal:
        """Add the app to the tenant; a concurrent creation is read back, not an error."""
        from msgraph.generated.models.service_principal import ServicePrincipal

        try:
            created = await self._client.service_principals.post(
                ServicePrincipal(app_id=app_id, account_enabled=enabled)
            )
        except odata_error() as error:
            existing = await self.client_principal(app_id)
            if existing is not None:
                return existing
            raise _write_error(error, f"could not add app {app_id} to the tenant") from error
        if created is None or not created.id:
            raise GraphWriteError(None, "Graph created no service principal")
        return ClientPrincipal(created.id, created.account_enabled is not False)

    async def disable_principal(self, principal_id: str) -> None:
        from msgraph.generated.models.service_principal import ServicePrincipal

        try:
            await self._client.service_principals.by_service_principal_id(principal_id).patch(
                ServicePrincipal(account_enabled=False)
            )
        except odata_error() as error:
            raise _write_error(error, "could not disable the app") from error

    async def resources(self) -> tuple[Resource, ...]:
        """Every service principal that defines delegated scopes (the shared, cached catalogue)."""
        return tuple(
            Resource(api.service_principal_id, api.app_id, api.display_name, frozenset(api.scopes))
            for api in await self._catalogue.resources()
        )

    async def tenant_wide_grant(self, client_id: str, resource_id: str) -> Grant | None:
        from msgraph.generated.oauth2_permission_grants.oauth2_permission_grants_request_builder import (  # noqa: E501
            Oauth2PermissionGrantsRequestBuilder as Builder,
        )

        query = Builder.Oauth2PermissionGrantsRequestBuilderGetQueryParameters(
            filter=(
                f"clientId eq '{client_id}' and consentType eq 'AllPrincipals'"
                f" and resourceId eq '{resource_id}'"
            )
        )
        page = await self._client.oauth2_permission_grants.get(
            RequestConfiguration(query_parameters=query)
        )
        for grant in (page.value if page else None) or []:
            if grant.id:
                return Grant(grant.id, tuple((grant.scope or "").split()))
        return None

    async def grant(self, client_id: str, resource_id: str, scopes: list[str]) -> Grant:
        """Make the tenant-wide grant hold at least ``scopes``: create, or merge into it."""
        from msgraph.generated.models.o_auth2_permission_grant import OAuth2PermissionGrant

        existing = await self.tenant_wide_grant(client_id, resource_id)
        if existing is None:
            created = None
            try:
                created = await self._client.oauth2_permission_grants.post(
                    OAuth2PermissionGrant(
                        client_id=client_id,
                        consent_type="AllPrincipals",
                        resource_id=resource_id,
                        scope=" ".join(scopes),
                    )
                )
            except odata_error() as error:
                if error.response_status_code != 409:
                    raise _write_error(error, "could not grant consent") from error
            if created is not None and created.id:
                # Graph answers with the grant it stored: no read back on the approve path.
                return Grant(created.id, tuple((created.scope or "").split()))
            # Another writer made it first (409), or Graph answered without a body.
            existing = await self.tenant_wide_grant(client_id, resource_id)
            if existing is None:
                raise GraphWriteError(None, "the grant did not read back")
        have = {s.lower() for s in existing.scopes}
        missing = [s for s in scopes if s.lower() not in have]
        if missing:
            union = " ".join([*existing.scopes, *missing])
            try:
                await self._client.oauth2_permission_grants.by_o_auth2_permission_grant_id(
                    existing.id
                ).patch(OAuth2PermissionGrant(scope=union))
            except odata_error() as error:
                raise _write_error(error, "could not extend the existing grant") from error
        return existing


def _write_error(error: ODataError, what: str) -> Exception:
    status = error.response_status_code
    if status in {429, 500, 502, 503, 504}:
        return TransientGraphError(f"{what}: HTTP {status}")
    detail = error.error.message if error.error and error.error.message else str(status)
    return GraphWriteError(status, f"{what}: {detail}")
