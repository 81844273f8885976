"""The aiohttp seam of the Graph subset: HTTP in, ``GraphRequest`` to the router, JSON out.

This is the only Graph module that sees aiohttp objects. It authenticates each
call, counts it by route template (for call-budget tests, including calls that
faults turn into 429/503) and serves both ``/v1.0`` and ``/beta``.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from sandbox.errors import Unauthorized
from sandbox.faults import GRAPH_PREFIXES
from sandbox.graph import (
    apps,
    assignments,
    audit_logs,
    batch,
    consent,
    delta,
    directory,
    grants,
    policies,
    teams,
)
from sandbox.graph.auth import WWW_AUTHENTICATE, authenticate
from sandbox.graph.odata import GraphRequest, GraphResponse, error_response, normalise_query
from sandbox.graph.router import Router

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

_BAD_JSON = (
    "Unable to read JSON request payload. Please ensure Content-Type header is set and payload "
    "is of valid JSON format."
)


def build_router() -> Router:
    router = Router()
    modules = (consent, delta, apps, assignments, grants, policies, directory, audit_logs, teams)
    for module in (*modules, batch):
        module.register(router)
    return router


def _split(path: str) -> tuple[str, str]:
    version, _, rest = path.lstrip("/").partition("/")
    return version, "/" + rest


def _to_web(response: GraphResponse) -> web.Response:
    if response.body is None:
        return web.Response(status=response.status, headers=response.headers)
    return web.json_response(response.body, status=response.status, headers=response.headers)


def add_graph_routes(app: web.Application, tenant: SandboxTenant) -> Middleware:
    """Serve Graph on ``app``; returns the call-counting middleware to install first."""
    router = build_router()

    async def handle(request: web.Request) -> web.StreamResponse:
        version, path = _split(request.path)
        body = None
        if request.can_read_body:
            text = await request.text()
            if text.strip():
                try:
                    body = json.loads(text)
                except ValueError:
                    bad = error_response(
                        400, "BadRequest", _BAD_JSON, tenant.now(), request.headers
                    )
                    return _to_web(bad)
        req = GraphRequest(
            method=request.method,
            version=version,
            path=path,
            query=normalise_query(request.query.items()),
            headers=request.headers,
            body=body,
            base_url=f"{request.scheme}://{request.host}",
        )
        try:
            req.caller = authenticate(req, tenant)
        except Unauthorized as refusal:
            denied = error_response(
                401, refusal.code, refusal.message, tenant.now(), request.headers
            )
            denied.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
            return _to_web(denied)
        response = router.dispatch(req, tenant)
        response.headers.setdefault("request-id", str(uuid.uuid4()))
        if "client-request-id" in request.headers:
            response.headers.setdefault("client-request-id", request.headers["client-request-id"])
        return _to_web(response)

    for prefix in GRAPH_PREFIXES:
        app.router.add_route("*", prefix + "{tail:.*}", handle)

    @web.middleware
    async def count_graph_calls(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(GRAPH_PREFIXES):
            tenant.calls.record(router.template(request.method, _split(request.path)[1]))
        return await handler(request)

    return count_graph_calls
