"""What an admin changes on an app in the Entra portal, as switches for tests and demos.

The "why can't I connect <app>?" answer depends on a handful of app properties
(publisher verification, whether the app is in the tenant, blocked, assignment
required, who is assigned, what is granted) and on how the resource API
classifies its scopes. Each is one switch here, so every cause can be set up in
one call. A change is validated completely before anything is applied: a
refused change leaves the tenant exactly as it was.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.errors import BadRequest, Conflict, NotFound
from sandbox.ids import stable_id
from sandbox.scopes_catalog import GRAPH_APP_ID
from sandbox.state.directory import Group, User
from sandbox.state.registry import AppDefinition, VerifiedPublisher

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

SP_STATES = ("present", "absent")


@dataclass(frozen=True)
class AppChanges:
    """Requested changes to one app; ``None`` (or empty) leaves a property as it is."""

    verified: bool | None = None
    service_principal: str | None = None  # "present" or "absent"
    enabled: bool | None = None
    assignment_required: bool | None = None
    assign_users: tuple[str, ...] = ()
    unassign_users: tuple[str, ...] = ()
    assign_groups: tuple[str, ...] = ()
    unassign_groups: tuple[str, ...] = ()

    @property
    def needs_service_principal(self) -> bool:
        return (
            self.enabled is not None
            or self.assignment_required is not None
            or bool(self.assign_users or self.unassign_users)
            or bool(self.assign_groups or self.unassign_groups)
        )

    @property
    def empty(self) -> bool:
        return (
            self.verified is None
            and self.service_principal is None
            and not self.needs_service_principal
        )


def _publisher_id(app: AppDefinition) -> str:
    """A stable MPN-style numeric id for a publisher verified through the sandbox."""
    return str(
        uuid.UUID(stable_id("verified-publisher", app.publisher_name)).int % 9_000_000 + 1_000_000
    )


def _user(tenant: SandboxTenant, key: str) -> User:
    user = tenant.users.find(key)
    if user is None:
        raise NotFound(f"Unknown user '{key}'.")
    return user


def _group(tenant: SandboxTenant, key: str) -> Group:
    group = tenant.directory.find_group(key)
    if group is None:
        known = ", ".join(sorted(g.display_name for g in tenant.directory.groups.values()))
        raise NotFound(f"Unknown group '{key}'. Known groups: {known}.")
    return group


def app_properties(tenant: SandboxTenant, key: str) -> dict[str, Any]:
    """The properties the consent rules depend on, in one readable object."""
    app = tenant.apps.client_app(key)
    sp = tenant.apps.sp_for_app(app.app_id)
    publisher = app.verified_publisher
    tenant_wide: list[str] = []
    per_user: dict[str, list[str]] = {}
    assigned: list[str] = []
    groups: list[str] = []
    if sp is not None:
        for grant in tenant.permission_grants.for_client(sp.id):
            if grant.principal_id is None:
                tenant_wide += [s for s in grant.scopes if s not in tenant_wide]
            else:
                upn = tenant.users[grant.principal_id].user_principal_name
                per_user.setdefault(upn, []).extend(grant.scopes)
        for a in tenant.assignments.to_resource(sp.id):
            if a.principal_type == "Group":
                groups.append(a.principal_display_name)
            else:
                assigned.append(tenant.users[a.principal_id].user_principal_name)
    return {
        "appId": app.app_id,
        "displayName": app.display_name,
        "publisher": app.publisher_name,
        "verified": publisher is not None,
        "verifiedPublisherId": publisher.verified_publisher_id if publisher else None,
        "homeTenantId": app.owner_org_id,
        "ownedByThisTenant": app.owner_org_id.casefold() == tenant.tenant_id.casefold(),
        "servicePrincipal": "present" if sp else "absent",
        "servicePrincipalId": sp.id if sp else None,
        "enabled": sp.account_enabled if sp else None,
        "assignmentRequired": sp.app_role_assignment_required if sp else None,
        "assignedUsers": sorted(assigned),
        "assignedGroups": sorted(groups),
        "requiredScopes": app.scope_values,
        "tenantWideGrantedScopes": tenant_wide,
        "userGrants": per_user,
    }


def _check(tenant: SandboxTenant, app: AppDefinition, changes: AppChanges) -> None:
    """Every refusal happens here, before anything changes."""
    if changes.empty:
        raise BadRequest(
            "Nothing to change: give at least one of verified, servicePrincipal, enabled, "
            "assignmentRequired, assignUsers, unassignUsers, assignGroups, unassignGroups."
        )
    if changes.service_principal not in (None, *SP_STATES):
        raise BadRequest(
            f"servicePrincipal must be 'present' or 'absent', not {changes.service_principal!r}."
        )
    for kind, assign, unassign in (
        ("user", changes.assign_users, changes.unassign_users),
        ("group", changes.assign_groups, changes.unassign_groups),
    ):
        both = {k.casefold() for k in assign} & {k.casefold() for k in unassign}
        if both:
            raise BadRequest(
                f"Cannot assign and unassign the same {kind}: {', '.join(sorted(both))}."
            )
    if changes.service_principal == "absent" and changes.needs_service_principal:
        raise BadRequest(
            "servicePrincipal 'absent' deletes the app's service principal; enabled, "
            "assignmentRequired and user assignments cannot be set in the same change."
        )
    exists = tenant.apps.sp_for_app(app.app_id) is not None
    if changes.needs_service_principal and not exists and changes.service_principal != "present":
        raise Conflict(
            f"'{app.display_name}' has no service principal in this tenant, so it cannot be "
            "enabled, blocked or assigned; add servicePrincipal 'present' (CLI: "
            "--service-principal present) to create it first."
        )


def change_app(tenant: SandboxTenant, key: str, changes: AppChanges) -> dict[str, Any]:
    """Apply an admin's changes to an app (by name or appId); returns its new properties."""
    app = tenant.apps.client_app(key)
    _check(tenant, app, changes)
    to_assign: list[User | Group] = [_user(tenant, u) for u in changes.assign_users]
    to_unassign: list[User | Group] = [_user(tenant, u) for u in changes.unassign_users]
    to_assign += [_group(tenant, g) for g in changes.assign_groups]
    to_unassign += [_group(tenant, g) for g in changes.unassign_groups]
    apps = tenant.apps
    if changes.verified is not None and changes.verified != (app.verified_publisher is not None):
        publisher = (
            VerifiedPublisher(app.publisher_name, _publisher_id(app), tenant.now())
            if changes.verified
            else None
        )
        app = dataclasses.replace(app, verified_publisher=publisher)
        apps.replace_definition(app)
    sp = apps.sp_for_app(app.app_id)
    if changes.service_principal == "present" and sp is None:
        sp = apps.create_sp(app.app_id)
    if sp is not None:
        if changes.enabled is not None:
            sp.account_enabled = changes.enabled
        if changes.assignment_required is not None:
            sp.app_role_assignment_required = changes.assignment_required
        for principal in to_assign:
            tenant.assignments.assign(sp, principal)
        for principal in to_unassign:
            tenant.assignments.unassign(sp, principal)
        if changes.service_principal == "absent":
            tenant.permission_grants.delete_for_client(sp.id)
            tenant.assignments.remove_resource(sp.id)
            apps.delete_sp(sp.id)
    return app_properties(tenant, app.app_id)


def grant_admin_consent(
    tenant: SandboxTenant, key: str, scopes: list[str] | None = None
) -> dict[str, Any]:
    """Tenant-wide consent for the app's required scopes (all, or the ones listed).

    Done the way Graph does it (service principal created if needed, one
    AllPrincipals grant per resource, scopes merged), so open admin consent
    requests stay open, exactly as after the bot's own approve path.
    """
    app = tenant.apps.client_app(key)
    if not app.required_scopes:
        raise BadRequest(f"'{app.display_name}' asks for no delegated permissions.")
    if scopes is not None:
        if not scopes:
            raise BadRequest("scopes, when given, must name at least one scope.")
        asked = {s.casefold() for s in app.scope_values}
        foreign = [s for s in scopes if s.casefold() not in asked]
        if foreign:
            raise BadRequest(
                f"'{app.display_name}' does not ask for {', '.join(foreign)}; it asks for "
                f"{' '.join(app.scope_values)}."
            )
    outcome = tenant.permission_grants.admin_consent(app, scopes or app.scope_values)
    return {
        "appId": app.app_id,
        "displayName": app.display_name,
        "grants": [g.to_json() for g in outcome.grants],
        "unresolvedScopes": outcome.unresolved,
    }


def classifications(tenant: SandboxTenant, resource: str | None = None) -> dict[str, Any]:
    """The scopes a resource API classifies as low (default: Microsoft Graph)."""
    sp = tenant.apps.resource_sp(resource or GRAPH_APP_ID)
    return {
        "resource": sp.app.display_name,
        "resourceAppId": sp.app_id,
        "servicePrincipalId": sp.id,
        "lowScopes": [c.permission_name for c in sp.classifications if c.classification == "low"],
    }


def classify_scope(
    tenant: SandboxTenant, scope: str, resource: str | None = None, low: bool = True
) -> dict[str, Any]:
    """Classify a delegated scope as low (or remove that), as the portal's Permission
    classifications page does; only scopes users could consent to can be low."""
    sp = tenant.apps.resource_sp(resource or GRAPH_APP_ID)
    definition = sp.scope(scope)
    if definition is None:
        raise BadRequest(f"Scope '{scope}' is not defined by {sp.app.display_name} ({sp.app_id}).")
    if low and definition.type == "Admin":
        raise BadRequest(
            f"'{definition.value}' needs admin consent; only permissions that don't require "
            "admin consent can be classified low."
        )
    tenant.apps.classify(sp, definition, low)
    return {"scope": definition.value, "low": low, **classifications(tenant, sp.app_id)}
