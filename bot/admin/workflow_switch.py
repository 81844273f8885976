"""Switch Entra's admin consent request workflow on from chat (situation 3 -> situation 2).

When the workflow is off, a user who needs an admin's approval sees "Need
admin approval" and nothing reaches anyone. An Entra admin can switch it on
here: ``show`` answers with the current setting and a form, ``confirm``
checks every field, resolves the reviewers through Graph and PUTs the whole
policy (graph-contract section 3: PUT, never PATCH). Any problem sends the
form back with what was typed and a message per field; nothing is saved
then. Only the four consent-granting roles may do it, and every attempt is
written to the audit trail.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.workflow_form import parse_form, policy_body
from bot.graph.gateway import GraphGateway
from bot.graph.json_reads import GraphReadError
from bot.graph.policy_writes import PolicyWriteError, PolicyWrites
from bot.graph.reviewer_lookup import AmbiguousGroup, Directory, ReviewerLookup
from bot.store import audit_trail
from bot.store.audit_trail import AuditEntry
from cards.text import safe
from cards.workflow_switch import (
    FIELD_FORM,
    FIELD_GROUPS,
    FIELD_USERS,
    FormValues,
    PolicyView,
    build_workflow_form_card,
    build_workflow_refused_card,
    build_workflow_saved_card,
    reviewer_summary,
)
from domain.audit import AuditAction, AuditResult
from domain.entra import (
    CONSENT_ROLE_TEMPLATE_IDS,
    CONSENT_ROLES,
)
from domain.i18n import Messages
from domain.types import Actor

logger = logging.getLogger(__name__)

AUDIT_ACTION = AuditAction.ENABLE_REQUESTS


class WorkflowSwitch:
    """Shows the workflow setting to Entra admins and switches requests on for them."""

    def __init__(
        self,
        graph: GraphGateway,
        lookup: ReviewerLookup,
        writes: PolicyWrites,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        *,
        on_saved: Callable[[], None] = lambda: None,
    ) -> None:
        self._graph = graph
        self._lookup = lookup
        self._writes = writes
        self._sessions = sessions
        self._clock = clock
        self._on_saved = on_saved

    async def show(self, actor: Actor) -> dict[str, Any]:
        """The current setting and the form; a refusal card for anyone but an Entra admin."""
        messages = Messages.for_locale(actor.locale)
        if not await self._is_entra_admin(actor):
            await self._audit(actor, AuditResult.REFUSED, "not an Entra admin (form)")
            return build_workflow_refused_card(messages)
        return build_workflow_form_card(messages, await self._current())

    async def confirm(self, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        """Check, resolve and save; on any problem the form comes back and nothing is saved."""
        messages = Messages.for_locale(actor.locale)
        if not await self._is_entra_admin(actor):
            await self._audit(actor, AuditResult.REFUSED, "not an Entra admin")
            return build_workflow_refused_card(messages)
        form = parse_form(data, messages)
        errors = dict(form.errors)
        users: list[Directory] = []
        groups: list[Directory] = []
        try:
            if FIELD_USERS not in errors:
                users = await self._resolve_users(form.users, errors, messages)
            if FIELD_GROUPS not in errors:
                groups = await self._resolve_groups(form.groups, errors, messages)
        except GraphReadError as error:
            logger.warning("reviewer lookup failed: %s", error)
            errors[FIELD_FORM] = messages.t("workflow.error.unreachable")
        if errors or form.duration is None:
            await self._audit(
                actor, AuditResult.INVALID, "; ".join(f"{k}: {v}" for k, v in errors.items())
            )
            return await self._form_again(messages, form.values, errors)
        body = policy_body(
            users=users,
            groups=groups,
            roles=form.roles,
            duration=form.duration,
            notify=form.values.notify,
            reminders=form.values.reminders,
        )
        reviewers = [u.name for u in users] + [g.name for g in groups]
        reviewers += [CONSENT_ROLES[r] for r in form.roles]
        try:
            await self._writes.replace_request_policy(body)
        except PolicyWriteError as error:
            await self._audit(
                actor, AuditResult.FAILED, f"PUT {error.status}: {error.graph_message}"
            )
            problem = messages.t("workflow.error.graph", message=safe(error.graph_message, 300))
            return await self._form_again(messages, form.values, {FIELD_FORM: problem})
        except Exception:
            logger.exception("saving the consent request policy failed")
            await self._audit(actor, AuditResult.FAILED, "PUT failed before Graph answered")
            unreachable = messages.t("workflow.error.unreachable")
            return await self._form_again(messages, form.values, {FIELD_FORM: unreachable})
        self._graph.forget_policy()
        self._on_saved()
        await self._audit(
            actor, AuditResult.SUCCEEDED, f"on; {form.duration} days; {reviewer_summary(reviewers)}"
        )
        saved = PolicyView(
            is_enabled=True,
            notify_reviewers=form.values.notify,
            reminders_enabled=form.values.reminders,
            request_duration_days=form.duration,
            reviewers=tuple(reviewers),
        )
        return build_workflow_saved_card(messages, saved)

    async def _is_entra_admin(self, actor: Actor) -> bool:
        if not actor.user_id:
            return False
        roles = await self._graph.directory_role_template_ids(actor.user_id)
        return bool({r.lower() for r in roles} & CONSENT_ROLE_TEMPLATE_IDS)

    async def _current(self) -> PolicyView | None:
        """The saved policy with reviewer names; None when Graph cannot tell right now."""
        try:
            policy = await self._lookup.policy()
            names = await asyncio.gather(
                *(self._lookup.reviewer_name(q) for q in policy.reviewer_queries)
            )
        except GraphReadError as error:
            logger.warning("reading the consent request policy failed: %s", error)
            return None
        return PolicyView(
            is_enabled=policy.is_enabled,
            notify_reviewers=policy.notify_reviewers,
            reminders_enabled=policy.reminders_enabled,
            request_duration_days=policy.request_duration_days,
            reviewers=tuple(name for name in names if name),
        )

    async def _form_again(
        self, messages: Messages, values: FormValues, errors: dict[str, str]
    ) -> dict[str, Any]:
        return build_workflow_form_card(messages, await self._current(), values, errors)

    async def _resolve_users(
        self, keys: tuple[str, ...], errors: dict[str, str], messages: Messages
    ) -> list[Directory]:
        found = await asyncio.gather(*(self._lookup.user(key) for key in keys))
        missing = [key for key, user in zip(keys, found, strict=True) if user is None]
        if missing:
            errors[FIELD_USERS] = messages.t(
                "workflow.error.no_such_user", value=safe(", ".join(missing))
            )
        return [user for user in found if user is not None]

    async def _resolve_groups(
        self, keys: tuple[str, ...], errors: dict[str, str], messages: Messages
    ) -> list[Directory]:
        async def one(key: str) -> Directory | AmbiguousGroup | None:
            try:
                return await self._lookup.group(key)
            except AmbiguousGroup as ambiguous:
                return ambiguous

        found = await asyncio.gather(*(one(key) for key in keys))
        ambiguous = [k for k, g in zip(keys, found, strict=True) if isinstance(g, AmbiguousGroup)]
        missing = [key for key, group in zip(keys, found, strict=True) if group is None]
        if missing:
            errors[FIELD_GROUPS] = messages.t(
                "workflow.error.no_such_group", value=safe(", ".join(missing))
            )
        elif ambiguous:
            errors[FIELD_GROUPS] = messages.t(
                "workflow.error.ambiguous_group", value=safe(", ".join(ambiguous))
            )
        return [group for group in found if isinstance(group, Directory)]

    async def _audit(self, actor: Actor, result: AuditResult, detail: str) -> None:
        async with self._sessions() as session:
            entry = AuditEntry(
                actor.user_id, actor.name, AUDIT_ACTION, result, request=None, detail=detail
            )
            await audit_trail.record(session, entry, self._clock())
            await session.commit()
