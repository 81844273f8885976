"""How the test client of msgraph-sdk retries throttling and outages: Graph's ``Retry-After``.

Graph answers 429 (and sometimes 503) with ``Retry-After`` in seconds and asks
clients to wait exactly that long. The SDK's own handler reads a
``Retry-After: 0`` as "no header" and backs off three seconds or more, and it
waits up to three minutes per retry inside a request. Here a header is honoured
as given (0 included); a wait longer than ``MAX_WAIT_SECONDS`` is not slept
through inside the request: the response goes back to the caller, whose durable
retry (intake's next poll, the decision queue) waits instead. Without a header
the backoff is short and jittered. At most ``MAX_RETRIES`` retries, so one
request never waits more than ``MAX_RETRIES * MAX_WAIT_SECONDS``.
"""

from __future__ import annotations

import random

import httpx
from kiota_http.middleware import RetryHandler
from kiota_http.middleware.options import RetryHandlerOption

from bot.infra.clock import utc_now
from bot.infra.retry_after import retry_after_seconds

MAX_RETRIES = 3
MAX_WAIT_SECONDS = 10.0
_GIVE_BACK = RetryHandlerOption.MAX_DELAY
"""A delay the SDK's loop refuses to sleep: it returns the response instead of retrying."""


class GraphRetries(RetryHandler):  # type: ignore[misc]  # kiota_http is skipped by mypy (pyproject)
    """The SDK's retry middleware with Graph's ``Retry-After`` read faithfully and bounded."""

    def __init__(self) -> None:
        super().__init__(RetryHandlerOption(delay=0.0, max_retries=MAX_RETRIES))

    def get_delay_time(
        self,
        retry_count: int,
        response: httpx.Response | None = None,
        delay: float = 0.0,
    ) -> float:
        asked = retry_after_seconds(response.headers, utc_now()) if response is not None else None
        if asked is None:
            return min(MAX_WAIT_SECONDS, 0.5 * 2.0**retry_count + random.random() / 2)
        return asked if asked <= MAX_WAIT_SECONDS else _GIVE_BACK
