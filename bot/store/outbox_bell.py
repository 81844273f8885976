"""The outbox's bell: a commit that queued messages wakes delivery, whoever queued them.

Every service that writes outbox rows used to wake the delivery worker by
hand after its commit; one forgotten call meant a message waiting for the
timer, and a call after a rolled-back transaction woke it for nothing. Now
``outbox.enqueue`` (and a retry of failed rows) marks the session, and the
session class of the store's session factory rings the bell after the
transaction commits, never after a rollback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

_QUEUED = "outbox_queued"


def mark_queued(session: AsyncSession) -> None:
    """This transaction queued outbox rows: ring the bell once it commits."""
    session.info[_QUEUED] = True


class OutboxBell:
    """Calls its listeners after each commit of a transaction that queued outbox rows."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def connect(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def session_class(self) -> type[Session]:
        """A session class whose commits ring this bell (one class per bell)."""

        class RingingSession(Session):
            pass

        @event.listens_for(RingingSession, "after_commit")
        def _committed(session: Session) -> None:
            if session.info.pop(_QUEUED, False):
                self._ring()

        @event.listens_for(RingingSession, "after_rollback")
        def _rolled_back(session: Session) -> None:
            session.info.pop(_QUEUED, None)

        return RingingSession

    def _ring(self) -> None:
        for listener in self._listeners:
            try:
                listener()
            except Exception:
                logger.exception("an outbox listener failed; delivery's timer still runs")


def ringing(bell: OutboxBell | None) -> dict[str, Any]:
    """Keyword arguments for ``async_sessionmaker`` so its sessions ring ``bell``."""
    return {} if bell is None else {"sync_session_class": bell.session_class()}
