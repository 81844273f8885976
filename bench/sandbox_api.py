"""The sandbox's control surface (``/_sandbox/...``) as the benchmarks use it.

Scenarios play the users and the Entra portal through it (a backlog, one more
request), read back what the bot did to the tenant (grants, Graph calls by
route) and set the Graph latency. Faults never apply to these routes, so
reading them does not disturb the figures. A refusal raises ``SandboxRefused``
with the sandbox's message; a 404 means this sandbox lacks the route, which
the suite reports as "not measured" rather than as a crash.
"""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession


class SandboxRefused(RuntimeError):
    def __init__(self, status: int, path: str, answer: object) -> None:
        super().__init__(f"sandbox {path}: {status} {answer}")
        self.status = status


class MissingFeature(RuntimeError):
    """The sandbox has no such control route: the scenario cannot run here (not a crash)."""


class SandboxApi:
    """Control calls to one sandbox at ``url`` (``http://127.0.0.1:PORT``)."""

    def __init__(self, url: str, http: ClientSession) -> None:
        self.url = url
        self._http = http

    async def call(self, method: str, path: str, body: object = None) -> dict[str, Any]:
        async with self._http.request(method, f"{self.url}/_sandbox{path}", json=body) as response:
            answer = await response.json(content_type=None)
            error = answer.get("error") if isinstance(answer, dict) else None
            unknown_route = str(error).startswith("Not Found: ")  # aiohttp: no such route
            if response.status == 405 or (response.status == 404 and unknown_route):
                raise MissingFeature(f"the sandbox has no {method} /_sandbox{path}")
            if response.status >= 400:
                raise SandboxRefused(response.status, path, answer)
            if not isinstance(answer, dict):
                raise SandboxRefused(response.status, path, f"not a JSON object: {answer!r}")
            return answer

    async def set_latency(self, latency_ms: int) -> None:
        await self.call("POST", "/faults", {"latency_ms": latency_ms})

    async def add_backlog(self, count: int, seed: int = 0) -> list[dict[str, str]]:
        """``count`` pending requests for synthetic apps; their ids (one per requester)."""
        created: list[dict[str, str]] = (
            await self.call("POST", "/backlog", {"count": count, "seed": seed})
        )["created"]
        return created

    async def create_request(self, app: str, user: str, reason: str) -> str:
        answer = await self.call("POST", "/requests", {"app": app, "user": user, "reason": reason})
        return str(answer["appConsentRequestId"])

    async def calls(self) -> dict[str, int]:
        """Graph HTTP calls since the last reset, by route template (a ``$batch`` is one)."""
        routes: dict[str, int] = (await self.call("GET", "/calls"))["routes"]
        return routes

    async def batched(self) -> dict[str, int]:
        """Requests made inside ``$batch`` calls since the last reset, by route template."""
        batched: dict[str, int] = (await self.call("GET", "/calls")).get("batched", {})
        return batched

    async def reset_calls(self) -> None:
        await self.call("DELETE", "/calls")

    async def grants(self) -> list[dict[str, Any]]:
        grants: list[dict[str, Any]] = (await self.call("GET", "/grants"))["grants"]
        return grants

    async def contract_violations(self) -> list[Any]:
        """Requests the bot sent that Graph's metadata does not describe."""
        violations: list[Any] = (await self.call("GET", "/contract"))["violations"]
        return violations
