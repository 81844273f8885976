"""Admin consent requests (graph-contract section 1), read only as in Graph.

The pending list is ``appConsentRequests`` filtered on ``userConsentRequests/
any(u:u/status eq 'InProgress')``. ``userConsentRequests`` is a navigation
property of the request, so ``$expand=userConsentRequests`` brings each app
request's user requests inline, as OData expands any navigation property; no
other expansion is served. v1.0 calls approval steps ``stages``, beta
calls them ``steps``. Each user request also carries its ``approval`` inline
(Graph may leave it to a separate call, so readers should accept both).
Deciding through Graph is refused: Entra does not support it, and the bot must
not come to rely on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.errors import BadRequest, MethodNotAllowed
from sandbox.graph.filters import FilterSpec, apply_filter
from sandbox.graph.odata import GraphRequest, GraphResponse, allow_options, collection, entity
from sandbox.graph.router import Router
from sandbox.state.requests import AppConsentRequest, UserConsentRequest

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

BASE = "/identityGovernance/appConsent/appConsentRequests"
APP_FILTER = FilterSpec.of(
    "appConsentRequest",
    "userConsentRequests any",
    "userConsentRequests/status eq",
    "userConsentRequests/status ne",
    "appId eq",
    "appDisplayName eq",
    "id eq",
)
USER_FILTER = FilterSpec.of("userConsentRequest", "status eq", "status ne", "id eq")


def _steps_key(req: GraphRequest) -> str:
    return "steps" if req.version == "beta" else "stages"


def _filter_view(req: GraphRequest) -> Any:
    def view(request: AppConsentRequest) -> dict[str, Any]:
        users = [u.to_json(_steps_key(req)) for u in request.user_requests]
        return {**request.to_json(), "userConsentRequests": users}

    return view


def register(router: Router) -> None:
    @router.add("GET", BASE)
    def list_requests(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$filter", "$top", "$select", "$count", "$expand")
        expand = req.query.get("$expand", "").strip()
        if expand and tenant.faults.settings.refuse_expand:
            raise BadRequest("The query parameter '$expand' is not supported.")
        if expand and expand.lower() != "userconsentrequests":
            raise BadRequest(f"Unsupported $expand '{expand}'; only 'userConsentRequests' is.")
        view = _filter_view(req)
        found = apply_filter(req, APP_FILTER, tenant.consent.all(), view)
        return collection(
            req,
            [view(r) if expand else r.to_json() for r in found],
            "identityGovernance/appConsent/appConsentRequests",
        )

    @router.add("GET", BASE + "/{requestId}")
    def get_request(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select")
        found = tenant.consent.get(req.params["requestId"])
        return entity(
            req, found.to_json(), "identityGovernance/appConsent/appConsentRequests/$entity"
        )

    @router.add("GET", BASE + "/{requestId}/userConsentRequests")
    def list_user_requests(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$filter", "$top", "$select", "$count")
        request = tenant.consent.get(req.params["requestId"])
        key = _steps_key(req)

        def view(user_request: UserConsentRequest) -> dict[str, Any]:
            return user_request.to_json(key)

        found = apply_filter(req, USER_FILTER, request.user_requests, view)
        fragment = (
            f"identityGovernance/appConsent/appConsentRequests('{request.id}')/userConsentRequests"
        )
        return collection(req, [u.to_json(key) for u in found], fragment)

    @router.add("GET", BASE + "/{requestId}/userConsentRequests/{userRequestId}")
    def get_user_request(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select")
        found = tenant.consent.user_request(req.params["requestId"], req.params["userRequestId"])
        return entity(req, found.to_json(_steps_key(req)), "userConsentRequests/$entity")

    @router.add("GET", BASE + "/{requestId}/userConsentRequests/{userRequestId}/approval")
    def get_approval(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$expand")
        found = tenant.consent.user_request(req.params["requestId"], req.params["userRequestId"])
        return entity(req, found.approval_json(_steps_key(req)), "approvals/$entity")

    @router.add("GET", BASE + "/{requestId}/userConsentRequests/{userRequestId}/approval/{steps}")
    def list_stages(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$top", "$select")
        key = _steps_key(req)
        if req.params["steps"].lower() != key.lower():
            raise BadRequest(f"Resource not found for the segment '{req.params['steps']}'.")
        found = tenant.consent.user_request(req.params["requestId"], req.params["userRequestId"])
        return collection(req, [found.stage.to_json()], f"approvals('{found.id}')/{key}")

    @router.add(
        "PATCH",
        BASE + "/{requestId}/userConsentRequests/{userRequestId}/approval/{steps}/{stageId}",
    )
    def review_stage(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        raise MethodNotAllowed(
            "Admin consent requests cannot be approved or denied through Microsoft Graph; grant "
            "consent or use the Entra admin consent page."
        )
