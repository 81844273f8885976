"""A one-value cache with a time to live, driven by an injectable clock."""

from __future__ import annotations

from collections.abc import Callable
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

    def get(self) -> T | None:
        if self._stored_at is None or self._clock() - self._stored_at >= self._ttl:
            return None
        return self._value

    def put(self, value: T) -> T:
        self._value = value
        self._stored_at = self._clock()
        return value

    def clear(self) -> None:
        self._value = None
        self._stored_at = None
