"""App role assignments (graph-contract section 3): is this user assigned to the app?

An app whose service principal has ``appRoleAssignmentRequired`` lets in only
assigned users (AADSTS50105 for the others). Graph answers the question from
either end: the app's ``appRoleAssignedTo`` filtered on ``principalId``, or the
user's ``appRoleAssignments`` filtered on ``resourceId`` (which, as in Graph,
also lists the assignments of groups the user is a direct member of). Both give
the same appRoleAssignment objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.errors import BadRequest, missing
from sandbox.graph.filters import FilterSpec, apply_filter
from sandbox.graph.odata import (
    GraphRequest,
    GraphResponse,
    advanced_query,
    allow_options,
    collection,
    wants_count,
)
from sandbox.graph.router import Router
from sandbox.state.apps import ServicePrincipal
from sandbox.state.assignments import AppRoleAssignment

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

ASSIGNMENT_FILTER = FilterSpec.of(
    "appRoleAssignment",
    "principalId eq",
    "resourceId eq",
    "appRoleId eq",
    "principalType eq",
    "principalDisplayName eq",
    "resourceDisplayName eq",
)


def _view(assignment: AppRoleAssignment) -> dict[str, Any]:
    return assignment.to_json()


def _list(req: GraphRequest, items: list[AppRoleAssignment], fragment: str) -> GraphResponse:
    allow_options(req, "$filter", "$top", "$select", "$count")
    if wants_count(req) and not advanced_query(req):
        raise BadRequest(
            "$count on directory objects needs the ConsistencyLevel: eventual header.",
            code="Request_UnsupportedQuery",
        )
    found = apply_filter(req, ASSIGNMENT_FILTER, items, _view)
    return collection(req, [a.to_json() for a in found], fragment)


def _assigned_to(req: GraphRequest, tenant: SandboxTenant, sp: ServicePrincipal) -> GraphResponse:
    items = tenant.assignments.to_resource(sp.id)
    return _list(req, items, f"servicePrincipals('{sp.id}')/appRoleAssignedTo")


def register(router: Router) -> None:
    @router.add("GET", "/servicePrincipals/{id}/appRoleAssignedTo")
    def assigned_to(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        return _assigned_to(req, tenant, tenant.apps.sp(req.params["id"]))

    @router.add("GET", "/servicePrincipals(appId='{appId}')/appRoleAssignedTo")
    def assigned_to_by_app_id(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        sp = tenant.apps.sp_for_app(req.params["appId"])
        if sp is None:
            raise missing(req.params["appId"])
        return _assigned_to(req, tenant, sp)

    @router.add("GET", "/users/{id}/appRoleAssignments")
    def assignments_of(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        user = tenant.directory.user(req.params["id"])
        items = tenant.assignments.of_user(user.id)
        return _list(req, items, f"users('{user.id}')/appRoleAssignments")
