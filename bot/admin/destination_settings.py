"""The settings form of one conversation: read it, check every field, save all or nothing.

Only admins (``AdminCheck``) see or save the form; every save and every
refused or invalid attempt is audited. Validation happens entirely before
the first write, and the writes share one transaction: a rejected form
changes nothing. Reviewers are typed as UPNs, e-mail addresses, group names
or object ids and stored as object ids, so a renamed group keeps working.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.commands import ChatCommands
from bot.graph.json_reads import GraphReadError
from bot.graph.reviewer_lookup import AmbiguousGroup, Directory, ReviewerLookup
from bot.review.admins import AdminCheck
from bot.review.reminder_settings import parse_overrides, stored_overrides
from bot.store import decisions, destinations
from bot.store import routing as routing_store
from bot.store.decisions import AuditEntry
from bot.store.destinations import DestinationSpec
from bot.store.tables import DestinationRow, RoutingRuleRow
from cards.settings import (
    APPROVALS_INPUT_ID,
    FIELD_FORM,
    NAME_INPUT_ID,
    NAME_LIMIT,
    REMINDER_INPUT_PREFIX,
    REVIEWERS_INPUT_ID,
    REVIEWERS_LIMIT,
    ROLE_INPUT_ID,
    ROLES,
    ROUTE_INPUT_ID,
    ROUTES,
    SettingsValues,
    build_settings_form_card,
    build_settings_refused_card,
    build_settings_saved_card,
)
from domain.i18n import Messages
from domain.object_ids import is_object_id
from domain.reminder_cadence import FIELDS, ReminderOverrides
from domain.routing import MAX_APPROVALS, Rule, RuleKind
from domain.types import Actor

logger = logging.getLogger(__name__)

AUDIT_ACTION = "settings"
MAX_REVIEWERS = 20
_SEPARATORS = re.compile(r"[,;\r\n]+")


@dataclass(frozen=True, slots=True)
class ParsedSettings:
    """The form as typed, checked field by field; ``errors`` maps input id to message."""

    values: SettingsValues
    role: str
    name: str
    route: str
    approvals: int
    reviewer_keys: tuple[str, ...]
    reminders: ReminderOverrides | None
    errors: dict[str, str] = field(default_factory=dict)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def parse_settings(
    place: str,
    data: Mapping[str, Any],
    messages: Messages,
    *,
    escalation_ids: Collection[int] = (),
    own_id: int | None = None,
) -> ParsedSettings:
    """Check every field of a submitted form; nothing here touches Graph or the store.

    ``escalation_ids`` are the destinations this one's escalations may be sent
    to instead of every "escalate here" destination.
    """
    errors: dict[str, str] = {}
    role, name, route = (
        _text(data, ROLE_INPUT_ID),
        _text(data, NAME_INPUT_ID),
        _text(data, ROUTE_INPUT_ID),
    )
    approvals_text, reviewers_text = (
        _text(data, APPROVALS_INPUT_ID),
        _text(data, REVIEWERS_INPUT_ID),
    )
    if role not in ROLES:
        errors[ROLE_INPUT_ID] = messages.t("settings.error.role")
    if role != "off" and not name:
        errors[NAME_INPUT_ID] = messages.t("settings.error.name_missing")
    elif len(name) > NAME_LIMIT or any(ord(c) < 32 for c in name):
        errors[NAME_INPUT_ID] = messages.t("settings.error.name", limit=NAME_LIMIT)
    if route not in ROUTES:
        errors[ROUTE_INPUT_ID] = messages.t("settings.error.route")
    elif role == "escalation" and route != "all":
        errors[ROUTE_INPUT_ID] = messages.t("settings.error.route_escalation")
    approvals = int(approvals_text) if approvals_text.isdigit() and len(approvals_text) < 3 else 0
    if not 1 <= approvals <= MAX_APPROVALS:
        errors[APPROVALS_INPUT_ID] = messages.t("settings.error.approvals", most=MAX_APPROVALS)
    elif approvals > 1 and (role != "review" or route == "all"):
        errors[APPROVALS_INPUT_ID] = messages.t("settings.error.approvals_needs_rule")
    keys = tuple(k.strip() for k in _SEPARATORS.split(reviewers_text) if k.strip())
    if len(reviewers_text) > REVIEWERS_LIMIT or len(keys) > MAX_REVIEWERS:
        errors[REVIEWERS_INPUT_ID] = messages.t("settings.error.too_many", most=MAX_REVIEWERS)
    typed = {name: _text(data, REMINDER_INPUT_PREFIX + name) for name in FIELDS}
    reminders = parse_overrides(typed, messages, destination_ids=escalation_ids, own_id=own_id)
    if isinstance(reminders, dict):
        errors.update({REMINDER_INPUT_PREFIX + k: v for k, v in reminders.items()})
    values = SettingsValues(
        place,
        role,
        name,
        route,
        approvals_text,
        reviewers_text,
        {k: v for k, v in typed.items() if v},
    )
    overrides = reminders if isinstance(reminders, ReminderOverrides) else None
    return ParsedSettings(values, role, name, route, approvals, keys, overrides, errors)


class DestinationSettings:
    """Shows and saves the settings form of the conversation it was asked in."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        admins: AdminCheck,
        commands: ChatCommands,
        lookup: ReviewerLookup,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._admins = admins
        self._commands = commands
        self._lookup = lookup
        self._clock = clock

    async def show(self, actor: Actor, spec: DestinationSpec) -> dict[str, Any]:
        messages = Messages.for_locale(actor.locale)
        if not await self._admins.is_admin(actor.user_id):
            await self._audit(actor, "refused", "not an admin (form)")
            return build_settings_refused_card(messages)
        return await self._form(messages, await self._saved_values(spec), spec)

    async def save(
        self, actor: Actor, spec: DestinationSpec, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Validate, resolve reviewers, then write everything in one transaction."""
        messages = Messages.for_locale(actor.locale)
        if not await self._admins.is_admin(actor.user_id):
            await self._audit(actor, "refused", "not an admin")
            return build_settings_refused_card(messages)
        targets, own_id = await self._escalation_targets(spec)
        parsed = parse_settings(
            spec.name, data, messages, escalation_ids=[i for i, _ in targets], own_id=own_id
        )
        errors = dict(parsed.errors)
        reviewers: list[Directory] = []
        if REVIEWERS_INPUT_ID not in errors:
            try:
                reviewers = await self._resolve(parsed.reviewer_keys, errors, messages)
            except GraphReadError as error:
                logger.warning("reviewer lookup failed: %s", error)
                errors[FIELD_FORM] = messages.t("settings.error.unreachable")
        if errors:
            await self._audit(actor, "invalid", "; ".join(f"{k}: {v}" for k, v in errors.items()))
            return await self._form(messages, parsed.values, spec, errors)
        if parsed.role == "off":
            await self._commands.stop_here(spec.conversation_id, actor)
        else:
            await self._apply(actor, spec, parsed, reviewers)
        summary = self._summary(messages, parsed, reviewers)
        await self._audit(actor, "succeeded", "; ".join(f"{k}={v}" for k, v in summary))
        return build_settings_saved_card(messages, parsed.name or spec.name, summary)

    async def _apply(
        self,
        actor: Actor,
        spec: DestinationSpec,
        parsed: ParsedSettings,
        reviewers: list[Directory],
    ) -> None:
        async def change(session: AsyncSession, row: DestinationRow) -> None:
            row.name = parsed.name
            row.reviewers = [r.id for r in reviewers]
            row.reminder_settings = parsed.reminders.to_json() if parsed.reminders else {}
            await session.execute(
                delete(RoutingRuleRow).where(RoutingRuleRow.destination_id == row.id)
            )
            if parsed.role == "review" and parsed.route != "all":
                rule = Rule(
                    RuleKind(parsed.route), row.id, None, approvals_required=parsed.approvals
                )
                await routing_store.add_rule(
                    session, rule, created_by=actor.user_id, now=self._clock()
                )

        await self._commands.configure(
            replace(spec, role=parsed.role, name=parsed.name), actor.user_id, change
        )

    async def _resolve(
        self, keys: tuple[str, ...], errors: dict[str, str], messages: Messages
    ) -> list[Directory]:
        async def one(key: str) -> Directory | None:
            if "@" in key:
                return await self._lookup.user(key)
            if is_object_id(key):
                return await self._lookup.user(key) or await self._lookup.group(key)
            try:
                return await self._lookup.group(key)
            except AmbiguousGroup:
                errors[REVIEWERS_INPUT_ID] = messages.t("settings.error.ambiguous", name=key)
                return None

        found = await asyncio.gather(*(one(key) for key in keys))
        unknown = [key for key, hit in zip(keys, found, strict=True) if hit is None]
        if unknown and REVIEWERS_INPUT_ID not in errors:
            errors[REVIEWERS_INPUT_ID] = messages.t(
                "settings.error.unknown", names=", ".join(unknown[:5])
            )
        unique = {hit.id: hit for hit in found if hit is not None}
        return list(unique.values())

    async def _saved_values(self, spec: DestinationSpec) -> SettingsValues:
        async with self._sessions() as session:
            row = await destinations.find_by_conversation(session, spec.conversation_id)
            rules = [
                r
                for r in await routing_store.rule_rows(session)
                if row and r.destination_id == row.id
            ]
        if row is None or not row.active:
            return SettingsValues(spec.name, "off", spec.name)
        route = rules[0].kind if rules and rules[0].kind in ROUTES else "all"
        approvals = str(rules[0].approvals_required) if rules else "1"
        names = await self._names(row.reviewers)
        reminders = {
            k: str(v) for k, v in stored_overrides(row.reminder_settings).to_json().items()
        }
        return SettingsValues(
            row.name, row.role, row.name, route, approvals, ", ".join(names), reminders
        )

    async def _escalation_targets(
        self, spec: DestinationSpec
    ) -> tuple[list[tuple[int, str]], int | None]:
        """Escalation destinations other than this one (id, name), and this one's id if any."""
        async with self._sessions() as session:
            here = await destinations.find_by_conversation(session, spec.conversation_id)
            escalation = await destinations.active_destinations(session, "escalation")
        own_id = here.id if here is not None else None
        return [(d.id, d.name) for d in escalation if d.id != own_id], own_id

    async def _form(
        self,
        messages: Messages,
        values: SettingsValues,
        spec: DestinationSpec,
        errors: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        targets, _own = await self._escalation_targets(spec)
        return build_settings_form_card(
            messages, values, errors, reminder_fields=FIELDS, escalation_targets=targets
        )

    async def _names(self, object_ids: list[str]) -> list[str]:
        """Reviewer ids as names to show; an id the directory no longer knows stays an id."""

        async def name(object_id: str) -> str:
            try:
                hit = await self._lookup.user(object_id) or await self._lookup.group(object_id)
            except GraphReadError:
                return object_id
            return hit.name if hit else object_id

        return list(await asyncio.gather(*(name(i) for i in object_ids)))

    def _summary(
        self, messages: Messages, parsed: ParsedSettings, reviewers: list[Directory]
    ) -> list[tuple[str, str]]:
        summary = [(messages.t("settings.role_label"), messages.t(f"settings.role.{parsed.role}"))]
        if parsed.role == "off":
            return summary
        summary.append((messages.t("settings.name_label"), parsed.name))
        if parsed.role == "review":
            summary.append(
                (messages.t("settings.route_label"), messages.t(f"settings.route.{parsed.route}"))
            )
            summary.append(
                (
                    messages.t("settings.approvals_label"),
                    messages.plural("settings.approvals_choice", parsed.approvals),
                )
            )
        names = ", ".join(r.name for r in reviewers) or messages.t("settings.reviewers_none")
        summary.append((messages.t("settings.reviewers_label"), names))
        overrides = parsed.reminders.to_json() if parsed.reminders else {}
        reminders = "; ".join(
            f"{messages.t(f'reminder_settings.field.{k}')}: {v}" for k, v in overrides.items()
        )
        summary.append(
            (
                messages.t("settings.reminders_title"),
                reminders or messages.t("settings.reminders_global"),
            )
        )
        return summary

    async def _audit(self, actor: Actor, result: str, detail: str) -> None:
        async with self._sessions() as session:
            entry = AuditEntry(actor.user_id, actor.name, AUDIT_ACTION, result, detail=detail[:500])
            await decisions.audit(session, entry, self._clock())
            await session.commit()
