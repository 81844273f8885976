"""Business hours in a time zone: when reminders may go out.

Reminders wait for the next moment the reviewers are at work: a due time on a
Saturday night becomes Monday 09:00 in the configured zone. Times go in and
come out as aware datetimes; zone rules (daylight saving included) come from
the IANA database through ``zoneinfo``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Open from ``start`` to ``end`` (local time) on ``days`` (Monday is 0)."""

    timezone: str = "UTC"
    days: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))
    start: time = time(9, 0)
    end: time = time(17, 0)

    def __post_init__(self) -> None:
        check_timezone(self.timezone)
        if not self.days:
            raise ValueError("at least one business day is needed")
        if self.start >= self.end:
            raise ValueError("business hours must start before they end")

    @classmethod
    def parse(cls, days: str, hours: str, timezone: str) -> BusinessHours:
        """From settings text like ``Mon-Fri``, ``09:00-17:00``, ``Europe/Paris``."""
        return cls(timezone=timezone.strip(), days=parse_days(days), **parse_hours(hours))

    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self._zone())
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def next_open(self, moment: datetime) -> datetime:
        """``moment`` if reviewers are at work then, else when they next start (in UTC)."""
        if self.is_open(moment):
            return moment.astimezone(UTC)
        zone = self._zone()
        local = moment.astimezone(zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            opening = datetime.combine(day, self.start, tzinfo=zone)
            if opening > local:
                return opening.astimezone(UTC)
        raise AssertionError("a business day comes within a week")  # days is never empty


def check_timezone(name: str) -> str:
    """``name`` if the IANA database knows it, else ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error
    return name


def parse_days(text: str) -> frozenset[int]:
    """Weekdays (Monday is 0) from text like ``Mon-Fri``, ``Sun-Thu`` or ``Mon,Wed,Fri``."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        try:
            a = _DAY_NAMES.index(first[:3])
            b = _DAY_NAMES.index(last[:3]) if last else a
        except ValueError:
            raise ValueError(f"business days must look like Mon-Fri or Mon,Wed: {text!r}") from None
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    if not days:
        raise ValueError("at least one business day is needed")
    return frozenset(days)


def parse_hours(text: str) -> dict[str, time]:
    """``start`` and ``end`` from text like ``09:00-17:00`` (``24:00`` ends at midnight)."""
    match = _HOURS.match(text)
    if not match:
        raise ValueError(f"business hours must look like 09:00-17:00: {text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if not (0 <= h1 < 24 and 0 <= m1 < 60 and 0 <= h2 <= 24 and 0 <= m2 < 60):
        raise ValueError(f"business hours are not valid times: {text!r}")
    end = time(23, 59, 59) if h2 == 24 else time(h2, m2)
    return {"start": time(h1, m1), "end": end}
