"""JSON batching (``POST /$batch``): up to 20 Graph requests in one call.

The bot batches the per-request ``userConsentRequests`` reads when many app
requests are new. Each inner request is dispatched to the same handlers as a
direct call; random faults apply to the batch call, and an object made unavailable
(``unavailable_paths``) fails as its own inner request, as Graph answers each
request of a batch on its own. The parser is lenient where
Microsoft's own Python batch helper differs from the documented format: it
sends absolute URLs, ``depends_on`` instead of ``dependsOn``, header values as
lists, and non-object bodies base64-encoded.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from multidict import CIMultiDict

from sandbox.errors import BadRequest
from sandbox.graph.odata import GraphRequest, GraphResponse, normalise_query
from sandbox.graph.router import Router

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

MAX_REQUESTS = 20
_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
_VERSION = re.compile(r"^/?(?P<version>v1\.0|beta)(?=/|$)", re.IGNORECASE)


def _headers(raw: Any) -> CIMultiDict[str]:
    headers: CIMultiDict[str] = CIMultiDict()
    if isinstance(raw, dict):
        for name, value in raw.items():
            values = value if isinstance(value, list | set | tuple) else [value]
            headers[str(name)] = ", ".join(str(v) for v in values)
    return headers


def _body(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(base64.b64decode(raw, validate=True))
    except (binascii.Error, ValueError):
        raise BadRequest(
            "A batch request body must be a JSON object or base64-encoded JSON."
        ) from None


def _inner(outer: GraphRequest, item: dict[str, Any]) -> GraphRequest:
    parts = urlsplit(str(item["url"]))
    path = unquote(parts.path)
    version = outer.version
    if found := _VERSION.match(path):
        version = "beta" if found["version"].lower() == "beta" else "v1.0"
        path = path[found.end() :]
    return GraphRequest(
        method=str(item["method"]).upper(),
        version=version,
        path="/" + path.lstrip("/"),
        query=normalise_query(parse_qsl(parts.query, keep_blank_values=True)),
        headers=_headers(item.get("headers")),
        body=_body(item.get("body")),
        base_url=outer.base_url,
        caller=outer.caller,  # inner requests act with the batch's token
    )


def _validate(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("requests")
    if not isinstance(items, list) or not items:
        raise BadRequest("Invalid batch payload format: 'requests' must be a non-empty array.")
    if len(items) > MAX_REQUESTS:
        raise BadRequest(f"The number of requests in a batch cannot exceed {MAX_REQUESTS}.")
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or not all(k in item for k in ("id", "method", "url")):
            raise BadRequest("Each batch request needs 'id', 'method' and 'url'.")
        if str(item["method"]).upper() not in _METHODS:
            raise BadRequest(
                f"Unsupported method '{item['method']}' in batch request {item['id']}."
            )
        if str(item["id"]) in seen:
            raise BadRequest(f"Batch request ids must be unique; '{item['id']}' repeats.")
        seen.add(str(item["id"]))
    return items


def register(router: Router) -> None:
    @router.add("POST", "/$batch")
    def batch(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        statuses: dict[str, int] = {}
        responses = []
        for item in _validate(req.json_body()):
            item_id = str(item["id"])
            depends = item.get("dependsOn") or item.get("depends_on") or []
            if any(statuses.get(str(d), 424) >= 400 for d in depends):
                inner = GraphResponse(
                    424,
                    {
                        "error": {
                            "code": "FailedDependency",
                            "message": "A request it depends on failed.",
                        }
                    },
                )
            else:
                request = _inner(req, item)
                tenant.calls.record(router.template(request.method, request.path), batched=True)
                if request.path.rstrip("/").lower() == "/$batch":
                    inner = GraphResponse(
                        400,
                        {"error": {"code": "BadRequest", "message": "Batches cannot be nested."}},
                    )
                elif tenant.faults.unavailable(request.path):
                    inner = GraphResponse(
                        503,
                        {
                            "error": {
                                "code": "serviceNotAvailable",
                                "message": "The service is temporarily unavailable.",
                            }
                        },
                        {"Retry-After": str(tenant.faults.settings.retry_after_seconds)},
                    )
                else:
                    inner = router.dispatch(request, tenant)
            statuses[item_id] = inner.status
            entry: dict[str, Any] = {
                "id": item_id,
                "status": inner.status,
                "headers": dict(inner.headers),
            }
            if inner.body is not None:
                entry["headers"]["Content-Type"] = "application/json"
                entry["body"] = inner.body
            responses.append(entry)
        return GraphResponse(200, {"responses": responses})
