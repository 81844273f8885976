"""Users, groups and roles (graph-contract section 9): who clicked, may they decide.

The bot checks a clicker's directory roles through ``transitiveMemberOf`` cast
to ``directoryRole``, group membership through ``checkMemberGroups``, and
resolves the workflow's reviewers from the three query shapes stored in
``adminConsentRequestPolicy.reviewers`` (user, group members, role assignments).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.errors import BadRequest
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
from sandbox.ids import stable_id
from sandbox.state.directory import Group, User

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

USER_FILTER = FilterSpec.of(
    "user",
    "id eq",
    "userPrincipalName eq",
    "mail eq",
    "displayName eq",
    "displayName startswith",
    "userPrincipalName startswith",
)
GROUP_FILTER = FilterSpec.of("group", "id eq", "displayName eq", "displayName startswith")
ASSIGNMENT_FILTER = FilterSpec.of("unifiedRoleAssignment", "roleDefinitionId eq", "principalId eq")


def _typed(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"@odata.type": f"#microsoft.graph.{kind}", **body}


def _user_view(user: User) -> dict[str, Any]:
    return user.to_json()


def _group_view(group: Group) -> dict[str, Any]:
    return group.to_json()


def _role_assignments(tenant: SandboxTenant) -> list[dict[str, Any]]:
    result = []
    for role in tenant.directory.roles.values():
        for member in role.member_ids:
            result.append(
                {
                    "id": stable_id("role-assignment", role.role_template_id, member),
                    "directoryScopeId": "/",
                    "appScopeId": None,
                    "principalId": member,
                    "roleDefinitionId": role.role_template_id,
                }
            )
    return result


def register(router: Router) -> None:
    @router.add("GET", "/users")
    def list_users(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$filter", "$top", "$select", "$count")
        if wants_count(req) and not advanced_query(req):
            raise BadRequest(
                "$count on directory objects needs the ConsistencyLevel: eventual header.",
                code="Request_UnsupportedQuery",
            )
        users = list(tenant.users.values())
        found = apply_filter(req, USER_FILTER, users, _user_view)
        return collection(req, [u.to_json() for u in found], "users")

    @router.add("GET", "/users/{id}")
    def get_user(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select")
        return entity(req, tenant.directory.user(req.params["id"]).to_json(), "users/$entity")

    @router.add("GET", "/users/{id}/transitiveMemberOf")
    def member_of(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$top")
        user = tenant.directory.user(req.params["id"])
        items = [_typed("group", g.to_json()) for g in tenant.directory.groups_of(user.id)]
        items += [_typed("directoryRole", r.to_json()) for r in tenant.directory.roles_of(user.id)]
        return collection(req, items, "directoryObjects")

    @router.add("GET", "/users/{id}/transitiveMemberOf/microsoft.graph.directoryRole")
    def roles_of(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$top", "$count")
        user = tenant.directory.user(req.params["id"])
        items = [r.to_json() for r in tenant.directory.roles_of(user.id)]
        return collection(req, items, "directoryRoles")

    @router.add("GET", "/users/{id}/transitiveMemberOf/microsoft.graph.group")
    def groups_of(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$top", "$count")
        user = tenant.directory.user(req.params["id"])
        return collection(req, [g.to_json() for g in tenant.directory.groups_of(user.id)], "groups")

    @router.add("POST", "/users/{id}/checkMemberGroups")
    def check_member_groups(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        user = tenant.directory.user(req.params["id"])
        group_ids = req.json_body().get("groupIds")
        if not isinstance(group_ids, list) or not all(isinstance(g, str) for g in group_ids):
            raise BadRequest(
                "Property 'groupIds' must be a list of group ids.", code="Request_BadRequest"
            )
        if len(group_ids) > 20:
            raise BadRequest(
                "checkMemberGroups accepts at most 20 group ids.", code="Request_BadRequest"
            )
        mine = {g.id.lower() for g in tenant.directory.groups_of(user.id)}
        found = [g for g in group_ids if g.lower() in mine]
        return GraphResponse(
            200, {"@odata.context": req.context("Collection(Edm.String)"), "value": found}
        )

    @router.add("GET", "/groups")
    def list_groups(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$filter", "$top", "$select")
        groups = list(tenant.directory.groups.values())
        found = apply_filter(req, GROUP_FILTER, groups, _group_view)
        return collection(req, [g.to_json() for g in found], "groups")

    @router.add("GET", "/groups/{id}")
    def get_group(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select")
        return entity(req, tenant.directory.group(req.params["id"]).to_json(), "groups/$entity")

    @router.add("GET", "/groups/{id}/transitiveMembers/microsoft.graph.user")
    def group_users(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$top", "$count")
        ids = tenant.directory.transitive_user_ids(tenant.directory.group(req.params["id"]).id)
        return collection(req, [tenant.users[i].to_json() for i in ids], "users")

    @router.add("GET", "/groups/{id}/transitiveMembers")
    def group_members(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$top")
        ids = tenant.directory.transitive_user_ids(tenant.directory.group(req.params["id"]).id)
        items = [_typed("user", tenant.users[i].to_json()) for i in ids]
        return collection(req, items, "directoryObjects")

    @router.add("GET", "/directoryRoles")
    def directory_roles(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$top")
        return collection(
            req, [r.to_json() for r in tenant.directory.roles.values()], "directoryRoles"
        )

    @router.add("GET", "/roleManagement/directory/roleAssignments")
    def role_assignments(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$filter", "$top", "$select", "$expand")
        expand = req.query.get("$expand", "").strip().lower()
        if expand not in ("", "principal"):
            raise BadRequest(f"Unsupported $expand '{expand}'; only 'principal' is supported.")
        found = apply_filter(req, ASSIGNMENT_FILTER, _role_assignments(tenant), lambda a: a)
        if expand:
            for item in found:
                item["principal"] = _typed("user", tenant.users[item["principalId"]].to_json())
        return collection(req, found, "roleManagement/directory/roleAssignments")

    @router.add("GET", "/organization")
    def organization(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select")
        org = {
            "id": tenant.tenant_id,
            "displayName": tenant.display_name,
            "tenantType": "AAD",
            "verifiedDomains": [
                {
                    "name": tenant.default_domain,
                    "isDefault": True,
                    "isInitial": False,
                    "type": "Managed",
                    "capabilities": "Email, OfficeCommunicationsOnline",
                },
            ],
        }
        return collection(req, [org], "organization", paged=False)
