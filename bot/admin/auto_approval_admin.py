"""The admins' chat commands for the auto-approval allow-list.

- ``auto approve <app id> <scope> [<scope> ...]`` adds the app, or replaces its
  scopes (exact names, no wildcards, at most ``MAX_SCOPES``);
- ``auto approvals`` shows the list;
- ``remove auto approval <app id>`` takes the app off.

``bot.application`` checks that the sender is an admin before calling in
here. Input is checked whole before anything is written: a bad app id or
scope name saves nothing and the answer says what was wrong. Every change is
audited, and every answer is the list as it now stands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.command_table import Command, rest_of
from bot.review.auto_approval import MAX_SCOPES, valid_scope_name
from bot.store import audit_trail, auto_approvals
from bot.store.audit_trail import AuditedApp, AuditEntry
from cards.auto_approval import build_auto_approvals_card
from cards.elements import Element
from cards.text import SCOPE_LIMIT, safe
from domain.audit import AuditAction, AuditResult
from domain.i18n import Messages
from domain.object_ids import is_object_id
from domain.types import Actor

BAD_SHOWN = 5
"""Bad scope names quoted back in a refusal."""

_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a command saves nothing: a catalogue key and its (already safe) parameters."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewEntry:
    app_id: str
    scopes: tuple[str, ...]


def _words(text: str | None, command: Command) -> list[str]:
    return [word for word in _SEPARATORS.split(rest_of(text, command)) if word]


def parse_entry(text: str | None) -> NewEntry | Problem:
    """``auto approve <app id> <scope> ...`` as typed; scopes keep their case, repeats dropped."""
    words = _words(text, Command.AUTO_APPROVE)
    if not words:
        return Problem("auto_approval.usage")
    app_id, *scopes = words
    if not is_object_id(app_id):
        return Problem("auto_approval.bad_app_id", {"value": safe(app_id)})
    if not scopes:
        return Problem("auto_approval.no_scopes")
    bad = [scope for scope in scopes if not valid_scope_name(scope)]
    if bad:
        shown = ", ".join(safe(scope, SCOPE_LIMIT) for scope in bad[:BAD_SHOWN])
        return Problem("auto_approval.bad_scopes", {"bad": shown})
    distinct: dict[str, str] = {}
    for scope in scopes:
        distinct.setdefault(scope.lower(), scope)
    if len(distinct) > MAX_SCOPES:
        return Problem("auto_approval.too_many", {"most": MAX_SCOPES})
    return NewEntry(app_id.lower(), tuple(distinct.values()))


def parse_removal(text: str | None) -> str | Problem:
    """The app id in ``remove auto approval <app id>``."""
    words = _words(text, Command.REMOVE_AUTO_APPROVAL)
    if not words or len(words) != 1:
        return Problem("auto_approval.remove_usage")
    if not is_object_id(words[0]):
        return Problem("auto_approval.bad_app_id", {"value": safe(words[0])})
    return words[0].lower()


class AllowListCommands:
    """Shows and changes the allow-list for admins; answers with the list as a card."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def answer(self, command: Command, text: str | None, actor: Actor) -> Element:
        """Run an allow-list command of an admin (the caller checked that) and answer it."""
        messages = Messages.for_locale(actor.locale)
        lead: tuple[str, str] | None = None
        async with self._sessions() as session:
            if command is Command.AUTO_APPROVE:
                lead = await self._add(session, parse_entry(text), actor, messages)
            elif command is Command.REMOVE_AUTO_APPROVAL:
                lead = await self._remove(session, parse_removal(text), actor, messages)
            entries = await auto_approvals.entries(session)
            await session.commit()
        return build_auto_approvals_card(entries, messages, lead)

    async def _add(
        self,
        session: AsyncSession,
        parsed: NewEntry | Problem,
        actor: Actor,
        messages: Messages,
    ) -> tuple[str, str]:
        if isinstance(parsed, Problem):
            return "attention", messages.t(parsed.key, **parsed.params)
        name = await auto_approvals.known_app_name(session, parsed.app_id)
        row = await auto_approvals.put_entry(
            session,
            app_id=parsed.app_id,
            app_name=name,
            max_scopes=parsed.scopes,
            created_by=actor.user_id,
            now=self._clock(),
        )
        added = AuditedApp(row.app_id, row.app_name, parsed.scopes)
        await self._audit(session, actor, AuditAction.ADD_AUTO_APPROVAL, added)
        shown = ", ".join(safe(scope, SCOPE_LIMIT) for scope in parsed.scopes)
        app = safe(row.app_name) if row.app_name else row.app_id
        return "good", messages.t("auto_approval.saved", app=app, scopes=shown)

    async def _remove(
        self,
        session: AsyncSession,
        parsed: str | Problem,
        actor: Actor,
        messages: Messages,
    ) -> tuple[str, str]:
        if isinstance(parsed, Problem):
            return "attention", messages.t(parsed.key, **parsed.params)
        removed = await auto_approvals.remove_entry(session, parsed)
        if removed is None:
            return "attention", messages.t("auto_approval.not_listed", app=parsed)
        gone = AuditedApp(parsed, removed.app_name, removed.max_scopes)
        await self._audit(session, actor, AuditAction.REMOVE_AUTO_APPROVAL, gone)
        app = safe(removed.app_name) if removed.app_name else parsed
        return "good", messages.t("auto_approval.removed", app=app)

    async def _audit(
        self,
        session: AsyncSession,
        actor: Actor,
        action: AuditAction,
        app: AuditedApp,
    ) -> None:
        """An allow-list change, with the app and its scopes in their own audit columns."""
        entry = AuditEntry(actor.user_id, actor.name, action, AuditResult.SUCCEEDED, app=app)
        await audit_trail.record(session, entry, self._clock())
