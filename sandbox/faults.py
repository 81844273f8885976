"""Latency, throttling and outages on the Graph routes, reproducible from a seed.

The bot must honour ``Retry-After``, back off on 503 and never drop work; these
knobs make that testable. They act on Graph HTTP calls only (a ``$batch`` counts
as one call), never on the control surface, so a test can always reach the
knobs it needs to turn faults off again.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from sandbox.errors import BadRequest
from sandbox.graph.odata import error_response

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

GRAPH_PREFIXES = ("/v1.0/", "/beta/")
_MESSAGES = {
    429: ("TooManyRequests", "Too many requests; retry after the period in Retry-After."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable. Please retry later."),
    504: ("GatewayTimeout", "The gateway did not receive a timely response."),
}


@dataclass
class FaultSettings:
    latency_ms: int = 0
    throttle_ratio: float = 0.0
    unavailable_ratio: float = 0.0
    retry_after_seconds: int = 1
    seed: int | None = None
    fail_next: list[int] = field(default_factory=list)
    unavailable_paths: list[str] = field(default_factory=list)
    """Graph calls whose path contains one of these strings answer 503, every time:
    one object whose reads keep failing while the rest of the tenant answers."""
    refuse_expand: bool = False
    """The pending list refuses ``$expand=userConsentRequests`` with a 400: the list's
    documentation names only $select, $skip, $top, $filter and $orderby, so a Graph
    may hold to that; clients must then read users' requests apart."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _number(name: str, value: Any, low: float, high: float, *, integer: bool) -> Any:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        kind = "an integer" if integer else "a number"
        raise BadRequest(f"{name} must be {kind} from {low:g} to {high:g}.")
    return value


class Faults:
    """Current fault settings and the random stream that applies them."""

    def __init__(self) -> None:
        self.settings = FaultSettings()
        self._rng = random.Random()
        self.injected: Counter[int] = Counter()
        """How many calls each injected status answered (tests prove a storm really hit)."""

    def configure(self, **changes: Any) -> FaultSettings:
        """Change some knobs (others keep their value) and restart the random stream."""
        current = asdict(self.settings)
        unknown = set(changes) - set(current)
        if unknown:
            raise BadRequest(f"Unknown fault setting(s): {', '.join(sorted(unknown))}.")
        merged = {**current, **changes}
        _number("latency_ms", merged["latency_ms"], 0, 60_000, integer=True)
        _number("retry_after_seconds", merged["retry_after_seconds"], 0, 3600, integer=True)
        for name in ("throttle_ratio", "unavailable_ratio"):
            merged[name] = float(_number(name, merged[name], 0, 1, integer=False))
        if merged["throttle_ratio"] + merged["unavailable_ratio"] > 1:
            raise BadRequest("throttle_ratio + unavailable_ratio must not exceed 1.")
        if merged["seed"] is not None:
            _number("seed", merged["seed"], -(2**63), 2**63, integer=True)
        fail_next = merged["fail_next"]
        if not isinstance(fail_next, list) or any(s not in _MESSAGES for s in fail_next):
            raise BadRequest(f"fail_next must be a list of statuses among {sorted(_MESSAGES)}.")
        paths = merged["unavailable_paths"]
        if not isinstance(paths, list) or any(
            not isinstance(part, str) or not 0 < len(part) <= 200 for part in paths
        ):
            raise BadRequest("unavailable_paths must be a list of path fragments (1-200 chars).")
        if not isinstance(merged["refuse_expand"], bool):
            raise BadRequest("refuse_expand must be true or false.")
        self.settings = FaultSettings(**merged)
        self._rng = random.Random(merged["seed"])
        return self.settings

    def draw(self, path: str = "") -> int | None:
        """The error status to inject on a call to ``path``, if any."""
        status = self._draw(path)
        if status is not None:
            self.injected[status] += 1
        return status

    def unavailable(self, path: str) -> int | None:
        """503 when ``path`` names an object whose reads keep failing, inside a batch too.

        Graph answers each request of a JSON batch on its own, so one object's
        failure shows as one inner 503 while the rest of the batch succeeds.
        """
        if any(part in path for part in self.settings.unavailable_paths):
            self.injected[503] += 1
            return 503
        return None

    def _draw(self, path: str) -> int | None:
        if any(part in path for part in self.settings.unavailable_paths):
            return 503
        if self.settings.fail_next:
            return self.settings.fail_next.pop(0)
        settings = self.settings
        if not settings.throttle_ratio and not settings.unavailable_ratio:
            return None
        roll = self._rng.random()
        if roll < settings.throttle_ratio:
            return 429
        if roll < settings.throttle_ratio + settings.unavailable_ratio:
            return 503
        return None


def fault_middleware(tenant: SandboxTenant) -> Middleware:
    """Apply the tenant's current fault settings before any Graph handler runs."""

    @web.middleware
    async def inject_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(GRAPH_PREFIXES):
            return await handler(request)
        faults = tenant.faults
        if faults.settings.latency_ms:
            await asyncio.sleep(faults.settings.latency_ms / 1000)
        status = faults.draw(request.path)
        if status is None:
            return await handler(request)
        code, message = _MESSAGES[status]
        headers = {}
        if status in {429, 503}:  # Graph asks for a pause on both (throttling guidance)
            headers["Retry-After"] = str(faults.settings.retry_after_seconds)
        response = error_response(status, code, message, tenant.clock(), request.headers)
        return web.json_response(
            response.body, status=status, headers={**response.headers, **headers}
        )

    return inject_faults
