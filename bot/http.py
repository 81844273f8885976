"""HTTP routes: the only module that touches aiohttp request objects.

``/api/messages`` checks the caller first (``bot.signed_activities``: a Bot
Framework or Entra token, 401 otherwise; unsigned requests only in sandbox mode
or when dangerously allowed), then validates the body into an
Activity, so malformed input gets a 400 and never reaches a handler. While
the process is stopping it takes no new activity (503, so the sender retries
against another replica) and ``/readyz`` says so.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Awaitable, Callable

from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentApplication, TurnState
from pydantic import ValidationError

from bot.shutdown import Shutdown
from bot.signed_activities import CallerPolicy, CallerRefused, SigningKeysUnavailable

logger = logging.getLogger(__name__)

MAX_ACTIVITY_BYTES = 256 * 1024
ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


class Endpoint:
    """What the routes serve; filled in when the app starts (routes exist before that)."""

    def __init__(self, shutdown: Shutdown | None = None) -> None:
        self.shutdown = shutdown or Shutdown()
        self.callers = CallerPolicy()
        """Refuses everyone until the composition root says who may post."""
        self.agent: AgentApplication[TurnState] | None = None
        self.adapter: CloudAdapter | None = None
        self.readiness: ReadinessCheck | None = None
        self.features_off: list[dict[str, object]] | None = None
        """What the start-up permission self-check found off; None when not checked."""

    def bind(
        self,
        agent: AgentApplication[TurnState],
        adapter: CloudAdapter,
        readiness: ReadinessCheck,
    ) -> None:
        self.agent, self.adapter, self.readiness = agent, adapter, readiness


def _unauthorized() -> web.Response:
    return web.json_response(
        {"error": "Invalid token or authentication failed."},
        status=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


def create_routes(endpoint: Endpoint) -> web.RouteTableDef:
    routes = web.RouteTableDef()

    @routes.post("/api/messages")
    async def messages(request: web.Request) -> web.StreamResponse:
        if endpoint.shutdown.stopping:
            return web.json_response({"error": "stopping"}, status=503)
        try:
            caller = await endpoint.callers.admit(request.headers.get("Authorization"))
        except CallerRefused as refusal:
            logger.warning("refused an activity: %s", refusal)
            return _unauthorized()
        except SigningKeysUnavailable:
            logger.exception("cannot check the caller's token now")
            return web.json_response({"error": "cannot verify callers now"}, status=503)
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
        try:
            caller.check_service_url(activity.service_url)
        except CallerRefused as refusal:
            logger.warning("refused an activity: %s", refusal)
            return _unauthorized()
        if endpoint.agent is None or endpoint.adapter is None:
            return web.json_response({"error": "starting"}, status=503)
        with warnings.catch_warnings():
            # The SDK's adapter reads the caller from this exact string key (its contract).
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request["claims_identity"] = caller.identity
        response = await endpoint.adapter.process(request, endpoint.agent)
        return response if response is not None else web.Response(status=202)

    @routes.get("/healthz")
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    @routes.get("/readyz")
    async def readyz(_request: web.Request) -> web.Response:
        if endpoint.shutdown.stopping:
            return web.json_response({"status": "stopping"}, status=503)
        if endpoint.readiness is None:
            return web.json_response({"status": "starting"}, status=503)
        checks = await endpoint.readiness()
        ready = all(checks.values())
        body: dict[str, object] = {"status": "ready" if ready else "not ready", "checks": checks}
        if endpoint.features_off is not None:
            body["features_off"] = endpoint.features_off  # reported; the rest still works
        return web.json_response(body, status=200 if ready else 503)

    return routes
