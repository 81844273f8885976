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
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.commands import ChatCommands
from bot.admin.settings_form import ParsedSettings, parse_settings
from bot.graph.json_reads import GraphReadError
from bot.graph.reviewer_lookup import AmbiguousGroup, Directory, ReviewerLookup
from bot.review.admins import AdminCheck
from bot.review.reminder_settings import stored_overrides
from bot.store import audit_trail, destinations
from bot.store import routing as routing_store
from bot.store.audit_trail import AuditEntry
from bot.store.destinations import DestinationSpec
from bot.store.tables import DestinationRow, RoutingRuleRow
from cards.settings import (
    FIELD_FORM,
    REVIEWERS_INPUT_ID,
    ROUTES,
    SettingsValues,
    build_settings_form_card,
    build_settings_refused_card,
    build_settings_saved_card,
)
from domain.audit import AuditAction, AuditResult
from domain.i18n import Messages
from domain.object_ids import is_object_id
from domain.reminder_cadence import FIELDS
from domain.routing import Rule, RuleKind
from domain.types import Actor

logger = logging.getLogger(__name__)

AUDIT_ACTION = AuditAction.SETTINGS


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
            await self._audit(actor, AuditResult.REFUSED, "not an admin (form)")
            return build_settings_refused_card(messages)
        return await self._form(messages, await self._saved_values(spec), spec)

    async def save(
        self, actor: Actor, spec: DestinationSpec, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Validate, resolve reviewers, then write everything in one transaction."""
        messages = Messages.for_locale(actor.locale)
        if not await self._admins.is_admin(actor.user_id):
            await self._audit(actor, AuditResult.REFUSED, "not an admin")
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
            await self._audit(
                actor, AuditResult.INVALID, "; ".join(f"{k}: {v}" for k, v in errors.items())
            )
            return await self._form(messages, parsed.values, spec, errors)
        if parsed.role == "off":
            await self._commands.stop_here(spec.conversation_id, actor)
        else:
            await self._apply(actor, spec, parsed, reviewers)
        summary = self._summary(messages, parsed, reviewers)
        await self._audit(actor, AuditResult.SUCCEEDED, "; ".join(f"{k}={v}" for k, v in summary))
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

    async def _audit(self, actor: Actor, result: AuditResult, detail: str) -> None:
        async with self._sessions() as session:
            entry = AuditEntry(actor.user_id, actor.name, AUDIT_ACTION, result, detail=detail[:500])
            await audit_trail.record(session, entry, self._clock())
            await session.commit()
