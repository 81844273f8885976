"""One destination's reminder settings: its own cadence, business hours and escalation.

Every field is optional; an unset field keeps the bot's global setting
(``REMINDER_FIRST_AFTER_HOURS``, ``BUSINESS_TIMEZONE``...), so an empty set of
overrides, stored as ``{}``, means "as everywhere else". Values arrive as
text, the way an Adaptive Card form submits them, and are checked with the
same rules as the global settings: the numeric limits declared on
``config.settings.Settings`` and the day, hour and time zone parsing of
``domain.business_hours``. A form with any bad field is refused as a whole,
with one message per field, and nothing is saved.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Final
from zoneinfo import available_timezones

from pydantic import TypeAdapter, ValidationError

from bot.store.tables import DestinationRow
from config.settings import Settings
from domain.business_hours import BusinessHours, check_timezone, parse_days, parse_hours
from domain.i18n import Messages
from domain.reminder_cadence import FIELDS, Cadence, ReminderOverrides, cadence_for

logger = logging.getLogger(__name__)

# Each numeric override obeys the limits declared on its global setting, and
# its error message is chosen by the kind of number it is.
_GLOBAL_SETTING: Final = {
    "first_after_hours": ("reminder_first_after_hours", "reminder_settings.error.hours"),
    "every_hours": ("reminder_every_hours", "reminder_settings.error.hours"),
    "escalate_after_reminders": ("escalate_after_reminders", "reminder_settings.error.count"),
    "escalate_before_expiry_hours": (
        "escalate_before_expiry_hours",
        "reminder_settings.error.hours_or_zero",
    ),
}


def parse_overrides(
    data: Mapping[str, object],
    messages: Messages,
    *,
    destination_ids: Collection[int] | None = None,
    own_id: int | None = None,
) -> ReminderOverrides | dict[str, str]:
    """Check a submitted form: the overrides, or ``{field: message}`` for every bad field.

    ``data`` maps override names (``FIELDS``) to text; other keys are ignored
    (a card submits all its inputs) and an empty or missing value means "use
    the global setting". With ``destination_ids`` the escalation target must
    be one of them, and it may never be ``own_id``. Each message starts with
    the field's label in ``messages``' language.
    """
    values: dict[str, object] = {}
    errors: dict[str, str] = {}

    def fail(name: str, key: str, **params: object) -> None:
        label = messages.t(f"reminder_settings.field.{name}")
        errors[name] = messages.t(key, field=label, **params)

    for name in FIELDS:
        text = _text(data.get(name))
        if text is None:
            fail(name, _error_key(name), most=_most(name))
            continue
        if not text:
            continue
        try:
            values[name] = _parse_field(name, text)
        except ValueError:
            fail(name, _error_key(name), most=_most(name))
            continue
        if name == "escalation_destination_id":
            target = values[name]
            if own_id is not None and target == own_id:
                fail(name, "reminder_settings.error.destination_self")
            elif destination_ids is not None and target not in destination_ids:
                fail(name, "reminder_settings.error.destination")
    if errors:
        return errors
    return ReminderOverrides(**values)  # type: ignore[arg-type]


def overrides_from_json(data: object) -> ReminderOverrides:
    """Read the stored column back; ValueError if it is not a valid set of overrides."""
    if not isinstance(data, Mapping):
        raise ValueError(f"reminder settings must be an object, got {type(data).__name__}")
    unknown = sorted(str(key) for key in data if key not in FIELDS)
    if unknown:
        raise ValueError(f"unknown reminder settings: {', '.join(unknown)}")
    parsed = parse_overrides(data, Messages("en"))
    if isinstance(parsed, dict):
        raise ValueError("; ".join(parsed.values()))
    return parsed


class DestinationCadences:
    """The global cadence as each destination follows it, its stored overrides applied."""

    def __init__(self, cadence: Cadence) -> None:
        self._cadence = cadence

    def of(self, destination: DestinationRow) -> Cadence:
        return cadence_for(self._cadence, stored_overrides(destination.reminder_settings))

    def first_due(self, posted_at: datetime, destination: DestinationRow) -> datetime:
        """When the first reminder of a card just posted to ``destination`` is due."""
        return self.of(destination).first_due(posted_at)

    def snoozed_until(self, now: datetime, destination: DestinationRow) -> datetime:
        """The next opening, on a later local day, in ``destination``'s business hours."""
        return self.of(destination).snoozed_until(now)


def stored_overrides(data: object) -> ReminderOverrides:
    """The overrides in a stored column; a column that no longer validates counts as empty.

    Only this module writes the column, so that means a hand-edited row: it is
    logged and the destination follows the global settings rather than stop.
    """
    if not data:
        return ReminderOverrides()
    try:
        return overrides_from_json(data)
    except ValueError as error:
        logger.warning("ignoring invalid stored reminder settings %r: %s", data, error)
        return ReminderOverrides()


def _text(value: object) -> str | None:
    """The submitted text, stripped; "" when absent; None when it cannot be text at all."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float):
        return str(value)
    return None


def _parse_field(name: str, text: str) -> object:
    if name in _GLOBAL_SETTING:
        if "," in text and "." not in text:
            text = text.replace(",", ".")  # "1,5" as typed with a French keyboard
        try:
            return _number_adapter(name).validate_python(text)
        except ValidationError as error:
            raise ValueError(str(error)) from None
    if name == "business_days":
        parse_days(text)
        return text.lower().replace(" ", "")
    if name == "business_hours":
        span = parse_hours(text)
        BusinessHours(start=span["start"], end=span["end"])  # they must start before they end
        return text.replace(" ", "")
    if name == "timezone":
        return _timezone(text)
    if name == "escalation_destination_id":
        if not text.isdigit() or len(text) > 12 or int(text) < 1:
            raise ValueError(f"not a destination id: {text!r}")
        return int(text)
    raise AssertionError(name)


def _timezone(text: str) -> str:
    """The IANA name, accepting any capitalisation (``europe/paris``)."""
    try:
        return check_timezone(text)
    except ValueError:
        lowered = text.lower()
        for name in _zone_names():
            if name.lower() == lowered:
                return name
        raise


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _number_adapter(name: str) -> TypeAdapter[Any]:
    """Validates like the global setting behind ``name``: same type, same declared limits."""
    info = Settings.model_fields[_GLOBAL_SETTING[name][0]]
    return TypeAdapter(Annotated[info.annotation, *info.metadata])  # type: ignore[arg-type]


def _error_key(name: str) -> str:
    if name in _GLOBAL_SETTING:
        return _GLOBAL_SETTING[name][1]
    if name == "business_hours":
        return "reminder_settings.error.business_hours"
    if name == "business_days":
        return "reminder_settings.error.days"
    if name == "escalation_destination_id":
        return "reminder_settings.error.destination"
    return f"reminder_settings.error.{name}"


def _most(name: str) -> object:
    """The declared upper bound of a numeric override, for its message."""
    if name not in _GLOBAL_SETTING:
        return ""
    for constraint in Settings.model_fields[_GLOBAL_SETTING[name][0]].metadata:
        most = getattr(constraint, "le", None)
        if most is not None:
            return most
    return ""
