"""Plain-JSON Graph calls over aiohttp, for the answers and decisions people wait for.

A "why can't I connect?" answer reads the app, its grants and its
assignments while the user watches, and an approval writes the grant while
the reviewer watches. Through msgraph-sdk each call costs a few milliseconds
of CPU (httpx, the middleware chain, model parsing); over aiohttp it costs a
fraction of that, which is what lets fifty people ask at once. The same token
provider as the SDK's is used, and throttling is honoured the same way:
429/503/504 are retried after ``Retry-After`` (bounded), then reported.
Only the Teams chat calls (installing the app, opening a 1:1 chat) stay on the SDK.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
from kiota_abstractions.authentication import AccessTokenProvider
from multidict import CIMultiDict
from yarl import URL

from bot.infra.clock import utc_now
from bot.infra.outbound_tls import outbound_connector
from bot.infra.retry_after import retry_after_seconds

RETRIED = frozenset({429, 503, 504})
BATCH_LIMIT = 20
"""Requests Graph takes in one JSON batch (https://learn.microsoft.com/graph/json-batching)."""
_QUERY_SAFE = "$'(),=:/"
CONNECTIONS = 300
"""Graph calls in flight at once: fifty people asking at once send about three reads each,
and a read waiting for a connection waits a whole round trip of another."""


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    """One inner response of a JSON batch: its status and, for a 200, its body."""

    status: int
    body: dict[str, Any]
    retry_after: float | None = None


class NotInGraph(LookupError):
    """Graph answered 404: the object does not exist (any more)."""


class GraphReadError(RuntimeError):
    """Graph refused a call, or kept throttling it past the retries (reads and writes alike)."""

    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(f"Graph answered {status}: {message}")
        self.status = status
        self.graph_message = message
        self.code = code
        """Graph's ``error.code``, which tells apart refusals sharing a status (403s)."""


def _query(params: dict[str, str]) -> str:
    # OData wants spaces as %20 and quotes kept readable; "+" is not a space to Graph.
    return "&".join(f"{quote(k, safe='$')}={quote(v, safe=_QUERY_SAFE)}" for k, v in params.items())


class GraphJson:
    def __init__(
        self,
        graph_base_url: str,
        tokens: AccessTokenProvider,
        *,
        attempts: int = 3,
        max_wait_seconds: float = 10.0,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._base = f"{graph_base_url.rstrip('/')}/v1.0"
        self._tokens = tokens
        self._attempts = attempts
        self._max_wait = max_wait_seconds
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """One resource; ``NotInGraph`` on 404."""
        url = f"{self._base}{path}"
        if params:
            url = f"{url}?{_query(params)}"
        return await self._get_url(url)

    async def items(self, path: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Every item of a collection, following ``@odata.nextLink``."""
        url = f"{self._base}{path}"
        return await self.items_from(f"{url}?{_query(params)}" if params else url)

    async def items_from(self, url: str) -> list[dict[str, Any]]:
        """Every item from ``url`` on (a collection, or a next link read elsewhere)."""
        page = await self._get_url(url)
        found = [item for item in page.get("value", []) if isinstance(item, dict)]
        while isinstance(next_link := page.get("@odata.nextLink"), str) and next_link:
            page = await self._get_url(next_link)
            found += [item for item in page.get("value", []) if isinstance(item, dict)]
        return found

    async def changes(
        self, delta_link: str | None, path: str, params: dict[str, str]
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One round of a delta query: every page, and the link the next round starts from.

        Without ``delta_link`` the round starts from scratch at ``path`` with
        ``params`` (Graph carries them in its links); with it, only what changed
        since that round comes back, deleted items as ``{"id", "@removed"}``.
        """
        page = await (self._get_url(delta_link) if delta_link else self.get(path, params))
        found = [item for item in page.get("value", []) if isinstance(item, dict)]
        while isinstance(next_link := page.get("@odata.nextLink"), str) and next_link:
            page = await self._get_url(next_link)
            found += [item for item in page.get("value", []) if isinstance(item, dict)]
        link = page.get("@odata.deltaLink")
        return found, link if isinstance(link, str) and link else None

    async def batch_get(self, urls: Sequence[str]) -> list[BatchAnswer]:
        """GET each of ``urls`` (paths with query, no version) in one ``POST /$batch``.

        The documented form: relative URLs, string ids, no body. Inner requests
        Graph throttled are sent again in a smaller batch after the longest
        ``Retry-After`` they carried (bounded, like direct reads); whatever
        still fails is returned with its status for the caller to retry on its
        own schedule. Answers come back in the order of ``urls``.
        """
        if not 0 < len(urls) <= BATCH_LIMIT:
            raise ValueError(f"a JSON batch takes 1 to {BATCH_LIMIT} requests, not {len(urls)}")
        answers: dict[int, BatchAnswer] = {}
        waiting = list(range(len(urls)))
        for attempt in range(1, self._attempts + 1):
            body = {"requests": [{"id": str(i), "method": "GET", "url": urls[i]} for i in waiting]}
            found = await self._send("POST", f"{self._base}/$batch", body, want_body=True)
            for item in found.get("responses") or []:
                if not isinstance(item, dict) or not str(item.get("id", "")).isdigit():
                    continue
                index = int(item["id"])
                status = int(item.get("status") or 0)
                inner = item.get("body")
                headers = CIMultiDict(
                    {str(k): str(v) for k, v in (item.get("headers") or {}).items()}
                )
                answers[index] = BatchAnswer(
                    status,
                    inner if isinstance(inner, dict) else {},
                    retry_after_seconds(headers, utc_now()),
                )
            waiting = [i for i in waiting if i not in answers or answers[i].status in RETRIED]
            asked = max((answers[i].retry_after or 0.0 for i in waiting if i in answers), default=0)
            if not waiting or attempt == self._attempts or asked > self._max_wait:
                break
            await asyncio.sleep(asked or _backoff(attempt))
        return [answers.get(i, BatchAnswer(0, {})) for i in range(len(urls))]

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """An action or a creation that answers with a body (``checkMemberGroups``, a new
        object's 201); ``NotInGraph`` on 404."""
        return await self._send("POST", f"{self._base}{path}", body, want_body=True)

    async def patch(self, path: str, body: dict[str, Any]) -> None:
        """Update the properties in ``body`` (Graph answers 204); ``NotInGraph`` on 404."""
        await self._send("PATCH", f"{self._base}{path}", body)

    async def put(self, path: str, body: dict[str, Any]) -> None:
        """Replace a resource with ``body``; ``GraphReadError`` on refusal."""
        await self._send("PUT", f"{self._base}{path}", body)

    async def _get_url(self, url: str) -> dict[str, Any]:
        return await self._send("GET", url)

    async def _send(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | None = None,
        *,
        want_body: bool = False,
    ) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, connector=outbound_connector(CONNECTIONS)
            )
        token = await self._tokens.get_authorization_token(url)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        for attempt in range(1, self._attempts + 1):
            async with self._session.request(
                method, URL(url, encoded=True), headers=headers, json=body
            ) as response:
                read_body = method == "GET" or want_body
                if response.status == 204 or (not read_body and 200 <= response.status < 300):
                    return {}
                if response.status in (200, 201):
                    found = await response.json(content_type=None)
                    return found if isinstance(found, dict) else {}
                if response.status == 404:
                    raise NotInGraph(url)
                asked = retry_after_seconds(response.headers, utc_now())
                if (
                    response.status not in RETRIED
                    or attempt == self._attempts
                    or (asked is not None and asked > self._max_wait)
                ):
                    # Not retried, retried enough, or Graph asks for a longer pause than one
                    # request may wait: the caller's own schedule retries later.
                    raise GraphReadError(response.status, *await _error(response))
                wait = asked if asked is not None else _backoff(attempt)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises


def _backoff(attempt: int) -> float:
    return 0.5 * 2.0**attempt + random.random() / 2  # noqa: S311 - jitter, not security


async def _error(response: aiohttp.ClientResponse) -> tuple[str, str]:
    """Graph's error message and code, or the HTTP reason when the body has none."""
    try:
        body = await response.json(content_type=None)
        error = body["error"]
        return str(error.get("message", "")), str(error.get("code", ""))
    except (ValueError, KeyError, TypeError, AttributeError, aiohttp.ContentTypeError):
        return response.reason or "", ""
