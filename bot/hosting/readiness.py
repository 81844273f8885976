"""What ``/readyz`` asks: can the bot reach its store and Microsoft Graph right now?

Load balancers and orchestrators probe every few seconds from several places,
so the Graph probe is one tiny read with a short timeout, and its answer is
reused for a few seconds: probes never add noticeable load on Graph or count
against its throttling. The store probe is a ``SELECT 1`` on the pool.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import aiohttp
from kiota_abstractions.authentication import AccessTokenProvider
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.infra.outbound_tls import outbound_connector

logger = logging.getLogger(__name__)

PROBE_PATH = "/v1.0/identityGovernance/appConsent/appConsentRequests?$top=1&$select=id"
"""Readable with the permission intake needs anyway; at most one small item."""


class GraphProbe:
    """Whether Graph answers the bot's own token, cached for ``cache_seconds``."""

    def __init__(
        self,
        graph_base_url: str,
        tokens: AccessTokenProvider,
        *,
        timeout_seconds: float = 3.0,
        cache_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = f"{graph_base_url.rstrip('/')}{PROBE_PATH}"
        self._tokens = tokens
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._checked_at: float | None = None
        self._reachable = False
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    async def reachable(self) -> bool:
        async with self._lock:  # concurrent probes share one Graph call
            now = self._monotonic()
            if self._checked_at is None or now - self._checked_at >= self._cache_seconds:
                self._reachable = await self._probe()
                self._checked_at = self._monotonic()
            return self._reachable

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _probe(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout.total):
                token = await self._tokens.get_authorization_token(self._url)
                if self._session is None:
                    self._session = aiohttp.ClientSession(
                        timeout=self._timeout, connector=outbound_connector()
                    )
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                async with self._session.get(self._url, headers=headers) as response:
                    if response.status == 200:
                        return True
                    logger.warning(
                        "Graph not ready: HTTP %s on the readiness probe", response.status
                    )
                    return False
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            logger.warning("Graph not reachable: %s", type(error).__name__)
        except Exception:
            logger.warning("Graph not reachable: the token could not be obtained", exc_info=True)
        return False


async def store_reachable(engine: AsyncEngine, *, timeout_seconds: float = 3.0) -> bool:
    try:
        async with asyncio.timeout(timeout_seconds), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        logger.warning("store not reachable", exc_info=True)
        return False
    return True
