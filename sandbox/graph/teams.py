"""Teams app installation and 1:1 chat lookup (graph-contract section 6).

Before its first proactive message to a user the bot finds its catalogue id
by ``externalId`` (the manifest id), installs itself for the user if needed
(409 when it already is) and reads the installation's chat id. A user who
blocked the bot gets 403 ``MessageWritesBlocked`` on the message-related calls.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sandbox.errors import BadRequest
from sandbox.graph.filters import FilterSpec, apply_filter
from sandbox.graph.odata import GraphRequest, GraphResponse, allow_options, collection, entity
from sandbox.graph.router import Router
from sandbox.ids import stable_id
from sandbox.state.teams import CatalogApp, Installation

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

CATALOG_FILTER = FilterSpec.of(
    "teamsApp", "id eq", "externalId eq", "displayName eq", "distributionMethod eq"
)
INSTALLED_FILTER = FilterSpec.of(
    "userScopeTeamsAppInstallation", "teamsApp/externalId eq", "teamsApp/id eq"
)
INSTALLED = "/users/{userId}/teamwork/installedApps"
_BIND = re.compile(r"appCatalogs/teamsApps/(?P<id>[^/?#]+)$", re.IGNORECASE)


def _definition(app: CatalogApp) -> dict[str, Any]:
    return {
        "id": stable_id("teams-app-definition", app.id),
        "teamsAppId": app.id,
        "displayName": app.display_name,
        "version": "1.0.0",
        "publishingState": "published",
    }


def _expand(req: GraphRequest) -> set[str]:
    raw = req.query.get("$expand", "")
    wanted = {part.strip().lower() for part in raw.split(",") if part.strip()}
    unknown = wanted - {"teamsapp", "teamsappdefinition"}
    if unknown:
        raise BadRequest(f"Unsupported $expand: {', '.join(sorted(unknown))}.")
    return wanted


def _installation_json(req: GraphRequest, installed: Installation) -> dict[str, Any]:
    wanted = _expand(req)
    body = installed.to_json(expand_app="teamsapp" in wanted)
    if "teamsappdefinition" in wanted:
        body["teamsAppDefinition"] = _definition(installed.app)
    return body


def register(router: Router) -> None:
    @router.add("GET", "/appCatalogs/teamsApps")
    def catalog(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$filter", "$top", "$select")
        apps = list(tenant.teams.catalog.values())
        found = apply_filter(req, CATALOG_FILTER, apps, lambda a: a.to_json())
        return collection(req, [a.to_json() for a in found], "appCatalogs/teamsApps")

    @router.add("GET", "/appCatalogs/teamsApps/{id}")
    def catalog_app(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select")
        app = tenant.teams.catalog_app(req.params["id"])
        return entity(req, app.to_json(), "appCatalogs/teamsApps/$entity")

    @router.add("GET", INSTALLED)
    def installed_apps(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$filter", "$top", "$select", "$expand")
        user = tenant.directory.user(req.params["userId"])
        mine = tenant.teams.installed_for(user.id)
        found = apply_filter(req, INSTALLED_FILTER, mine, lambda i: i.to_json(expand_app=True))
        items = [_installation_json(req, i) for i in found]
        return collection(req, items, f"users('{user.id}')/teamwork/installedApps")

    @router.add("POST", INSTALLED)
    def install(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        user = tenant.directory.user(req.params["userId"])
        bind = req.json_body().get("teamsApp@odata.bind")
        match = _BIND.search(bind) if isinstance(bind, str) else None
        if match is None:
            raise BadRequest(
                "Property 'teamsApp@odata.bind' must reference .../appCatalogs/teamsApps/{id}."
            )
        tenant.teams.install(user.id, match["id"])
        return GraphResponse(201)

    @router.add("GET", INSTALLED + "/{installationId}")
    def installation(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$expand")
        user = tenant.directory.user(req.params["userId"])
        found = tenant.teams.installation(user.id, req.params["installationId"])
        return entity(req, _installation_json(req, found), "userScopeTeamsAppInstallation/$entity")

    @router.add("DELETE", INSTALLED + "/{installationId}")
    def uninstall(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        user = tenant.directory.user(req.params["userId"])
        tenant.teams.uninstall(user.id, req.params["installationId"])
        return GraphResponse(204)

    @router.add("GET", INSTALLED + "/{installationId}/chat")
    def chat(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select")
        user = tenant.directory.user(req.params["userId"])
        body = tenant.teams.chat(user.id, req.params["installationId"])
        return entity(req, body, "chats/$entity")
