"""Reading ``Retry-After``, the one header every throttling service here speaks.

Microsoft Graph and the Bot Connector both send it on 429 and 503, as a number
of seconds; RFC 9110 also allows an HTTP date. One reader serves both, so the
two never disagree about what a header means.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_after_seconds(headers: object, now: datetime) -> float | None:
    """``Retry-After`` as seconds (never negative), from a number or an HTTP date; else None."""
    value = getattr(headers, "get", lambda _key: None)("Retry-After")
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
