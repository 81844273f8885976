"""Delegated permission grants (oauth2PermissionGrant) and admin consent.

Graph keys a grant by client, resource and (for one user) principal, answers a
duplicate POST with 409, and replaces the scope string on PATCH. The sandbox
also refuses grants whose client or resource is not a service principal object
id, and scopes the resource does not define: Graph would store such a grant
but it would grant nothing, and the bot should find that out in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.errors import BadRequest, Conflict, missing
from sandbox.ids import grant_id
from sandbox.state.apps import Apps, ServicePrincipal
from sandbox.state.directory import Directory
from sandbox.state.registry import AppDefinition

CONSENT_TYPES = ("AllPrincipals", "Principal")


@dataclass
class PermissionGrant:
    id: str
    client_id: str
    consent_type: str
    principal_id: str | None
    resource_id: str
    scope: str
    # Who wrote it last (user id, client id, or "sandbox"); not part of Graph's entity.
    granted_by: str = "sandbox"

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "clientId": self.client_id,
            "consentType": self.consent_type,
            "principalId": self.principal_id,
            "resourceId": self.resource_id,
            "scope": self.scope,
        }


@dataclass(frozen=True)
class ConsentOutcome:
    """What an admin consent granted, and what it could not place on any resource."""

    grants: list[PermissionGrant]
    unresolved: list[str]


def _invalid(prop: str, value: str, apps: Apps) -> BadRequest:
    hint = ""
    if apps.sp_for_app(value) is not None:
        hint = " The value is an appId; use the service principal's object id."
    return BadRequest(
        f"Invalid value specified for property '{prop}' of resource 'OAuth2PermissionGrant'.{hint}",
        code="Request_BadRequest",
    )


class Grants:
    def __init__(self, apps: Apps, directory: Directory) -> None:
        self._apps = apps
        self._directory = directory
        self.items: dict[str, PermissionGrant] = {}

    def get(self, key: str) -> PermissionGrant:
        if key not in self.items:
            raise missing(key)
        return self.items[key]

    def create(
        self,
        client_id: str,
        consent_type: str,
        resource_id: str,
        scope: str,
        principal_id: str | None = None,
        granted_by: str = "sandbox",
    ) -> PermissionGrant:
        if client_id not in self._apps.service_principals:
            raise _invalid("clientId", client_id, self._apps)
        if resource_id not in self._apps.service_principals:
            raise _invalid("resourceId", resource_id, self._apps)
        if consent_type not in CONSENT_TYPES:
            raise BadRequest(
                f"Invalid value specified for property 'consentType': '{consent_type}'.",
                code="Request_BadRequest",
            )
        if (consent_type == "Principal") != (principal_id is not None):
            raise BadRequest(
                "principalId is required when consentType is 'Principal' and must be null "
                "when it is 'AllPrincipals'.",
                code="Request_BadRequest",
            )
        if principal_id is not None:
            principal_id = self._directory.user(principal_id).id
        self._check_scope(resource_id, scope)
        key = grant_id(client_id, resource_id, principal_id)
        if key in self.items:
            raise Conflict(
                "Permission entry already exists.", code="Request_MultipleObjectsWithSameKeyValue"
            )
        grant = PermissionGrant(
            key, client_id, consent_type, principal_id, resource_id, scope, granted_by
        )
        self.items[key] = grant
        return grant

    def update_scope(self, key: str, scope: str, granted_by: str = "sandbox") -> PermissionGrant:
        """PATCH semantics: the new string replaces the old one, nothing is merged."""
        grant = self.get(key)
        self._check_scope(grant.resource_id, scope)
        grant.scope = scope
        grant.granted_by = granted_by
        return grant

    def delete(self, key: str) -> None:
        self.get(key)
        del self.items[key]

    def _check_scope(self, resource_id: str, scope: str) -> None:
        resource = self._apps.sp(resource_id)
        unknown = [value for value in scope.split() if resource.scope(value) is None]
        if unknown:
            raise BadRequest(
                f"Scope value(s) {', '.join(unknown)} are not defined by resource "
                f"'{resource.app.display_name}' ({resource.app_id}).",
                code="Request_BadRequest",
            )

    def admin_consent(self, app: AppDefinition, scopes: list[str]) -> ConsentOutcome:
        """Grant for the whole organisation, as the portal's "Grant admin consent" does.

        Each scope is placed on the resource the app's registration names, so the
        portal never has the bot's ambiguity problem; scopes the resource does not
        define are reported, not granted.
        """
        client = self._apps.sp_for_app(app.app_id) or self._apps.create_sp(app.app_id)
        by_resource: dict[str, list[str]] = {}
        unresolved: list[str] = []
        wanted = {s.casefold() for s in scopes}
        for required in app.required_scopes:
            if required.value.casefold() not in wanted:
                continue
            resource = self._apps.sp_for_app(required.resource_app_id)
            if resource is None or resource.scope(required.value) is None:
                unresolved.append(required.value)
                continue
            by_resource.setdefault(resource.id, []).append(required.value)
        granted = [
            self._merge(client, resource_id, values) for resource_id, values in by_resource.items()
        ]
        return ConsentOutcome(granted, unresolved)

    def _merge(
        self, client: ServicePrincipal, resource_id: str, values: list[str]
    ) -> PermissionGrant:
        key = grant_id(client.id, resource_id)
        existing = self.items.get(key)
        if existing is None:
            return self.create(client.id, "AllPrincipals", resource_id, " ".join(values))
        union = existing.scopes + [v for v in values if v not in existing.scopes]
        return self.update_scope(key, " ".join(union))

    def for_client(self, client_id: str) -> list[PermissionGrant]:
        return [g for g in self.items.values() if g.client_id == client_id]

    def delete_for_client(self, client_id: str) -> None:
        """Deleting a service principal deletes the grants it holds, as Entra does."""
        for grant in self.for_client(client_id):
            del self.items[grant.id]

    def granted_scopes(
        self, client_id: str, resource_id: str, principal_id: str | None = None
    ) -> set[str]:
        """Scopes (casefolded) granted to everyone, plus to this user when one is given."""
        found: set[str] = set()
        keys = [grant_id(client_id, resource_id)]
        if principal_id is not None:
            keys.append(grant_id(client_id, resource_id, principal_id))
        for key in keys:
            if key in self.items:
                found.update(s.casefold() for s in self.items[key].scopes)
        return found
