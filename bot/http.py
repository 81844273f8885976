"""HTTP routes: the only module that touches aiohttp request objects.

``/api/messages`` checks the caller first (the SDK's JWT validation; unsigned
requests are accepted only in sandbox mode), then validates the body into an
Activity, so malformed input gets a 400 and never reaches a handler.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import AgentApplication, TurnState
from pydantic import ValidationError

logger = logging.getLogger(__name__)

MAX_ACTIVITY_BYTES = 256 * 1024
ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


class Endpoint:
    """What the routes serve; filled in when the app starts (routes exist before that)."""

    def __init__(self) -> None:
        self.agent: AgentApplication[TurnState] | None = None
        self.adapter: CloudAdapter | None = None
        self.readiness: ReadinessCheck | None = None

    def bind(
        self,
        agent: AgentApplication[TurnState],
        adapter: CloudAdapter,
        readiness: ReadinessCheck,
    ) -> None:
        self.agent, self.adapter, self.readiness = agent, adapter, readiness


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


def create_routes(endpoint: Endpoint) -> web.RouteTableDef:
    routes = web.RouteTableDef()

    @routes.post("/api/messages")
    @jwt_authorization_decorator
    async def messages(request: web.Request) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > MAX_ACTIVITY_BYTES:
            return _bad_request("activity too large")
        raw = await request.read()
        if len(raw) > MAX_ACTIVITY_BYTES:
            return _bad_request("activity too large")
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _bad_request("body is not JSON")
        if not isinstance(body, dict):
            return _bad_request("body must be a JSON object")
        try:
            activity = Activity.model_validate(body)
        except ValidationError:
            return _bad_request("body is not a valid activity")
        if not activity.type or activity.conversation is None or not activity.conversation.id:
            return _bad_request("activity needs a type and conversation.id")
        if endpoint.agent is None or endpoint.adapter is None:
            return web.json_response({"error": "starting"}, status=503)
        response = await endpoint.adapter.process(request, endpoint.agent)
        return response if response is not None else web.Response(status=202)

    @routes.get("/healthz")
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    @routes.get("/readyz")
    async def readyz(_request: web.Request) -> web.Response:
        if endpoint.readiness is None:
            return web.json_response({"status": "starting"}, status=503)
        checks = await endpoint.readiness()
        ready = all(checks.values())
        return web.json_response(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status=200 if ready else 503,
        )

    return routes
