"""The admins' switches of proactive help: ``proactive help [on | off | exclude X | include X]``.

Proactive help (``bot.outreach``) messages people Entra stopped from
connecting an app, which the bot reads in the tenant's sign-in log. It is
off until an admin switches it on: writing to people unasked is the admins'
decision, and reading the log needs two more Graph permissions and a P1/P2
licence. Every answer is the state now in force, including whether the log
can be read at this moment (one Graph read, never made while the feature is
off or for an exclusion), so an admin who switches it on learns at once
what is still missing. Every change is audited.

``bot.application`` checks that the sender is an admin before calling in here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.command_table import Command, rest_of
from bot.graph.app_directory import AppDirectory
from bot.graph.json_reads import GraphReadError
from bot.graph.sign_in_log import SignInLog, SignInLogUnavailable
from bot.store import audit_trail, sign_ins
from bot.store.audit_trail import AuditedApp, AuditEntry
from bot.store.outreach import known_app_names
from bot.store.tables import OutreachRow
from cards.elements import Element
from cards.proactive_help import (
    ExcludedApp,
    LogAccess,
    ProactiveHelpStatus,
    build_proactive_help_card,
)
from cards.text import NAME_LIMIT, safe
from domain.audit import AuditAction, AuditResult
from domain.i18n import Messages
from domain.object_ids import is_object_id
from domain.types import Actor

NAMES_SHOWN = 5
"""Apps named when a typed name matches several."""
Lead = tuple[str, str]


class ProactiveHelpAdmin:
    """Shows and changes the proactive help switch and its excluded apps."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        log: SignInLog,
        apps: AppDirectory,
        clock: Callable[[], datetime],
        *,
        period_days: int,
        retention_days: int,
    ) -> None:
        self._sessions = sessions
        self._log = log
        self._apps = apps
        self._clock = clock
        self._period_days = period_days
        self._retention_days = retention_days

    async def answer(self, text: str | None, actor: Actor) -> Element:
        """Run ``proactive help ...`` for an admin (the caller checked that) and answer it."""
        messages = Messages.for_locale(actor.locale)
        words = rest_of(text, Command.PROACTIVE_HELP)
        verb, _, argument = words.partition(" ")
        verb = verb.lower()
        lead: Lead | None = None
        if verb in ("on", "off"):
            lead = await self._switch(verb == "on", actor, messages)
        elif verb in ("exclude", "include") and argument.strip():
            lead = await self._exclusion(verb == "exclude", argument.strip(), actor, messages)
        elif words:
            lead = ("attention", messages.t("proactive_help.usage"))
        # Switching off must not read the log; any other answer says whether it can be read.
        status = await self._status(probe=verb != "off")
        if verb == "on" and status.log in (LogAccess.PERMISSION, LogAccess.LICENCE):
            lead = ("attention", messages.t("proactive_help.switched_on_unreadable"))
        return build_proactive_help_card(status, messages, lead)

    async def _switch(self, on: bool, actor: Actor, messages: Messages) -> Lead:
        async with self._sessions() as session:
            await sign_ins.set_proactive_help(session, on, self._clock())
            action = AuditAction.PROACTIVE_HELP_ON if on else AuditAction.PROACTIVE_HELP_OFF
            entry = AuditEntry(actor.user_id, actor.name, action, AuditResult.SUCCEEDED)
            await audit_trail.record(session, entry, self._clock())
            await session.commit()
        key = "proactive_help.switched_on" if on else "proactive_help.switched_off"
        return "good", messages.t(key)

    async def _exclusion(self, exclude: bool, typed: str, actor: Actor, messages: Messages) -> Lead:
        """Exclude or include the app ``typed`` names (an app id, or a name the bot has met)."""
        found = await self._apps_named(typed)
        if not found:
            return "attention", messages.t(
                "proactive_help.no_such_app", name=safe(typed, NAME_LIMIT)
            )
        if len(found) > 1:
            names = ", ".join(
                f"{safe(name or '', NAME_LIMIT)} ({app_id})" for app_id, name in found
            )
            return "attention", messages.t(
                "proactive_help.which_app", name=safe(typed, NAME_LIMIT), names=names
            )
        [(app_id, name)] = found
        shown = safe(name, NAME_LIMIT) if name else app_id
        async with self._sessions() as session:
            excluded = await sign_ins.excluded_apps(session)
            if exclude == (app_id in excluded):
                key = (
                    "proactive_help.already_excluded" if exclude else "proactive_help.not_excluded"
                )
                return "attention", messages.t(key, app=shown)
            changed = excluded | {app_id} if exclude else excluded - {app_id}
            await sign_ins.set_excluded_apps(session, changed, self._clock())
            action = (
                AuditAction.PROACTIVE_HELP_EXCLUDE
                if exclude
                else AuditAction.PROACTIVE_HELP_INCLUDE
            )
            app = AuditedApp(app_id, name)
            entry = AuditEntry(actor.user_id, actor.name, action, AuditResult.SUCCEEDED, app=app)
            await audit_trail.record(session, entry, self._clock())
            await session.commit()
        return "good", messages.t(
            "proactive_help.excluded" if exclude else "proactive_help.included", app=shown
        )

    async def _apps_named(self, typed: str) -> list[tuple[str, str | None]]:
        """The apps ``typed`` names: an app id as it is, else names the bot has met.

        A name matches exactly (ignoring case and spacing) or, when nothing
        does, as a part of one name; several matches are offered, not guessed.
        """
        names = await self._names()
        if is_object_id(typed):
            return [(typed.lower(), names.get(typed.lower()))]
        wanted = _tidy(typed)
        exact: list[tuple[str, str | None]] = [
            (a, n) for a, n in names.items() if _tidy(n) == wanted
        ]
        if exact:
            return exact[:NAMES_SHOWN]
        partial = sorted(
            ((a, n) for a, n in names.items() if wanted and wanted in _tidy(n)),
            key=lambda item: item[1].lower(),
        )
        return list(partial[:NAMES_SHOWN])

    async def _names(self) -> dict[str, str]:
        async with self._sessions() as session:
            names = await known_app_names(session)
        try:
            for candidate in await self._apps.candidates():
                names.setdefault(candidate.app_id.lower(), candidate.display_name)
        except (GraphReadError, aiohttp.ClientError, TimeoutError):
            pass  # the store's names still serve, and an app id always does
        return names

    async def _status(self, probe: bool) -> ProactiveHelpStatus:
        now = self._clock()
        async with self._sessions() as session:
            on = await sign_ins.proactive_help_on(session)
            excluded = sorted(await sign_ins.excluded_apps(session))
            names = await known_app_names(session) if excluded else {}
            since = now - timedelta(days=self._period_days)
            offered = await session.scalar(
                select(func.count()).select_from(OutreachRow).where(OutreachRow.sent_at >= since)
            )
        return ProactiveHelpStatus(
            on=on,
            excluded=[ExcludedApp(app_id, names.get(app_id)) for app_id in excluded],
            period_days=self._period_days,
            retention_days=self._retention_days,
            offered=int(offered or 0),
            log=await self._log_access(now) if probe else LogAccess.NOT_CHECKED,
        )

    async def _log_access(self, now: datetime) -> LogAccess:
        """Whether the sign-in log can be read now: one read of what came in this second."""
        try:
            await self._log.consent_attempts_since(now)
        except SignInLogUnavailable as refused:
            return LogAccess.LICENCE if refused.reason == "licence" else LogAccess.PERMISSION
        except (GraphReadError, aiohttp.ClientError, TimeoutError):
            return LogAccess.UNREACHABLE
        return LogAccess.READABLE


def _tidy(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().lower()
