"""Who acted, as the directory names them: display names by Entra object id.

An activity's ``from.name`` is whatever the sender's client, or someone
forging an activity, wrote there; only ``from.aadObjectId`` is vouched for by
the channel. Names written to the audit trail and shown on decided cards are
therefore read from the directory (``GET /users/{id}?$select=displayName``,
``User.ReadBasic.All``) and kept for a minute: a rename shows soon, and a
reviewer working through a queue of cards costs one read, not one per click.
A lookup that fails is not kept, so the next turn asks again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp

from bot.graph.json_reads import GraphJson, GraphReadError, NotInGraph
from domain.object_ids import is_object_id

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 60.0
"""A rename shows within a minute; a reviewer clicking through a queue costs one read."""
DEFAULT_CAPACITY = 10_000
"""Names kept at most; the least recently used go first (memory stays flat in big tenants)."""


class DirectoryNames:
    """Display names of users by object id, cached with a time to live and a size bound."""

    def __init__(
        self,
        graph: GraphJson,
        clock: Callable[[], datetime],
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self._graph = graph
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._capacity = capacity
        self._known: OrderedDict[str, tuple[str | None, datetime]] = OrderedDict()
        self._reading: dict[str, asyncio.Future[str | None]] = {}

    def knows(self, object_id: str) -> bool:
        """Whether ``name_of`` would answer without a Graph read."""
        return not is_object_id(object_id) or self._fresh(object_id.lower()) is not None

    def _fresh(self, key: str) -> tuple[str | None, datetime] | None:
        """What is kept for ``key`` while it is younger than the time to live."""
        kept = self._known.get(key)
        return kept if kept is not None and self._clock() - kept[1] < self._ttl else None

    async def name_of(self, object_id: str) -> str | None:
        """The user's display name; None when the directory has no such user or cannot say."""
        if not is_object_id(object_id):
            return None
        key = object_id.lower()
        kept = self._fresh(key)
        if kept is not None:
            self._known.move_to_end(key)
            return kept[0]
        reading = self._reading.get(key)
        if reading is None:  # one Graph read per user, however many turns wait for it
            reading = asyncio.ensure_future(self._read_and_keep(key))
            self._reading[key] = reading
            reading.add_done_callback(lambda _done: self._reading.pop(key, None))
        return await asyncio.shield(reading)

    async def _read_and_keep(self, key: str) -> str | None:
        name, keep = await self._read(key)
        if keep:
            self._keep(key, name)
        return name

    async def _read(self, object_id: str) -> tuple[str | None, bool]:
        """The name and whether to keep it (absence is kept too; a failure is not)."""
        try:
            found = await self._graph.get(f"/users/{object_id}", {"$select": "id,displayName"})
        except NotInGraph:
            return None, True
        except (GraphReadError, aiohttp.ClientError, TimeoutError) as error:
            logger.warning(
                "cannot read the name of user %s from the directory: %s", object_id, error
            )
            return None, False
        name = found.get("displayName")
        return (name.strip() or None if isinstance(name, str) else None), True

    def _keep(self, key: str, name: str | None) -> None:
        self._known[key] = (name, self._clock())
        self._known.move_to_end(key)
        while len(self._known) > self._capacity:
            self._known.popitem(last=False)
