"""Consent policies (graph-contract section 3): who may consent, and the workflow.

``adminConsentRequestPolicy`` is updated with PUT; PATCH fails, as it does in
Graph (the SDK's generated patch cannot be used). Beta returns
``authorizationPolicy`` as a collection, v1.0 as a single object: the bot
should read v1.0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.errors import MethodNotAllowed, missing
from sandbox.graph.odata import GraphRequest, GraphResponse, allow_options, collection, entity
from sandbox.graph.router import Router

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

REQUEST_POLICY = "/policies/adminConsentRequestPolicy"


def register(router: Router) -> None:
    @router.add("GET", "/policies/authorizationPolicy")
    def authorization_policy(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select")
        body = tenant.policies.authorization_policy()
        if req.version == "beta":
            return collection(req, [body], "policies/authorizationPolicy", paged=False)
        return entity(req, body, "policies/authorizationPolicy/$entity")

    @router.add("GET", REQUEST_POLICY)
    def request_policy(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select")
        body = tenant.policies.request_policy.to_json()
        return entity(req, body, "policies/adminConsentRequestPolicy/$entity")

    @router.add("PUT", REQUEST_POLICY)
    def replace_request_policy(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        tenant.policies.replace_request_policy(req.json_body())
        return GraphResponse(204)

    @router.add("PATCH", REQUEST_POLICY)
    def patch_request_policy(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        raise MethodNotAllowed(
            "The requested resource does not support http method 'PATCH'. Update "
            "adminConsentRequestPolicy with PUT."
        )

    @router.add("GET", "/policies/permissionGrantPolicies")
    def grant_policies(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$top")
        items = tenant.policies.permission_grant_policies()
        return collection(req, items, "policies/permissionGrantPolicies")

    @router.add("GET", "/policies/permissionGrantPolicies/{id}")
    def grant_policy(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$expand")
        for item in tenant.policies.permission_grant_policies():
            if item["id"].lower() == req.params["id"].lower():
                return entity(req, item, "policies/permissionGrantPolicies/$entity")
        raise missing(req.params["id"])
