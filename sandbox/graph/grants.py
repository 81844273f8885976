"""Delegated permission grants (oauth2PermissionGrants), the approve path's writes.

The bot looks a grant up by client, consent type and resource, then PATCHes
the union of scopes or POSTs a new grant; Graph answers a duplicate POST with
409 and treats PATCH as replace. See ``sandbox.state.grants`` for the rules.
Writes are authorised in ``sandbox.graph.auth`` and record their author.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.errors import BadRequest
from sandbox.graph.auth import authorize_grant_write
from sandbox.graph.filters import FilterSpec, apply_filter
from sandbox.graph.odata import GraphRequest, GraphResponse, allow_options, collection, entity
from sandbox.graph.router import Router
from sandbox.state.grants import PermissionGrant

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

GRANT_FILTER = FilterSpec.of(
    "oAuth2PermissionGrant",
    "clientId eq",
    "consentType eq",
    "resourceId eq",
    "principalId eq",
    "id eq",
)
_FIELDS = {"clientId", "consentType", "principalId", "resourceId", "scope"}


def _view(grant: PermissionGrant) -> dict[str, Any]:
    return grant.to_json()


def _text(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(
            f"Property '{name}' is required and must be a string.", code="Request_BadRequest"
        )
    return value.strip()


def register(router: Router) -> None:
    @router.add("GET", "/oauth2PermissionGrants")
    def list_grants(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$filter", "$top", "$select")
        grants = list(tenant.permission_grants.items.values())
        found = apply_filter(req, GRANT_FILTER, grants, _view)
        return collection(req, [g.to_json() for g in found], "oauth2PermissionGrants")

    @router.add("GET", "/oauth2PermissionGrants/{id}")
    def get_grant(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select")
        grant = tenant.permission_grants.get(req.params["id"])
        return entity(req, grant.to_json(), "oauth2PermissionGrants/$entity")

    @router.add("POST", "/oauth2PermissionGrants")
    def create_grant(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        granted_by = authorize_grant_write(req, tenant)
        body = req.json_body()
        unknown = set(body) - _FIELDS - {"@odata.type", "id"}
        if unknown:
            raise BadRequest(
                f"Unknown or read-only properties: {', '.join(sorted(unknown))}.",
                code="Request_BadRequest",
            )
        grant = tenant.permission_grants.create(
            client_id=_text(body, "clientId") or "",
            consent_type=_text(body, "consentType") or "",
            resource_id=_text(body, "resourceId") or "",
            scope=_text(body, "scope") or "",
            principal_id=_text(body, "principalId", required=False),
            granted_by=granted_by,
        )
        return entity(req, grant.to_json(), "oauth2PermissionGrants/$entity", status=201)

    @router.add("PATCH", "/oauth2PermissionGrants/{id}")
    def update_grant(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        granted_by = authorize_grant_write(req, tenant)
        body = req.json_body()
        if set(body) - {"scope", "@odata.type"}:
            raise BadRequest("Only 'scope' can be updated on a grant.", code="Request_BadRequest")
        tenant.permission_grants.update_scope(
            req.params["id"], _text(body, "scope") or "", granted_by=granted_by
        )
        return GraphResponse(204)

    @router.add("DELETE", "/oauth2PermissionGrants/{id}")
    def delete_grant(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        authorize_grant_write(req, tenant)
        tenant.permission_grants.delete(req.params["id"])
        return GraphResponse(204)
