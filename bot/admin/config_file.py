"""The configuration file (``CONFIG_FILE``): reading it and checking all of it at once.

Admins who prefer code review keep a TOML file (see
``config/consent-desk.example.toml``) with the review and escalation
destinations, the routing rules in order, the high-risk scope list and the
auto-approval allow-list. The whole file is read and checked before anything
is written: a file with any problem gives one line per problem naming the
file, the table and the field, and ``bot.admin.config_seed`` then seeds nothing.

Longer than 300 lines on purpose: the reading and the cross-checks of one
file format, so a problem is reported once, with its table and field.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.review.auto_approval import MAX_SCOPES, valid_scope_name
from bot.review.reminder_settings import parse_overrides
from config.settings import absolute_http_url
from domain.i18n import Messages
from domain.object_ids import is_object_id
from domain.reminder_cadence import FIELDS as REMINDER_FIELDS
from domain.reminder_cadence import ReminderOverrides
from domain.routing import MAX_APPROVALS, valid_pattern

ESCALATE_TO = "escalate_to"
"""In a destination's ``[reminders]``: the name of the destination its escalations go to."""
REMINDER_KEYS = (*(f for f in REMINDER_FIELDS if f != "escalation_destination_id"), ESCALATE_TO)


class ConfigFileError(ValueError):
    """The config file cannot be used; the message lists every problem, one per line."""


_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _object_id(value: str) -> str:
    if not is_object_id(value):
        raise ValueError(f"{value!r} is not an object id (a GUID)")
    return value.lower()


def _scope_name(value: str) -> str:
    if not valid_scope_name(value):
        raise ValueError(f"{value!r} is not a permission name such as Calendars.ReadWrite")
    return value


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileDestination(_Entry):
    """One ``[[destinations]]`` table."""

    name: Annotated[_Text, Field(max_length=256)]
    kind: Literal["channel", "chat", "personal"]
    role: Literal["review", "escalation"] = "review"
    conversation_id: Annotated[_Text, Field(max_length=512)]
    service_url: Annotated[_Text, Field(max_length=1024)]
    channel_id: Annotated[_Text, Field(max_length=512)] | None = None
    team_id: Annotated[_Text, Field(max_length=512)] | None = None
    tenant_id: Annotated[_Text, Field(max_length=64)] | None = None
    person_id: _Text | None = None
    reviewers: Annotated[list[_Text], Field(max_length=100)] = []
    reminders: dict[str, str | int | float] = {}
    """Checked with ``bot.review.reminder_settings.parse_overrides``, as the chat form is."""

    @field_validator("service_url")
    @classmethod
    def _url(cls, value: str) -> str:
        absolute_http_url(value)
        return value

    @field_validator("person_id")
    @classmethod
    def _person(cls, value: str | None) -> str | None:
        return None if value is None else _object_id(value)

    @field_validator("reviewers")
    @classmethod
    def _reviewers(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(_object_id(item) for item in value))

    @model_validator(mode="after")
    def _by_kind(self) -> FileDestination:
        if self.kind != "channel" and (self.channel_id or self.team_id):
            field = "channel_id" if self.channel_id else "team_id"
            raise ValueError(f'field "{field}": only for kind = "channel"')
        if self.kind != "personal" and self.person_id:
            raise ValueError('field "person_id": only for kind = "personal"')
        return self


class FileRule(_Entry):
    """One ``[[rules]]`` table; rules are tried in the order of the file."""

    kind: Literal["high_risk", "unverified", "verified", "app", "default"]
    value: _Text | None = None
    destination: _Text
    approvals_required: Annotated[int, Field(strict=True, ge=1, le=MAX_APPROVALS)] = 1

    @model_validator(mode="after")
    def _app_id(self) -> FileRule:
        if self.kind == "app":
            if self.value is None:
                raise ValueError('field "value": an "app" rule needs the app id here')
            if not is_object_id(self.value):
                raise ValueError(f'field "value": {self.value!r} is not an app id (a GUID)')
        elif self.value is not None:
            raise ValueError(f'field "value": only "app" rules have one, not "{self.kind}" rules')
        return self


class FileAutoApproval(_Entry):
    """One ``[[auto_approvals]]`` table."""

    app_id: _Text
    app_name: Annotated[_Text, Field(max_length=512)] | None = None
    max_scopes: Annotated[list[_Text], Field(min_length=1, max_length=MAX_SCOPES)]

    @field_validator("app_id")
    @classmethod
    def _app(cls, value: str) -> str:
        return _object_id(value)

    @field_validator("max_scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(_scope_name(item) for item in value))


class FileConfig(_Entry):
    """The whole file."""

    high_risk_scopes: Annotated[list[_Text], Field(max_length=500)] | None = None
    destinations: list[FileDestination] = []
    rules: list[FileRule] = []
    auto_approvals: list[FileAutoApproval] = []

    @field_validator("high_risk_scopes")
    @classmethod
    def _patterns(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for item in value:
            if not valid_pattern(item):
                raise ValueError(f"{item!r} is not a permission name or pattern such as Mail.*")
        return list(dict.fromkeys(value))


@dataclass(frozen=True, slots=True)
class SeedPlan:
    """A checked file: what to write, with each destination's reminder overrides."""

    path: Path
    digest: str
    config: FileConfig
    reminders: tuple[ReminderOverrides, ...]
    """Per destination, in file order; ``escalation_destination_id`` still unset."""
    escalate_to: tuple[str | None, ...]
    """Per destination: the name of its own escalation target, if any."""


def load_config(path: Path) -> SeedPlan:
    """Read and check the whole file; ConfigFileError lists every problem found."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigFileError(f"config file {path}: cannot be read: {error}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigFileError(f"config file {path}: not valid TOML: {error}") from None
    try:
        config = FileConfig.model_validate(data)
    except ValidationError as error:
        problems = [_problem(data, item) for item in error.errors()]
        raise _invalid(path, problems) from None
    problems, reminders, escalate_to = _cross_check(config)
    if problems:
        raise _invalid(path, problems)
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    return SeedPlan(path, digest, config, tuple(reminders), tuple(escalate_to))


def _cross_check(
    config: FileConfig,
) -> tuple[list[str], list[ReminderOverrides], list[str | None]]:
    """What one table alone cannot say: names, references, duplicates, reminder values.

    Long on purpose: each cross-check is a few lines, and one list of them is
    the easiest to compare with the file format the README documents.
    """
    problems: list[str] = []
    names: dict[str, FileDestination] = {}
    conversations: set[str] = set()
    for number, entry in enumerate(config.destinations, 1):
        where = _where("destinations", number, entry.name)
        if entry.name.casefold() in names:
            problems.append(f'{where}, field "name": another destination has this name')
        names.setdefault(entry.name.casefold(), entry)
        if entry.conversation_id in conversations:
            problems.append(
                f'{where}, field "conversation_id": another destination has this conversation'
            )
        conversations.add(entry.conversation_id)
    reminders: list[ReminderOverrides] = []
    escalate_to: list[str | None] = []
    english = Messages("en")
    for number, entry in enumerate(config.destinations, 1):
        where = _where("destinations", number, entry.name)
        for key in entry.reminders:
            if key not in REMINDER_KEYS:
                problems.append(
                    f'{where}, field "reminders.{key}": unknown setting '
                    f"(known: {', '.join(REMINDER_KEYS)})"
                )
        parsed = parse_overrides(
            {k: v for k, v in entry.reminders.items() if k != ESCALATE_TO}, english
        )
        if isinstance(parsed, dict):
            problems.extend(
                f'{where}, field "reminders.{field}": {message}'
                for field, message in parsed.items()
            )
            parsed = ReminderOverrides()
        reminders.append(parsed)
        target = entry.reminders.get(ESCALATE_TO)
        if target is None or (isinstance(target, str) and not target.strip()):
            escalate_to.append(None)
            continue
        found = names.get(target.strip().casefold()) if isinstance(target, str) else None
        if found is None:
            problems.append(
                f'{where}, field "reminders.{ESCALATE_TO}": no destination named {target!r} '
                "in this file"
            )
        elif found is entry:
            problems.append(
                f'{where}, field "reminders.{ESCALATE_TO}": escalations cannot go back to '
                "this same destination"
            )
        escalate_to.append(found.name if found is not None else None)
    defaults = 0
    for number, rule in enumerate(config.rules, 1):
        where = _where("rules", number, None)
        routed_to = names.get(rule.destination.casefold())
        if routed_to is None:
            problems.append(
                f'{where}, field "destination": no destination named {rule.destination!r} '
                "in this file"
            )
        elif routed_to.role != "review":
            problems.append(
                f'{where}, field "destination": {rule.destination!r} is an escalation '
                "destination; rules send requests to review destinations"
            )
        defaults += rule.kind == "default"
        if rule.kind == "default" and defaults > 1:
            problems.append(f'{where}, field "kind": only one "default" rule may exist')
    apps: set[str] = set()
    for number, approval in enumerate(config.auto_approvals, 1):
        if approval.app_id in apps:
            problems.append(
                f'{_where("auto_approvals", number, approval.app_name)}, field "app_id": '
                "this app is listed twice"
            )
        apps.add(approval.app_id)
    return problems, reminders, escalate_to


def _where(table: str, number: int, name: str | None) -> str:
    return f"[[{table}]] #{number}" + (f" {name!r}" if name else "")


def _problem(data: Any, error: Any) -> str:
    """One pydantic error as 'table #n name, field "x": message'."""
    loc = list(error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field"
    if loc and loc[0] in ("destinations", "rules", "auto_approvals") and len(loc) >= 2:
        table, index = str(loc[0]), loc[1]
        name = None
        if isinstance(index, int) and isinstance(data, dict):
            entries = data.get(table)
            if isinstance(entries, list) and index < len(entries):
                entry = entries[index]
                if isinstance(entry, dict):
                    raw = entry.get("name", entry.get("app_name"))
                    name = raw if isinstance(raw, str) else None
        where = _where(table, index + 1 if isinstance(index, int) else 0, name)
        rest = loc[2:]
    else:
        where, rest = "top level", loc
    if not rest:
        return f"{where}{',' if message.startswith('field ') else ':'} {message}"
    field = ".".join(str(part) for part in rest if not isinstance(part, int))
    items = [part + 1 for part in rest if isinstance(part, int)]
    item = f" item {items[0]}" if items else ""
    return f'{where}, field "{field}"{item}: {message}'


def _invalid(path: Path, problems: list[str]) -> ConfigFileError:
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return ConfigFileError(
        f"config file {path} is invalid; nothing was seeded and the bot will not start "
        f"until it is fixed or CONFIG_FILE is emptied:\n{lines}"
    )
