"""A one-value cache with a time to live, driven by an injectable clock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")


class TtlCache(Generic[T]):
    """Holds one value until it is older than ``ttl_seconds`` by the given clock."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], datetime]) -> None:
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock = clock
        self._value: T | None = None
        self._stored_at: datetime | None = None
        self._loading = asyncio.Lock()

    def get(self) -> T | None:
        if self._stored_at is None or self._clock() - self._stored_at >= self._ttl:
            return None
        return self._value

    def put(self, value: T) -> T:
        self._value = value
        self._stored_at = self._clock()
        return value

    async def get_or_load(self, load: Callable[[], Awaitable[T]]) -> T:
        """The cached value, or ``load()``'s; concurrent callers share one load.

        Fifty users asking at once after the value expired cost one Graph
        call, not fifty.
        """
        cached = self.get()
        if cached is not None:
            return cached
        async with self._loading:
            cached = self.get()
            if cached is not None:
                return cached
            return self.put(await load())

    def clear(self) -> None:
        self._value = None
        self._stored_at = None
