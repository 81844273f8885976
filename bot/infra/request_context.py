"""One id per HTTP request, carried into every log line written while it is handled.

Teams sends ``MS-CV`` (its correlation vector) and proxies often add
``x-request-id``; reusing that id lets one search find the bot's lines for a
turn next to the platform's. Without one the bot makes its own. The id lives
in a context variable, so work the turn starts (tasks copy the context) logs
it too, and it is returned as ``x-request-id`` for the caller's own logs.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from aiohttp import web
from aiohttp.typedefs import Handler

REQUEST_ID_HEADER = "x-request-id"
INCOMING_ID_HEADERS = (REQUEST_ID_HEADER, "MS-CV")
_SAFE_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")
"""What an incoming id may look like; anything else (log injection, huge values) is replaced."""

current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_for(request: web.BaseRequest) -> str:
    for header in INCOMING_ID_HEADERS:
        value = request.headers.get(header, "").strip()
        if _SAFE_ID.fullmatch(value):
            return value
    return uuid.uuid4().hex


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request_id_for(request)
    token = current_request_id.set(request_id)
    try:
        response = await handler(request)
    except web.HTTPException as refusal:
        refusal.headers[REQUEST_ID_HEADER] = request_id
        raise
    finally:
        current_request_id.reset(token)
    if not response.prepared:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response
