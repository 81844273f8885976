"""Service principals (graph-contract sections 2-4): find, create, block, inspect.

``servicePrincipals(appId='...')`` is the alternate-key form the SDK's
``service_principals_with_app_id`` uses; it answers 404 while the app has no
service principal here, which is how the bot learns an app is new to the
tenant. Listing third-party apps with ``appOwnerOrganizationId ne {tenant}``
is an advanced directory query and is refused without its two prerequisites.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.errors import BadRequest, missing
from sandbox.graph.filters import FilterSpec, apply_filter
from sandbox.graph.odata import (
    GraphRequest,
    GraphResponse,
    advanced_query,
    allow_options,
    collection,
    entity,
    wants_count,
)
from sandbox.graph.router import Router
from sandbox.state.apps import ServicePrincipal

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

SP_FILTER = FilterSpec.of(
    "servicePrincipal",
    "id eq",
    "appId eq",
    "displayName eq",
    "displayName startswith",
    "publisherName eq",
    "accountEnabled eq",
    "appOwnerOrganizationId eq",
    advanced=["appOwnerOrganizationId ne", "displayName ne", "appId ne", "not"],
)


def _view(sp: ServicePrincipal) -> dict[str, object]:
    return sp.to_json()


def _by_app_id(req: GraphRequest, tenant: SandboxTenant) -> ServicePrincipal:
    app_id = req.params["appId"]
    sp = tenant.apps.sp_for_app(app_id)
    if sp is None:
        raise missing(app_id)
    return sp


def register(router: Router) -> None:
    @router.add("GET", "/servicePrincipals")
    def list_sps(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$filter", "$top", "$select", "$count")
        if wants_count(req) and not advanced_query(req):
            raise BadRequest(
                "$count on directory objects needs the ConsistencyLevel: eventual header.",
                code="Request_UnsupportedQuery",
            )
        sps = list(tenant.apps.service_principals.values())
        found = apply_filter(req, SP_FILTER, sps, _view)
        return collection(req, [sp.to_json() for sp in found], "servicePrincipals")

    @router.add("POST", "/servicePrincipals")
    def create_sp(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        body = req.json_body()
        app_id = body.get("appId")
        if not isinstance(app_id, str) or not app_id:
            raise BadRequest("Property 'appId' is required.", code="Request_BadRequest")
        extra = {k: v for k, v in body.items() if k not in ("appId", "@odata.type")}
        sp = tenant.apps.create_sp(app_id)
        try:
            tenant.apps.patch_sp(sp.id, extra)
        except BadRequest:
            del tenant.apps.service_principals[sp.id]
            raise
        return entity(req, sp.to_json(), "servicePrincipals/$entity", status=201)

    @router.add("GET", "/servicePrincipals(appId='{appId}')")
    def get_by_app_id(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select")
        return entity(req, _by_app_id(req, tenant).to_json(), "servicePrincipals/$entity")

    @router.add("GET", "/servicePrincipals/{id}")
    def get_sp(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select")
        return entity(req, tenant.apps.sp(req.params["id"]).to_json(), "servicePrincipals/$entity")

    @router.add("PATCH", "/servicePrincipals/{id}")
    def patch_sp(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        tenant.apps.patch_sp(req.params["id"], req.json_body())
        return GraphResponse(204)

    @router.add("GET", "/servicePrincipals/{id}/delegatedPermissionClassifications")
    def classifications(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$top")
        sp = tenant.apps.sp(req.params["id"])
        items = [c.to_json() for c in sp.classifications]
        return collection(
            req, items, f"servicePrincipals('{sp.id}')/delegatedPermissionClassifications"
        )

    @router.add("GET", "/servicePrincipals(appId='{appId}')/delegatedPermissionClassifications")
    def classifications_by_app_id(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$top")
        sp = _by_app_id(req, tenant)
        items = [c.to_json() for c in sp.classifications]
        return collection(
            req, items, f"servicePrincipals('{sp.id}')/delegatedPermissionClassifications"
        )

    @router.add("GET", "/servicePrincipals/{id}/oauth2PermissionGrants")
    def grants_of(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$top")
        sp = tenant.apps.sp(req.params["id"])
        items = [g.to_json() for g in tenant.permission_grants.for_client(sp.id)]
        return collection(req, items, "oauth2PermissionGrants")
