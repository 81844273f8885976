"""Control routes for Entra's sign-in log: its settings (lag, licence) and its entries.

Entries are written by the sign-in simulator (``POST /_sandbox/sign-in``); these
routes show every entry, hidden ones included with the time Graph will serve
them, set how late the log is and whether the tenant has the P1/P2 licence that
Graph's ``auditLogs/signIns`` needs, and clear the log between scenarios.
Errors use the control surface's ``{"error": ...}`` shape (its middleware
covers every ``/_sandbox`` path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aiohttp import web
from pydantic import Field

from sandbox.control_routes import PREFIX, _Body, _parse
from sandbox.state.sign_in_log import MAX_LAG_SECONDS

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

PATH = PREFIX + "/sign-in-log"


class LogKnobs(_Body):
    lag_seconds: Annotated[int, Field(ge=0, le=MAX_LAG_SECONDS)] | None = None
    jitter_seconds: Annotated[int, Field(ge=0, le=MAX_LAG_SECONDS)] | None = None
    premium_licence: bool | None = None
    seed: int | None = None


def add_sign_in_log_routes(app: web.Application, tenant: SandboxTenant) -> None:
    """``GET``/``POST``/``DELETE /_sandbox/sign-in-log``; each answers the log's snapshot."""
    routes = web.RouteTableDef()

    @routes.get(PATH)
    async def read_log(request: web.Request) -> web.Response:
        return web.json_response(tenant.sign_in_log.snapshot())

    @routes.post(PATH)
    async def configure_log(request: web.Request) -> web.Response:
        body = await _parse(request, LogKnobs)
        tenant.sign_in_log.configure(**body.model_dump(exclude_none=True))
        return web.json_response(tenant.sign_in_log.snapshot())

    @routes.delete(PATH)
    async def clear_log(request: web.Request) -> web.Response:
        cleared = tenant.sign_in_log.clear()
        return web.json_response({"cleared": cleared, **tenant.sign_in_log.snapshot()})

    app.add_routes(routes)
