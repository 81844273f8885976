"""Following ``@odata.nextLink`` until Graph has no more pages."""

from __future__ import annotations

from typing import Any


async def all_items(builder: Any, page: Any) -> list[Any]:
    """Every item of a collection, starting from its first ``page``."""
    items: list[Any] = []
    while page is not None:
        items.extend(page.value or [])
        next_link = page.odata_next_link
        page = await builder.with_url(next_link).get() if next_link else None
    return items
