"""A recording Bot Connector: a real HTTP server that stores what the bot sends to Teams.

It answers the Bot Framework v3 conversation calls the bot uses and can be told
to throttle, so delivery retries are exercised over real HTTP.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class RecordedCall:
    method: str
    path: str
    body: dict[str, Any]


@dataclass
class RecordingConnector:
    """State of the fake connector; ``url`` is set once the server runs."""

    url: str = ""
    calls: list[RecordedCall] = field(default_factory=list)
    throttle_next: int = 0
    fail_next_status: int | None = None
    refuse_all_status: int | None = None
    """Answer every call with this status (a conversation the bot was removed from, an outage)."""
    retry_after: str = "0"
    """``Retry-After`` sent with 429 and with ``refuse_all_status``: seconds or an HTTP date."""
    refusals: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def posts(self) -> list[RecordedCall]:
        """New top-level posts and chat messages, in order."""
        return [c for c in self.calls if c.method == "POST"]

    def updates(self) -> list[RecordedCall]:
        return [c for c in self.calls if c.method == "PUT"]

    @staticmethod
    def card_of(call: RecordedCall) -> dict[str, Any]:
        activity = call.body.get("activity", call.body)
        card: dict[str, Any] = activity["attachments"][0]["content"]
        return card

    def _refuse(self) -> web.Response | None:
        refused = self._refusal()
        if refused is not None:
            self.refusals += 1
        return refused

    def _refusal(self) -> web.Response | None:
        if self.refuse_all_status is not None:
            return web.json_response(
                {"error": {"code": "Failure"}},
                status=self.refuse_all_status,
                headers={"Retry-After": self.retry_after},
            )
        if self.throttle_next > 0:
            self.throttle_next -= 1
            return web.json_response(
                {"error": {"code": "TooManyRequests"}},
                status=429,
                headers={"Retry-After": self.retry_after},
            )
        if self.fail_next_status is not None:
            status, self.fail_next_status = self.fail_next_status, None
            return web.json_response({"error": {"code": "Failure"}}, status=status)
        return None

    def app(self) -> web.Application:
        routes = web.RouteTableDef()

        @routes.post("/v3/conversations")
        async def create_conversation(request: web.Request) -> web.Response:
            body = await request.json()
            if (refused := self._refuse()) is not None:
                return refused
            self.calls.append(RecordedCall("POST", request.path, body))
            channel = body["channelData"]["channel"]["id"]
            number = next(self._ids)
            return web.json_response(
                {"id": f"{channel};messageid={number}", "activityId": str(number)}, status=201
            )

        @routes.post("/v3/conversations/{conversation}/activities")
        async def send(request: web.Request) -> web.Response:
            body = await request.json()
            if (refused := self._refuse()) is not None:
                return refused
            self.calls.append(RecordedCall("POST", request.path, body))
            return web.json_response({"id": f"activity-{next(self._ids)}"}, status=201)

        @routes.post("/v3/conversations/{conversation}/activities/{activity}")
        async def reply(request: web.Request) -> web.Response:
            body = await request.json()
            if (refused := self._refuse()) is not None:
                return refused
            self.calls.append(RecordedCall("POST", request.path, body))
            return web.json_response({"id": f"activity-{next(self._ids)}"}, status=201)

        @routes.put("/v3/conversations/{conversation}/activities/{activity}")
        async def update(request: web.Request) -> web.Response:
            body = await request.json()
            if (refused := self._refuse()) is not None:
                return refused
            self.calls.append(RecordedCall("PUT", request.path, body))
            return web.json_response({"id": request.match_info["activity"]})

        app = web.Application()
        app.add_routes(routes)
        return app
