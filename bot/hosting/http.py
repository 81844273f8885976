"""HTTP routes: the only module that touches aiohttp request objects.

``/api/messages`` checks the caller's token first (``bot.hosting.signed_activities``:
only the Bot Framework channel, or an allow-listed agent; 401 otherwise, 503
when no signing keys can be read; unsigned requests only in sandbox mode or
when dangerously allowed), then reads the body into an Activity (400 or 413
when it is not one), then binds the token to the activity: its service URL,
its channel, and in production this bot's tenant (401 or 403). Only then does
a handler run, so a refused request costs no Graph call and no store write.
Every refusal answers JSON and logs one line with the reason, never the
token. While the process is stopping it takes no new activity (503, so the
sender retries against another replica) and ``/readyz`` says so.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from aiohttp import web
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentApplication, TurnState
from pydantic import ValidationError

from bot.hosting.activity_checks import NotAnActivity, check_activity, check_json
from bot.hosting.channel_gate import ChannelGate
from bot.hosting.heap import settle_start_up_objects
from bot.hosting.signed_activities import (
    ActivityForbidden,
    CallerRefused,
    SigningKeysUnavailable,
    VerifiedToken,
)
from bot.hosting.turn_clients import share_turn_clients
from bot.infra.shutdown import Shutdown
from domain.object_ids import is_object_id

logger = logging.getLogger(__name__)

MAX_ACTIVITY_BYTES = 256 * 1024
ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


class Endpoint:
    """What the routes serve; filled in when the app starts (routes exist before that)."""

    def __init__(self, shutdown: Shutdown | None = None) -> None:
        self.shutdown = shutdown or Shutdown()
        self.callers = ChannelGate()
        """Refuses everyone until the composition root says who may post."""
        self.https_only = True
        """Replies only to https service URLs (or this machine); off in sandbox mode."""
        self.agent: AgentApplication[TurnState] | None = None
        self.adapter: CloudAdapter | None = None
        self.readiness: ReadinessCheck | None = None
        self.failed_messages: Callable[[], Awaitable[int]] | None = None
        """How many messages were given up after their retries (shown, not a readiness fault)."""
        self.features_off: list[dict[str, object]] | None = None
        """What the start-up permission self-check found off; None when not checked."""
        self.worker: int | None = None
        """Which of the ``WORKERS`` processes this is; ``/healthz`` says so (and its pid)."""

    def bind(
        self,
        agent: AgentApplication[TurnState],
        adapter: CloudAdapter,
        readiness: ReadinessCheck,
    ) -> None:
        """Serve ``agent`` through ``adapter``, whose concurrent turns share their Bot
        Connector clients (``bot.hosting.turn_clients``) instead of opening one each.

        Everything the process needs to serve exists now, so it is also kept out of the
        garbage collector's full passes (``bot.hosting.heap``).
        """
        share_turn_clients(adapter, agent.connection_manager)
        settle_start_up_objects()
        self.agent, self.adapter, self.readiness = agent, adapter, readiness


def _unauthorized() -> web.Response:
    return web.json_response(
        {"error": "unauthorized", "message": "Invalid token or authentication failed."},
        status=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _forbidden() -> web.Response:
    return web.json_response(
        {"error": "forbidden", "message": "This bot does not handle this activity."},
        status=403,
    )


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": "bad_request", "message": reason}, status=400)


def _too_large() -> web.Response:
    return web.json_response(
        {"error": "too_large", "message": f"activity over {MAX_ACTIVITY_BYTES} bytes"},
        status=413,
    )


def _refused(request: web.Request, status: int, reason: object) -> None:
    """The one log line of a refusal: the reason, never the token."""
    logger.warning(
        "refused an activity (%d) from %s: %s", status, request.remote or "unknown", reason
    )


async def _admitted_activity(
    request: web.Request, endpoint: Endpoint
) -> tuple[VerifiedToken, Activity] | web.StreamResponse:
    """The caller and the activity, once the token, the size, the JSON and the activity passed.

    Anything else is answered here: 401/403 for the caller, 400/413 for the
    body, 503 while stopping or when signing keys cannot be fetched at all.
    """
    if endpoint.shutdown.stopping:
        return web.json_response({"error": "stopping"}, status=503)
    try:
        caller = await endpoint.callers.admit(request.headers.get("Authorization"))
    except CallerRefused as refusal:
        _refused(request, 401, refusal)
        return _unauthorized()
    except SigningKeysUnavailable:
        logger.exception("cannot check the caller's token now")
        return web.json_response(
            {"error": "unavailable", "message": "cannot verify callers now"}, status=503
        )
    if request.content_length is not None and request.content_length > MAX_ACTIVITY_BYTES:
        return _too_large()
    raw = await request.read()
    if len(raw) > MAX_ACTIVITY_BYTES:
        return _too_large()
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return _bad_request("body is not JSON")
    if not isinstance(body, dict):
        return _bad_request("body must be a JSON object")
    try:
        check_json(body)
        activity = Activity.model_validate(body)
        check_activity(activity, https_only=endpoint.https_only)
    except NotAnActivity as problem:
        _refused(request, 400, problem)
        return _bad_request(str(problem))
    except (ValidationError, TypeError, ValueError) as problem:
        # The SDK's model raises TypeError (not a ValidationError) for some fields.
        _refused(request, 400, f"not a valid activity ({type(problem).__name__})")
        return _bad_request("body is not a valid activity")
    try:
        endpoint.callers.check(caller, activity)
    except CallerRefused as refusal:
        _refused(request, 401, refusal)
        return _unauthorized()
    except ActivityForbidden as refusal:
        _refused(request, 403, refusal)
        return _forbidden()
    sender = activity.from_property
    if sender is not None and sender.aad_object_id and not is_object_id(sender.aad_object_id):
        _refused(request, 400, "from.aadObjectId is not an Entra object id")
        return _bad_request("from.aadObjectId is not an Entra object id")
    return caller, activity


def create_routes(endpoint: Endpoint) -> web.RouteTableDef:
    routes = web.RouteTableDef()

    @routes.post("/api/messages")
    async def messages(request: web.Request) -> web.StreamResponse:
        admitted = await _admitted_activity(request, endpoint)
        if isinstance(admitted, web.StreamResponse):
            return admitted
        caller, activity = admitted
        if endpoint.agent is None or endpoint.adapter is None:
            return web.json_response({"error": "starting"}, status=503)
        with warnings.catch_warnings():
            # The SDK's adapter reads the caller from this exact string key (its contract).
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request["claims_identity"] = caller.identity
        try:
            response: web.StreamResponse | None = await endpoint.adapter.process(
                request, endpoint.agent
            )
        except Exception:
            # The application's error handler has already apologised to the user where
            # it could; the sender must not retry a turn that fails the same way.
            logger.exception("an activity of type %s could not be handled", activity.type)
            return web.json_response(
                {"error": "not_handled", "message": "the activity could not be handled"},
                status=400,
            )
        if response is None:
            return web.Response(status=202)
        if response.status == HTTPStatus.NOT_IMPLEMENTED:
            # The SDK's answer to an invoke nothing here handles (its name is unknown).
            _refused(request, 400, f"no handler for invoke {activity.name!r}")
            return _bad_request(f"this bot does not handle {activity.name!r}")
        return response

    @routes.get("/healthz")
    async def healthz(_request: web.Request) -> web.Response:
        if endpoint.worker is None:
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "ok", "worker": endpoint.worker, "pid": os.getpid()})

    @routes.get("/readyz")
    async def readyz(_request: web.Request) -> web.Response:
        if endpoint.shutdown.stopping:
            return web.json_response({"status": "stopping"}, status=503)
        if endpoint.readiness is None:
            return web.json_response({"status": "starting"}, status=503)
        checks = await endpoint.readiness()
        ready = all(checks.values())
        body: dict[str, object] = {"status": "ready" if ready else "not ready", "checks": checks}
        if endpoint.failed_messages is not None:
            body["failed_messages"] = await endpoint.failed_messages()
        if endpoint.features_off is not None:
            body["features_off"] = endpoint.features_off  # reported; the rest still works
        return web.json_response(body, status=200 if ready else 503)

    return routes
