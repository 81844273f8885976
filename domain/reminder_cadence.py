"""When reminders go out and when a waiting request escalates, globally and per destination.

``Cadence`` is the global rhythm (``REMINDER_FIRST_AFTER_HOURS``,
``BUSINESS_TIMEZONE``...); ``ReminderOverrides`` are one destination's
departures from it, every field optional, an unset field keeping the global
setting; ``cadence_for`` applies them. Checking what an admin typed is the
review workflow's job (``bot.review.reminder_settings``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from domain.business_hours import BusinessHours, parse_days, parse_hours

FIELDS: Final = (
    "first_after_hours",
    "every_hours",
    "business_days",
    "business_hours",
    "timezone",
    "escalate_after_reminders",
    "escalate_before_expiry_hours",
    "escalation_destination_id",
)
"""The override names, in form order; also the keys of ``to_json()`` and of the errors."""


@dataclass(frozen=True, slots=True)
class ReminderOverrides:
    """A destination's departures from the global reminder settings (None: the global one)."""

    first_after_hours: float | None = None
    every_hours: float | None = None
    business_days: str | None = None
    """Like ``BUSINESS_DAYS``: ``mon-fri``, ``sun-thu``, ``mon,wed,fri``."""
    business_hours: str | None = None
    """Like ``BUSINESS_HOURS``: ``09:00-17:00``."""
    timezone: str | None = None
    """An IANA name, like ``BUSINESS_TIMEZONE``."""
    escalate_after_reminders: int | None = None
    escalate_before_expiry_hours: float | None = None
    escalation_destination_id: int | None = None
    """Where this destination's escalations go instead of every "escalate here" destination."""

    @property
    def is_empty(self) -> bool:
        return not self.to_json()

    def to_json(self) -> dict[str, Any]:
        """The value of ``DestinationRow.reminder_settings``: only the fields that are set."""
        return {name: value for name, value in asdict(self).items() if value is not None}


@dataclass(frozen=True, slots=True)
class Cadence:
    """When reminders go out and when a waiting request escalates.

    First after ``first_after``, then every ``every``, always inside business
    hours; a request escalates once ``escalate_after`` reminders went
    unanswered or less than ``escalate_before_expiry`` is left.
    """

    hours: BusinessHours
    first_after: timedelta = timedelta(hours=24)
    every: timedelta = timedelta(hours=24)
    escalate_after: int = 3
    escalate_before_expiry: timedelta = timedelta(hours=24)

    def snoozed_until(self, now: datetime) -> datetime:
        """The next business opening on a later local day than ``now``."""
        local = now.astimezone(ZoneInfo(self.hours.timezone))
        tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0, 0), local.tzinfo)
        return self.hours.next_open(tomorrow)

    def escalates(self, reminders_sent: int, left: timedelta | None) -> bool:
        if reminders_sent >= self.escalate_after:
            return True
        return left is not None and left <= self.escalate_before_expiry

    def first_due(self, posted_at: datetime) -> datetime:
        return self.hours.next_open(posted_at + self.first_after)

    def next_due(self, sent_at: datetime) -> datetime:
        return self.hours.next_open(sent_at + self.every)


def cadence_for(global_cadence: Cadence, overrides: ReminderOverrides) -> Cadence:
    """The cadence a destination with these overrides follows; unset fields stay global."""
    if overrides.is_empty:
        return global_cadence
    hours = global_cadence.hours
    if overrides.business_days or overrides.business_hours or overrides.timezone:
        span = (
            parse_hours(overrides.business_hours)
            if overrides.business_hours
            else {"start": hours.start, "end": hours.end}
        )
        hours = BusinessHours(
            timezone=overrides.timezone or hours.timezone,
            days=parse_days(overrides.business_days) if overrides.business_days else hours.days,
            **span,
        )

    def duration(value: float | None, default: timedelta) -> timedelta:
        return default if value is None else timedelta(hours=value)

    return replace(
        global_cadence,
        hours=hours,
        first_after=duration(overrides.first_after_hours, global_cadence.first_after),
        every=duration(overrides.every_hours, global_cadence.every),
        escalate_after=(
            global_cadence.escalate_after
            if overrides.escalate_after_reminders is None
            else overrides.escalate_after_reminders
        ),
        escalate_before_expiry=duration(
            overrides.escalate_before_expiry_hours, global_cadence.escalate_before_expiry
        ),
    )
