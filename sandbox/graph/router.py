"""Route table for the Graph subset, matched on decoded, case-insensitive paths.

Graph paths contain parentheses and quotes (``servicePrincipals(appId='...')``)
that clients may or may not percent-encode, so matching happens on the decoded
path with our own templates rather than aiohttp's router. Unknown paths answer
the way Graph does: 400 "Resource not found for the segment ..." for an unknown
segment, 405 for a known path with the wrong method.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandbox.errors import BadRequest, MethodNotAllowed, SandboxError
from sandbox.graph.authorization import authorize, limit_information
from sandbox.graph.contract import check
from sandbox.graph.contract_record import RecordedViolation
from sandbox.graph.odata import GraphRequest, GraphResponse, error_response

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

Handler = Callable[[GraphRequest, "SandboxTenant"], GraphResponse]
log = logging.getLogger(__name__)


def _segment_pattern(segment: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", segment)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+?)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(regex + "$", re.IGNORECASE)


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    segments: tuple[re.Pattern[str], ...]
    handler: Handler

    def match(self, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for pattern, segment in zip(self.segments, segments, strict=True):
            found = pattern.match(segment)
            if found is None:
                return None
            params.update(found.groupdict())
        return params

    def depth(self, segments: list[str]) -> int:
        """How many leading segments this route recognises (to name the unknown one)."""
        count = 0
        for pattern, segment in zip(self.segments, segments, strict=False):
            if not pattern.match(segment):
                break
            count += 1
        return count


def split_path(path: str) -> list[str]:
    """Path segments, with type casts in the short ``graph.`` alias spelled in full.

    Graph accepts ``graph.directoryRole`` as well as ``microsoft.graph.directoryRole``
    (msgraph-sdk sends the short one), so routes are written once, in the long form.
    """
    return [
        f"microsoft.{s}" if s.startswith("graph.") else s for s in path.strip("/").split("/") if s
    ]


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            segments = tuple(_segment_pattern(s) for s in split_path(template))
            self.routes.append(Route(method, template, segments, handler))
            return handler

        return register

    def resolve(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        segments = split_path(path)
        for route in self.routes:
            params = route.match(segments)
            if params is not None and route.method == method:
                return route, params
        return None, {}

    def template(self, method: str, path: str) -> str:
        """The route template a call is counted under (``(unmatched)`` otherwise)."""
        route, _ = self.resolve(method, path)
        return f"{method} {route.template if route else '(unmatched)'}"

    def dispatch(self, req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        try:
            _hold_to_metadata(req, tenant)
            route, params = self.resolve(req.method, req.path)
            if route is None:
                raise self._no_route(req)
            req.params = params
            authorize(route.method, route.template, req.caller)
            response = route.handler(req, tenant)
            return limit_information(route.method, route.template, req.caller, response)
        except SandboxError as refusal:
            return error_response(
                refusal.status, refusal.code, refusal.message, tenant.now(), req.headers
            )
        except Exception:  # a sandbox bug must not look like a network failure
            log.exception("sandbox Graph handler failed for %s %s", req.method, req.path)
            return error_response(
                500,
                "InternalServerError",
                "The sandbox failed on this request; see its log.",
                tenant.now(),
                req.headers,
            )

    def _no_route(self, req: GraphRequest) -> SandboxError:
        segments = split_path(req.path)
        if any(r.match(segments) is not None for r in self.routes):
            return MethodNotAllowed(
                f"The requested resource does not support http method '{req.method}'."
            )
        depth = max((r.depth(segments) for r in self.routes), default=0)
        unknown = segments[min(depth, len(segments) - 1)] if segments else ""
        return BadRequest(f"Resource not found for the segment '{unknown}'.")


def _hold_to_metadata(req: GraphRequest, tenant: SandboxTenant) -> None:
    """Refuse (400, recorded) what Graph's published v1.0 metadata does not describe.

    ``$batch`` is checked per inner request (they come through ``dispatch`` too);
    ``/beta`` has no published metadata here and is not checked.
    """
    if req.version != "v1.0" or req.path.strip("/").casefold() == "$batch":
        return
    verdict = check(req.method, req.path, req.query, req.body)
    tenant.contract.note_open(verdict.open_properties)
    if verdict.ok:
        return
    for violation in verdict.violations:
        tenant.contract.add(
            RecordedViolation(
                req.method, req.path, violation.where, violation.name, violation.message
            )
        )
    log.warning(
        "sandbox Graph: 400 for %s %s: %s",
        req.method,
        req.path,
        "; ".join(v.message for v in verdict.violations),
    )
    raise BadRequest(verdict.violations[0].message)
