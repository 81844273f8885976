"""Time for the sandbox tenant: one injectable clock and Graph's date format.

Every date the tenant hands out (request creation, expiry, publisher
verification) is computed from the tenant's clock, so a test can move time
forward and watch requests expire without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, timezone-aware, as Graph reports it (UTC)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat naive datetimes as UTC, so callers may pass either kind."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def graph_time(value: datetime | None) -> str | None:
    """Format like Graph (``2024-05-01T09:30:00Z``), keeping sub-second parts if any."""
    if value is None:
        return None
    value = as_utc(value)
    spec = "microseconds" if value.microsecond else "seconds"
    return value.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def error_date(value: datetime) -> str:
    """The ``innerError.date`` form, which Graph writes without a zone suffix."""
    return as_utc(value).replace(tzinfo=None, microsecond=0).isoformat()
