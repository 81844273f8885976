"""The Bot Connector the bot talks to, with the arrival time of every message.

It is the tests' ``RecordingConnector`` (same routes, same answers), served in
the benchmark's own process on 127.0.0.1; the only addition is a clock reading
taken as each call is recorded, because the figures are "time until a message
reached Teams". Waiting helpers poll the record instead of hooking the
handlers, so the connector stays exactly what the tests run against.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from bench.processes import HOST
from tests.fakes.connector import RecordedCall, RecordingConnector


@dataclass(frozen=True, slots=True)
class Arrival:
    """A call the bot made to the connector and when it arrived (``time.perf_counter()``)."""

    at: float
    call: RecordedCall

    @property
    def is_message(self) -> bool:
        """A new post or chat message (edits of a posted card are PUTs)."""
        return self.call.method == "POST"


class _TimedCalls(list[RecordedCall]):
    """The connector's call list, stamping each call as it is appended."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, call: RecordedCall) -> None:
        self.times.append(time.perf_counter())
        super().append(call)


class TimedConnector:
    """A running recording connector; ``url`` is its service URL."""

    def __init__(self, connector: RecordingConnector, calls: _TimedCalls) -> None:
        self.connector = connector
        self._calls = calls

    @property
    def url(self) -> str:
        return self.connector.url

    def arrivals(self, since: float = 0.0) -> list[Arrival]:
        """Calls recorded at or after ``since`` (a ``perf_counter`` reading), in order."""
        return [
            Arrival(at, call)
            for at, call in zip(self._calls.times, self._calls, strict=True)
            if at >= since
        ]

    def messages(self, since: float = 0.0) -> list[Arrival]:
        return [a for a in self.arrivals(since) if a.is_message]

    async def wait_for(
        self, matches: Callable[[Arrival], bool], since: float, within_s: float
    ) -> Arrival | None:
        """The first call since ``since`` that ``matches``; None if none came in ``within_s``."""
        deadline = time.perf_counter() + within_s
        while True:
            for arrival in self.arrivals(since):
                if matches(arrival):
                    return arrival
            if time.perf_counter() >= deadline:
                return None
            await asyncio.sleep(0.005)

    async def wait_quiet(self, quiet_s: float, within_s: float) -> bool:
        """Until no call has arrived for ``quiet_s``; False if that did not happen in time."""
        deadline = time.perf_counter() + within_s
        while time.perf_counter() < deadline:
            last = self._calls.times[-1] if self._calls.times else 0.0
            if time.perf_counter() - last >= quiet_s:
                return True
            await asyncio.sleep(0.05)
        return False


@asynccontextmanager
async def running_connector() -> AsyncIterator[TimedConnector]:
    connector = RecordingConnector()
    calls = _TimedCalls()
    connector.calls = calls
    runner = web.AppRunner(connector.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, HOST, 0)
    await site.start()
    connector.url = f"http://{HOST}:{runner.addresses[0][1]}/"
    try:
        yield TimedConnector(connector, calls)
    finally:
        await runner.cleanup()


def describe(arrival: Arrival, since: float) -> dict[str, object]:
    """A message for the report: when (s after ``since``), where, and its first words."""
    body = arrival.call.body
    activity = body.get("activity", body)
    words = str(activity.get("text") or "")
    for attachment in activity.get("attachments") or []:
        content = attachment.get("content") or {}
        texts = [b.get("text") for b in content.get("body") or [] if isinstance(b, dict)]
        words = words or next((str(t) for t in texts if t), "")
    kind = "new thread" if arrival.call.path == "/v3/conversations" else "chat message"
    return {"after_s": round(arrival.at - since, 3), "kind": kind, "text": words[:100]}
