"""Configuration as a file: seeds destinations, rules and lists once, at the first start.

Admins who prefer code review keep a TOML file (``CONFIG_FILE``; see
``config/consent-desk.example.toml``) with the review and escalation
destinations, the routing rules in order, the high-risk scope list and the
auto-approval allow-list. At start the whole file is read and checked first:
a file with any problem seeds nothing and the bot refuses to start, with one
line per problem naming the file, the table and the field.

A valid file seeds the store only if it has never been configured: no
destinations, no rules, no settings, no auto-approvals. Everything is written
in one transaction together with a marker row in ``bot_settings``; the
marker's key is the table's primary key, so when two replicas start at once
the second one's insert fails (or waits for the first and then fails) and it
seeds nothing. From then on the database wins: what admins change in chat
is kept, and the file is ignored (an INFO line says so at every start).
"""

from __future__ import annotations

import hashlib
import logging
import tomllib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
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
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.auto_approval import MAX_SCOPES, valid_scope_name
from bot.graph.reviewer_lookup import is_object_id
from bot.i18n import Messages
from bot.reminder_settings import FIELDS as REMINDER_FIELDS
from bot.reminder_settings import ReminderOverrides, parse_overrides
from bot.routing import MAX_APPROVALS, Rule, RuleKind, valid_pattern
from bot.store import auto_approvals
from bot.store import routing as routing_store
from bot.store.database import session_factory
from bot.store.tables import AutoApprovalRow, DestinationRow, RoutingRuleRow, SettingRow
from config.settings import absolute_http_url

logger = logging.getLogger(__name__)

SEEDED_KEY = "config_file_seeded"
"""The ``bot_settings`` row written with the seed: [file name, "sha256:<digest>", time]."""
ESCALATE_TO = "escalate_to"
"""In a destination's ``[reminders]``: the name of the destination its escalations go to."""
REMINDER_KEYS = (*(f for f in REMINDER_FIELDS if f != "escalation_destination_id"), ESCALATE_TO)


class ConfigFileError(ValueError):
    """The config file cannot be used; the message lists every problem, one per line."""


class SeedOutcome(StrEnum):
    NO_FILE = "no_file"
    SEEDED = "seeded"
    DATABASE_WINS = "database_wins"
    """The store was configured before (by this file, another replica, or in chat)."""


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
    """Checked with ``bot.reminder_settings.parse_overrides``, as the chat form is."""

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


async def seed_config_file(
    engine: AsyncEngine, path: Path | None, now: datetime, *, tenant_id: str | None = None
) -> SeedOutcome:
    """Check ``path`` (ConfigFileError: refuse to start), then seed a never-configured store.

    ``tenant_id``: the bot's tenant, for destinations the file gives none (Teams needs one).
    """
    if path is None:
        return SeedOutcome.NO_FILE
    try:
        plan = load_config(path)
    except ConfigFileError as error:
        logger.error("%s", error)
        raise
    sessions = session_factory(engine)
    async with sessions() as session:
        seeded = await session.get(SettingRow, SEEDED_KEY)
        if seeded is not None:
            changed = " (it changed since)" if plan.digest not in seeded.value else ""
            logger.info(
                "config file %s ignored: the database was seeded from a config file at %s "
                "and wins over the file%s; make changes in chat",
                path,
                seeded.updated_at.isoformat(),
                changed,
            )
            return SeedOutcome.DATABASE_WINS
        # The marker first: it takes the write lock, and a second replica's insert fails.
        session.add(SettingRow(key=SEEDED_KEY, value=[path.name, plan.digest], updated_at=now))
        try:
            await session.flush()
        except IntegrityError:
            return await _lost_race(session, path)
        if await _configured(session):
            await session.rollback()
            logger.info(
                "config file %s ignored: the database already holds configuration "
                "(made in chat), and the database wins",
                path,
            )
            return SeedOutcome.DATABASE_WINS
        counts = await _seed(session, plan, now, tenant_id)
        try:
            await session.commit()
        except IntegrityError:
            return await _lost_race(session, path)
    logger.info(
        "config file %s seeded %d destinations, %d routing rules, %d auto-approvals%s; "
        "from now on changes made in chat are kept and the file is ignored",
        path,
        *counts,
        ", the high-risk scope list" if plan.config.high_risk_scopes is not None else "",
    )
    return SeedOutcome.SEEDED


async def _lost_race(session: AsyncSession, path: Path) -> SeedOutcome:
    await session.rollback()
    logger.info("config file %s ignored: another replica has just seeded the database", path)
    return SeedOutcome.DATABASE_WINS


async def _configured(session: AsyncSession) -> bool:
    """Whether anything but the seed marker says admins configured the bot already."""
    for query in (
        select(func.count()).select_from(DestinationRow),
        select(func.count()).select_from(RoutingRuleRow),
        select(func.count()).select_from(SettingRow).where(SettingRow.key != SEEDED_KEY),
        select(func.count()).select_from(AutoApprovalRow),
    ):
        if await session.scalar(query):
            return True
    return False


async def _seed(
    session: AsyncSession, plan: SeedPlan, now: datetime, tenant_id: str | None
) -> tuple[int, int, int]:
    config = plan.config
    rows: dict[str, DestinationRow] = {}
    for entry in config.destinations:
        reviewers = list(entry.reviewers)
        if entry.person_id and entry.person_id not in reviewers:
            reviewers.append(entry.person_id)  # a named person decides on their own cards
        row = DestinationRow(
            kind=entry.kind,
            conversation_id=entry.conversation_id,
            channel_id=(entry.channel_id or entry.conversation_id)
            if entry.kind == "channel"
            else None,
            team_id=entry.team_id,
            tenant_id=entry.tenant_id or tenant_id,
            service_url=entry.service_url,
            name=entry.name,
            registered_by=None,
            registered_at=now,
            active=True,
            role=entry.role,
            person_id=entry.person_id,
            reviewers=reviewers,
            reminder_settings={},
            origin="file",
        )
        session.add(row)
        rows[entry.name.casefold()] = row
    await session.flush()
    for entry, overrides, target in zip(
        config.destinations, plan.reminders, plan.escalate_to, strict=True
    ):
        if target is not None:
            target_id = rows[target.casefold()].id
            overrides = ReminderOverrides(
                **{**overrides.to_json(), "escalation_destination_id": target_id}
            )
        rows[entry.name.casefold()].reminder_settings = overrides.to_json()
    for rule in config.rules:
        await routing_store.add_rule(
            session,
            Rule(
                RuleKind(rule.kind),
                rows[rule.destination.casefold()].id,
                rule.value.lower() if rule.value else None,
                approvals_required=rule.approvals_required,
            ),
            created_by=None,
            now=now,
            origin="file",
        )
    if config.high_risk_scopes is not None:
        await routing_store.set_high_risk_patterns(session, config.high_risk_scopes, now)
    for approval in config.auto_approvals:
        await auto_approvals.put_entry(
            session,
            app_id=approval.app_id,
            app_name=approval.app_name,
            max_scopes=approval.max_scopes,
            created_by=None,
            now=now,
            origin="file",
        )
    await session.flush()
    return len(config.destinations), len(config.rules), len(config.auto_approvals)


def _cross_check(
    config: FileConfig,
) -> tuple[list[str], list[ReminderOverrides], list[str | None]]:
    """What one table alone cannot say: names, references, duplicates, reminder values."""
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
