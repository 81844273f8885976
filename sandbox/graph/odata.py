"""OData conventions shared by every Graph route: messages, errors, paging, $select.

Graph's behaviour is copied where the bot depends on it: error bodies with
``innerError`` ids, ``@odata.nextLink`` as an absolute URL carrying an opaque
``$skiptoken``, ``$top`` as the page size, and ``$select`` returning only the
chosen properties plus ``id``. Query options the sandbox does not implement are
refused with 400 rather than ignored, so a test never passes by accident.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from multidict import CIMultiDict, CIMultiDictProxy

from sandbox.clock import error_date
from sandbox.errors import BadRequest
from sandbox.graph.caller import LOCAL_CALLER, Caller

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 999
_OPTIONS = {"filter", "select", "top", "skiptoken", "count", "expand", "orderby", "search", "skip"}

Json = dict[str, Any]
Headers = CIMultiDict[str] | CIMultiDictProxy[str]


@dataclass
class GraphRequest:
    method: str
    version: str  # "v1.0" or "beta"
    path: str  # decoded, after the version, e.g. "/users/abc"
    query: dict[str, str]
    headers: Headers
    body: Any = None
    base_url: str = "http://127.0.0.1"
    params: dict[str, str] = field(default_factory=dict)
    caller: Caller = LOCAL_CALLER  # set by ``sandbox.graph.auth.authenticate``

    @property
    def root(self) -> str:
        """The Graph root as the caller sees it, e.g. ``http://127.0.0.1:3980/v1.0``."""
        return f"{self.base_url}/{self.version}"

    def context(self, fragment: str) -> str:
        return f"{self.root}/$metadata#{fragment}"

    def json_body(self) -> Json:
        if not isinstance(self.body, dict):
            raise BadRequest("The request body must be a JSON object.")
        return self.body


@dataclass
class GraphResponse:
    status: int
    body: Json | None = None
    headers: dict[str, str] = field(default_factory=dict)


def normalise_query(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``$``-prefix system options (Graph accepts them bare) and keep the first value."""
    query: dict[str, str] = {}
    for key, value in pairs:
        bare = key.lower().lstrip("$")
        query.setdefault("$" + bare if bare in _OPTIONS else key, value)
    return query


def error_response(
    status: int, code: str, message: str, now: datetime, request_headers: Mapping[str, str]
) -> GraphResponse:
    request_id = str(uuid.uuid4())
    client_request_id = request_headers.get("client-request-id", request_id)
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": error_date(now),
                "request-id": request_id,
                "client-request-id": client_request_id,
            },
        }
    }
    return GraphResponse(
        status, body, {"request-id": request_id, "client-request-id": client_request_id}
    )


def allow_options(req: GraphRequest, *allowed: str) -> None:
    for name in req.query:
        if name.startswith("$") and name not in allowed and name != "$skiptoken":
            raise BadRequest(
                f"Query option '{name}' is not supported by the sandbox on this resource."
            )


def wants_count(req: GraphRequest) -> bool:
    value = req.query.get("$count")
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise BadRequest(f"Invalid value '{value}' for $count; use true or false.")
    return value.lower() == "true"


def advanced_query(req: GraphRequest) -> bool:
    """Directory "advanced queries" need both ConsistencyLevel: eventual and $count=true."""
    return req.headers.get("ConsistencyLevel", "").lower() == "eventual" and wants_count(req)


def page_size(req: GraphRequest, maximum: int = MAX_PAGE_SIZE) -> int:
    raw = req.query.get("$top")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise BadRequest(f"Invalid value '{raw}' for $top; use 1 to {maximum}.")
    return int(raw)


def _skiptoken(req: GraphRequest) -> tuple[int, str | None]:
    """The offset and the snapshot (if the collection pinned one) a ``$skiptoken`` carries."""
    token = req.query.get("$skiptoken")
    if token is None:
        return 0, None
    try:
        decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        offset, pinned, snapshot = decoded.removeprefix("sbx1:").partition(":")
        return int(offset), snapshot if pinned else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest("The $skiptoken is not valid.") from None


def skiptoken_snapshot(req: GraphRequest) -> str | None:
    """What the first page of a snapshot-paged collection pinned (see ``collection``)."""
    return _skiptoken(req)[1]


def _next_link(req: GraphRequest, offset: int, snapshot: str | None = None) -> str:
    raw = f"sbx1:{offset}" if snapshot is None else f"sbx1:{offset}:{snapshot}"
    token = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    query = {k: v for k, v in req.query.items() if k != "$skiptoken"}
    query["$skiptoken"] = token
    encoded = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
    path = quote(req.path, safe="/()=',:")
    return f"{req.root}{path}?{encoded}"


def select(req: GraphRequest, item: Json) -> Json:
    """Apply ``$select``: unknown properties are an error, as Graph reports them."""
    raw = req.query.get("$select")
    if not raw:
        return item
    names = [n.strip() for n in raw.split(",") if n.strip()]
    known = {k.lower(): k for k in item}
    chosen: Json = {k: v for k, v in item.items() if k.startswith("@odata.")}
    if "id" in item:
        chosen["id"] = item["id"]
    for name in names:
        if name.lower() not in known:
            raise BadRequest(f"Could not find a property named '{name}' on this resource.")
        chosen[known[name.lower()]] = item[known[name.lower()]]
    return chosen


def entity(req: GraphRequest, item: Json, fragment: str, status: int = 200) -> GraphResponse:
    return GraphResponse(status, {"@odata.context": req.context(fragment), **select(req, item)})


def collection(
    req: GraphRequest,
    items: list[Json],
    fragment: str,
    *,
    paged: bool = True,
    max_top: int = MAX_PAGE_SIZE,
    snapshot: str | None = None,
) -> GraphResponse:
    """One page of a collection, with ``@odata.nextLink`` when more remain.

    ``max_top`` is the resource's largest ``$top``. ``snapshot`` is written into
    the ``$skiptoken`` so later pages can list the collection as it was when the
    first page was served (``skiptoken_snapshot``): a log that grows at its head
    would otherwise shift every later page.
    """
    body: Json = {"@odata.context": req.context(fragment)}
    if wants_count(req):
        body["@odata.count"] = len(items)
    start, size = (_skiptoken(req)[0], page_size(req, max_top)) if paged else (0, len(items) or 1)
    body["value"] = [select(req, item) for item in items[start : start + size]]
    if start + size < len(items):
        body["@odata.nextLink"] = _next_link(req, start + size, snapshot)
    return GraphResponse(200, body)
