"""Business hours: weekends, evenings, time zones and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from domain.business_hours import BusinessHours

DEFAULT = BusinessHours()


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_inside_hours_is_now() -> None:
    monday_ten = utc(2026, 11, 23, 10, 0)
    assert DEFAULT.is_open(monday_ten)
    assert DEFAULT.next_open(monday_ten) == monday_ten


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc(2026, 11, 23, 8, 59), utc(2026, 11, 23, 9, 0)),  # Monday before opening
        (utc(2026, 11, 23, 17, 0), utc(2026, 11, 24, 9, 0)),  # closing time is closed
        (utc(2026, 11, 27, 18, 30), utc(2026, 11, 30, 9, 0)),  # Friday evening -> Monday
        (utc(2026, 11, 28, 12, 0), utc(2026, 11, 30, 9, 0)),  # Saturday -> Monday
        (utc(2026, 11, 29, 23, 59), utc(2026, 11, 30, 9, 0)),  # Sunday night -> Monday
    ],
)
def test_outside_hours_waits_for_the_next_opening(moment: datetime, expected: datetime) -> None:
    assert not DEFAULT.is_open(moment)
    assert DEFAULT.next_open(moment) == expected


def test_time_zone_moves_the_opening() -> None:
    tokyo = BusinessHours.parse("Mon-Fri", "09:00-17:00", "Asia/Tokyo")
    # Friday 09:00 UTC is Friday 18:00 in Tokyo: closed until Monday 09:00 JST (00:00 UTC).
    assert tokyo.next_open(utc(2026, 11, 27, 9, 0)) == utc(2026, 11, 30, 0, 0)


def test_daylight_saving_change_keeps_local_opening() -> None:
    paris = BusinessHours.parse("Mon-Fri", "09:00-17:00", "Europe/Paris")
    # Clocks go back on Sunday 25 Oct 2026: Friday opening is 07:00 UTC, Monday's 08:00 UTC.
    assert paris.next_open(utc(2026, 10, 23, 6, 0)) == utc(2026, 10, 23, 7, 0)
    assert paris.next_open(utc(2026, 10, 24, 12, 0)) == utc(2026, 10, 26, 8, 0)


def test_parsing_accepts_lists_and_ranges() -> None:
    hours = BusinessHours.parse("Sun-Thu", "08:30-16:00", "Asia/Jerusalem")
    assert hours.days == frozenset({6, 0, 1, 2, 3})
    assert (hours.start, hours.end) == (time(8, 30), time(16, 0))
    assert BusinessHours.parse("mon, wed,fri", "9:00-17:00", "UTC").days == frozenset({0, 2, 4})


@pytest.mark.parametrize(
    ("days", "hours", "zone", "message"),
    [
        ("Funday", "09:00-17:00", "UTC", "business days"),
        ("Mon-Fri", "9-5", "UTC", "09:00-17:00"),
        ("Mon-Fri", "17:00-09:00", "UTC", "start before"),
        ("Mon-Fri", "09:00-17:00", "Mars/Olympus", "time zone"),
        ("", "09:00-17:00", "UTC", "at least one"),
    ],
)
def test_bad_settings_are_refused_clearly(days: str, hours: str, zone: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessHours.parse(days, hours, zone)
