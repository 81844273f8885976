from __future__ import annotations

from bot.infra.ttl_cache import TtlCache
from tests.conftest import ManualClock


def test_value_expires_by_the_injected_clock() -> None:
    clock = ManualClock()
    cache = TtlCache[int](60, clock)
    assert cache.get() is None
    cache.put(7)
    clock.advance(seconds=59)
    assert cache.get() == 7
    clock.advance(seconds=1)
    assert cache.get() is None
