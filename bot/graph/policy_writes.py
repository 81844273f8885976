"""The one write to the admin consent request workflow: ``PUT /policies/adminConsentRequestPolicy``.

Graph updates this policy with PUT only; the SDK's generated PATCH fails
(graph-contract section 3), so the body goes out as plain JSON over aiohttp
with the same bearer tokens as every other call. Throttling is honoured the
way ``bot.graph.json_reads`` honours it: 429/503/504 are retried after
``Retry-After`` (bounded), then reported. Any other refusal carries Graph's
own message, so an admin reads what Entra objected to.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from kiota_abstractions.authentication import AccessTokenProvider

from bot.graph.json_reads import RETRIED, _message, _retry_after

REQUEST_POLICY_PATH = "/policies/adminConsentRequestPolicy"


class PolicyWriteError(RuntimeError):
    """Graph refused the policy, or kept throttling past the retries."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"Graph answered {status}: {message}")
        self.status = status
        self.graph_message = message


class PolicyWrites:
    """PUTs the admin consent request policy."""

    def __init__(
        self,
        graph_base_url: str,
        tokens: AccessTokenProvider,
        *,
        attempts: int = 3,
        max_wait_seconds: float = 10.0,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._url = f"{graph_base_url.rstrip('/')}/v1.0{REQUEST_POLICY_PATH}"
        self._tokens = tokens
        self._attempts = attempts
        self._max_wait = max_wait_seconds
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def replace_request_policy(self, body: dict[str, Any]) -> None:
        """Replace the whole policy with ``body`` (Graph answers 204 No Content)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        token = await self._tokens.get_authorization_token(self._url)
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        for attempt in range(1, self._attempts + 1):
            async with self._session.put(self._url, json=body, headers=headers) as response:
                if 200 <= response.status < 300:
                    return
                if response.status not in RETRIED or attempt == self._attempts:
                    raise PolicyWriteError(response.status, await _message(response))
                wait = _retry_after(response.headers.get("Retry-After"), attempt)
            await asyncio.sleep(min(wait, self._max_wait))
        raise AssertionError("unreachable")  # the loop returns or raises
