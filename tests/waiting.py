"""Waiting in a test for something another task or process makes true, with a bound."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(
    condition: Callable[[], object], what: str, *, tries: int = 400, every: float = 0.01
) -> None:
    """Return once ``condition()`` is true; fail naming ``what`` after ``tries`` looks.

    The bound is far above how long the awaited thing takes and far below a hung
    test; it is a guard, not a timing the test asserts.
    """
    for _ in range(tries):
        if condition():
            return
        await asyncio.sleep(every)
    raise AssertionError(f"never happened: {what}")
