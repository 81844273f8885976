"""A destination's reminder overrides: every field checked, named in its error, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from bot.review.reminder_settings import overrides_from_json, parse_overrides, stored_overrides
from config.settings import MAX_ESCALATE_AFTER_REMINDERS, MAX_REMINDER_HOURS
from domain.business_hours import BusinessHours
from domain.i18n import Messages
from domain.reminder_cadence import FIELDS, Cadence, ReminderOverrides, cadence_for
from tests.settings import settings_of

EN = Messages("en")
GLOBAL = Cadence(BusinessHours(), first_after=timedelta(hours=24), every=timedelta(hours=24))

FULL_FORM = {
    "first_after_hours": "2",
    "every_hours": "4.5",
    "business_days": "Sun-Thu",
    "business_hours": "08:30 - 18:00",
    "timezone": "Asia/Tokyo",
    "escalate_after_reminders": "2",
    "escalate_before_expiry_hours": "0",
    "escalation_destination_id": "7",
}


def test_an_empty_form_means_the_global_settings() -> None:
    overrides = parse_overrides({}, EN)
    assert overrides == ReminderOverrides()
    assert isinstance(overrides, ReminderOverrides)
    assert overrides.is_empty
    assert overrides.to_json() == {}
    blank = parse_overrides(dict.fromkeys(FIELDS, "  "), EN)
    assert blank == ReminderOverrides()


def test_a_full_form_is_parsed_and_normalised() -> None:
    overrides = parse_overrides(FULL_FORM, EN, destination_ids={3, 7}, own_id=3)
    assert overrides == ReminderOverrides(
        first_after_hours=2.0,
        every_hours=4.5,
        business_days="sun-thu",
        business_hours="08:30-18:00",
        timezone="Asia/Tokyo",
        escalate_after_reminders=2,
        escalate_before_expiry_hours=0.0,
        escalation_destination_id=7,
    )


def test_other_inputs_of_the_card_are_ignored() -> None:
    overrides = parse_overrides({"settings_role": "review", "every_hours": "6"}, EN)
    assert overrides == ReminderOverrides(every_hours=6.0)


def test_json_round_trip_keeps_only_what_is_set() -> None:
    overrides = parse_overrides(FULL_FORM, EN)
    assert isinstance(overrides, ReminderOverrides)
    stored = overrides.to_json()
    assert set(stored) == set(FIELDS)
    assert overrides_from_json(stored) == overrides
    partial = ReminderOverrides(timezone="Europe/Paris", escalation_destination_id=4)
    assert partial.to_json() == {"timezone": "Europe/Paris", "escalation_destination_id": 4}
    assert overrides_from_json(partial.to_json()) == partial
    assert overrides_from_json({}) == ReminderOverrides()


@pytest.mark.parametrize(
    "stored",
    [
        {"every_hours": -1},
        {"timezone": "Mars/Olympus"},
        {"business_days": "someday"},
        {"colour": "blue"},
        {"escalation_destination_id": "three"},
        ["every_hours"],
    ],
)
def test_a_stored_value_that_no_longer_validates_is_refused_or_ignored(
    stored: object, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        overrides_from_json(stored)
    assert stored_overrides(stored) == ReminderOverrides()
    assert "ignoring invalid stored reminder settings" in caplog.text


def test_french_decimal_commas_and_any_zone_capitalisation_are_understood() -> None:
    overrides = parse_overrides({"every_hours": "1,5", "timezone": "europe/paris"}, EN)
    assert overrides == ReminderOverrides(every_hours=1.5, timezone="Europe/Paris")


BAD_VALUES = [
    ("first_after_hours", "0"),
    ("first_after_hours", "-3"),
    ("first_after_hours", "soon"),
    ("first_after_hours", "inf"),
    ("first_after_hours", "nan"),
    ("first_after_hours", str(MAX_REMINDER_HOURS + 1)),
    ("every_hours", "0"),
    ("every_hours", "1e400"),
    ("every_hours", "24h"),
    ("business_days", "weekdays"),
    ("business_days", "Mon-Funday"),
    ("business_days", ","),
    ("business_hours", "9 to 5"),
    ("business_hours", "17:00-09:00"),
    ("business_hours", "25:00-26:00"),
    ("business_hours", "09:00-09:00"),
    ("timezone", "Paris"),
    ("timezone", "Mars/Olympus"),
    ("timezone", "../../etc/passwd"),
    ("escalate_after_reminders", "0"),
    ("escalate_after_reminders", "2.5"),
    ("escalate_after_reminders", str(MAX_ESCALATE_AFTER_REMINDERS + 1)),
    ("escalate_after_reminders", "three"),
    ("escalate_before_expiry_hours", "-1"),
    ("escalate_before_expiry_hours", str(MAX_REMINDER_HOURS + 0.5)),
    ("escalation_destination_id", "General"),
    ("escalation_destination_id", "-2"),
    ("escalation_destination_id", "0"),
    ("escalation_destination_id", "99"),  # not one of the destinations
    ("escalation_destination_id", "3"),  # this destination itself
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
@pytest.mark.parametrize("language", ["en", "fr", "ja"])
def test_each_bad_value_is_refused_with_a_message_naming_its_field(
    field: str, value: str, language: str
) -> None:
    messages = Messages(language)
    form = {**FULL_FORM, field: value}
    errors = parse_overrides(form, messages, destination_ids={3, 7, 8}, own_id=3)
    assert isinstance(errors, dict)
    assert list(errors) == [field]
    label = messages.t(f"reminder_settings.field.{field}")
    assert errors[field].startswith(label)
    assert len(errors[field]) > len(label) + 10


def test_numeric_limits_are_the_global_settings_own() -> None:
    for field, setting, value in [
        ("every_hours", "reminder_every_hours", MAX_REMINDER_HOURS + 1),
        ("escalate_after_reminders", "escalate_after_reminders", 0),
        ("escalate_before_expiry_hours", "escalate_before_expiry_hours", -1),
    ]:
        assert isinstance(parse_overrides({field: str(value)}, EN), dict)
        with pytest.raises(ValidationError, match=setting):
            settings_of(**{setting: value})
    edge = parse_overrides({"every_hours": str(MAX_REMINDER_HOURS)}, EN)
    assert edge == ReminderOverrides(every_hours=float(MAX_REMINDER_HOURS))
    message = parse_overrides({"every_hours": "0"}, EN)
    assert message == {
        "every_hours": "Then remind every (hours): enter a number of hours above 0 and at most "
        f"{MAX_REMINDER_HOURS}, or leave it empty to use the bot's setting."
    }


def test_every_bad_field_is_reported_at_once() -> None:
    bad = {
        "first_after_hours": "x",
        "every_hours": "x",
        "business_days": "x",
        "business_hours": "x",
        "timezone": "x",
        "escalate_after_reminders": "x",
        "escalate_before_expiry_hours": "x",
        "escalation_destination_id": "x",
    }
    errors = parse_overrides(bad, EN)
    assert isinstance(errors, dict)
    assert list(errors) == list(FIELDS)


def test_values_that_are_not_text_are_refused() -> None:
    errors = parse_overrides({"every_hours": ["4"], "timezone": True}, EN)
    assert isinstance(errors, dict)
    assert set(errors) == {"every_hours", "timezone"}


def test_without_overrides_the_global_cadence_is_used_as_is() -> None:
    assert cadence_for(GLOBAL, ReminderOverrides()) is GLOBAL


def test_a_time_zone_alone_keeps_the_global_days_and_hours() -> None:
    cadence = cadence_for(GLOBAL, ReminderOverrides(timezone="Asia/Tokyo"))
    assert cadence.hours == BusinessHours(timezone="Asia/Tokyo")
    assert cadence.first_after == GLOBAL.first_after
    # Monday 09:00 UTC is 18:00 in Tokyo: closed until Tuesday 09:00 there (00:00 UTC).
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert cadence.first_due(monday - timedelta(hours=24)) == datetime(
        2026, 11, 24, 0, 0, tzinfo=UTC
    )


def test_every_override_reaches_the_cadence() -> None:
    overrides = parse_overrides(FULL_FORM, EN)
    assert isinstance(overrides, ReminderOverrides)
    cadence = cadence_for(GLOBAL, overrides)
    assert cadence.hours == BusinessHours(
        timezone="Asia/Tokyo",
        days=frozenset({6, 0, 1, 2, 3}),
        start=time(8, 30),
        end=time(18, 0),
    )
    assert cadence.first_after == timedelta(hours=2)
    assert cadence.every == timedelta(hours=4, minutes=30)
    assert cadence.escalate_after == 2
    assert cadence.escalate_before_expiry == timedelta(0)
    assert GLOBAL.escalate_after == 3  # the global cadence is untouched
    hours_only = cadence_for(GLOBAL, ReminderOverrides(business_hours="07:00-12:00"))
    assert (hours_only.hours.start, hours_only.hours.end) == (time(7, 0), time(12, 0))
    assert hours_only.hours.timezone == "UTC"
    assert hours_only.hours.days == GLOBAL.hours.days
