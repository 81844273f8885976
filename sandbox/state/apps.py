"""Applications as Entra sees them: registrations anywhere, service principals here.

An ``AppDefinition`` is the multi-tenant app registration its publisher owns; it
exists whether or not this tenant knows the app. A ``ServicePrincipal`` is the
app's local instance, created on first consent or by an admin. Keeping the two
apart is what lets "app not yet in tenant" (404 on ``servicePrincipals(appId=)``)
and "create the service principal, then grant" be exercised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.clock import Clock, graph_time
from sandbox.errors import BadRequest, Conflict, NotFound, missing
from sandbox.ids import IdFactory, stable_id
from sandbox.state.registry import MICROSOFT_TENANT_ID, AppDefinition, PermissionScope


@dataclass(frozen=True)
class Classification:
    id: str
    permission_id: str
    permission_name: str
    classification: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "classification": self.classification,
            "permissionId": self.permission_id,
            "permissionName": self.permission_name,
        }


@dataclass
class ServicePrincipal:
    id: str
    app: AppDefinition
    account_enabled: bool = True
    app_role_assignment_required: bool = False
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    classifications: list[Classification] = field(default_factory=list)

    @property
    def app_id(self) -> str:
        return self.app.app_id

    def scope(self, value: str) -> PermissionScope | None:
        folded = value.casefold()
        return next((s for s in self.app.exposed_scopes if s.value.casefold() == folded), None)

    def to_json(self) -> dict[str, Any]:
        app, publisher = self.app, self.app.verified_publisher
        return {
            "id": self.id,
            "deletedDateTime": None,
            "accountEnabled": self.account_enabled,
            "alternativeNames": [],
            "appDescription": app.description,
            "appDisplayName": app.display_name,
            "appId": app.app_id,
            "applicationTemplateId": None,
            "appOwnerOrganizationId": app.owner_org_id,
            "appRoleAssignmentRequired": self.app_role_assignment_required,
            "description": None,
            "displayName": app.display_name,
            "homepage": app.homepage,
            "info": {
                "logoUrl": None,
                "marketingUrl": app.marketing_url,
                "privacyStatementUrl": app.privacy_url,
                "supportUrl": app.support_url,
                "termsOfServiceUrl": app.terms_url,
            },
            "loginUrl": None,
            "logoutUrl": None,
            "notes": self.notes,
            "notificationEmailAddresses": [],
            "preferredSingleSignOnMode": None,
            "publisherName": app.publisher_name,
            "replyUrls": list(app.reply_urls),
            "servicePrincipalNames": [app.app_id],
            "servicePrincipalType": "Application",
            "signInAudience": "AzureADMultipleOrgs",
            "tags": list(self.tags),
            "verifiedPublisher": {
                "displayName": publisher.display_name if publisher else None,
                "verifiedPublisherId": publisher.verified_publisher_id if publisher else None,
                "addedDateTime": graph_time(publisher.added) if publisher else None,
            },
            "addIns": [],
            "appRoles": [],
            "keyCredentials": [],
            "oauth2PermissionScopes": [s.to_json() for s in app.exposed_scopes],
            "passwordCredentials": [],
            "resourceSpecificApplicationPermissions": [],
        }


# Properties an admin may change with PATCH; the rest are read-only or app-owned.
PATCHABLE = {"accountEnabled": bool, "appRoleAssignmentRequired": bool, "notes": str, "tags": list}


class Apps:
    """The app registry of the wider world plus this tenant's service principals."""

    def __init__(self, ids: IdFactory, clock: Clock) -> None:
        self._ids = ids
        self._clock = clock
        self.registry: dict[str, AppDefinition] = {}
        self.service_principals: dict[str, ServicePrincipal] = {}

    def register(self, app: AppDefinition) -> AppDefinition:
        self.registry[app.app_id.casefold()] = app
        return app

    def find_app(self, key: str) -> AppDefinition | None:
        """An app by appId or display name, case-insensitively."""
        folded = key.strip().casefold()
        if folded in self.registry:
            return self.registry[folded]
        return next(
            (a for a in self.registry.values() if a.display_name.casefold() == folded), None
        )

    def client_app(self, key: str) -> AppDefinition:
        """A third-party or own app (not a Microsoft API) by appId or name, or a 404 listing them.

        The control surface's app switches and the sign-in simulator act on client
        apps only: changing Microsoft Graph itself would break every other scenario.
        """
        app = self.find_app(key)
        if app is None or app.owner_org_id == MICROSOFT_TENANT_ID:
            known = sorted(
                a.display_name
                for a in self.registry.values()
                if a.owner_org_id != MICROSOFT_TENANT_ID
            )
            more = f" and {len(known) - 12} more" if len(known) > 12 else ""
            raise NotFound(f"Unknown app '{key}'. Known apps: {', '.join(known[:12])}{more}.")
        return app

    def resource_sp(self, key: str) -> ServicePrincipal:
        """A resource API's service principal by appId or display name, or a 404 listing them."""
        app = self.find_app(key)
        sp = self.sp_for_app(app.app_id) if app is not None else None
        if sp is None or not sp.app.exposed_scopes:
            known = sorted(
                s.app.display_name for s in self.service_principals.values() if s.app.exposed_scopes
            )
            raise NotFound(f"Unknown resource API '{key}'. Known: {', '.join(known)}.")
        return sp

    def replace_definition(self, app: AppDefinition) -> None:
        """Swap an app's registration (e.g. its publisher verification) everywhere it is used."""
        self.register(app)
        sp = self.sp_for_app(app.app_id)
        if sp is not None:
            sp.app = app

    def delete_sp(self, sp_id: str) -> ServicePrincipal:
        """Remove the local instance; the registration stays, as when an admin deletes it."""
        return self.service_principals.pop(self.sp(sp_id).id)

    def sp(self, sp_id: str) -> ServicePrincipal:
        if sp_id not in self.service_principals:
            raise missing(sp_id)
        return self.service_principals[sp_id]

    def sp_for_app(self, app_id: str) -> ServicePrincipal | None:
        folded = app_id.casefold()
        return next(
            (sp for sp in self.service_principals.values() if sp.app_id.casefold() == folded),
            None,
        )

    def add_sp(self, sp: ServicePrincipal) -> ServicePrincipal:
        self.service_principals[sp.id] = sp
        return sp

    def create_sp(
        self, app_id: str, *, account_enabled: bool = True, assignment_required: bool = False
    ) -> ServicePrincipal:
        """Instantiate a known multi-tenant app here, refusing what Graph refuses."""
        app = self.registry.get(app_id.casefold())
        if app is None:
            raise BadRequest(
                f"The appId '{app_id}' of the service principal does not reference a valid "
                "application object.",
                code="Request_BadRequest",
            )
        if self.sp_for_app(app.app_id) is not None:
            raise Conflict(
                "The service principal cannot be created, updated, or restored because the "
                f"service principal name {app.app_id} is already in use.",
                code="Request_MultipleObjectsWithSameKeyValue",
            )
        return self.add_sp(
            ServicePrincipal(
                id=self._ids.new(),
                app=app,
                account_enabled=account_enabled,
                app_role_assignment_required=assignment_required,
                tags=["WindowsAzureActiveDirectoryIntegratedApp"],
            )
        )

    def patch_sp(self, sp_id: str, changes: dict[str, Any]) -> ServicePrincipal:
        sp = self.sp(sp_id)
        # Graph accepts the entity's own type annotation in a body (SDKs send it).
        if changes.get("@odata.type", "#microsoft.graph.servicePrincipal") != (
            "#microsoft.graph.servicePrincipal"
        ):
            raise BadRequest(
                "The @odata.type does not match the entity.", code="Request_BadRequest"
            )
        changes = {k: v for k, v in changes.items() if k != "@odata.type"}
        for name, value in changes.items():
            expected = PATCHABLE.get(name)
            if expected is None:
                raise BadRequest(
                    f"Property '{name}' is read-only or not supported by the sandbox.",
                    code="Request_BadRequest",
                )
            if not isinstance(value, expected) and not (name == "notes" and value is None):
                raise BadRequest(f"Invalid value for property '{name}'.", code="Request_BadRequest")
        sp.account_enabled = bool(changes.get("accountEnabled", sp.account_enabled))
        sp.app_role_assignment_required = bool(
            changes.get("appRoleAssignmentRequired", sp.app_role_assignment_required)
        )
        sp.notes = changes.get("notes", sp.notes)
        sp.tags = [str(t) for t in changes.get("tags", sp.tags)]
        return sp

    def classify(self, resource: ServicePrincipal, scope: PermissionScope, low: bool) -> None:
        """Add or remove a "low" classification; idempotent, as toggling in the portal is."""
        kept = [c for c in resource.classifications if c.permission_id != scope.id]
        if low:
            kept.append(
                Classification(
                    stable_id("classification", resource.id, scope.value),
                    scope.id,
                    scope.value,
                    "low",
                )
            )
        resource.classifications = kept

    def resources_defining(self, scope: str) -> list[ServicePrincipal]:
        """Service principals whose API exposes a scope of that name (ambiguity is data)."""
        return [sp for sp in self.service_principals.values() if sp.scope(scope) is not None]
