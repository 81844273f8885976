"""What chat commands do, independent of the Agents SDK types that carry them.

``bot.application`` parses the activity and calls in here; this module reads
and writes the store and decides who may do what.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.review.admins import AdminCheck
from bot.review.reviewer_cards import ReviewerCards
from bot.store import decisions, destinations, requests
from bot.store import routing as routing_store
from bot.store.decisions import AuditEntry
from bot.store.destinations import DestinationSpec
from bot.store.tables import AuditRow, DestinationRow, RoutingRuleRow
from domain.routing import MAX_APPROVALS, Rule, RuleKind
from domain.types import Actor


class Command(StrEnum):
    REVIEW_HERE = "review here"
    ESCALATE_HERE = "escalate here"
    DESTINATIONS = "destinations"
    RENAME = "rename"
    STOP_HERE = "stop here"
    AUDIT = "audit"
    ROUTE = "route"
    RULES = "rules"
    REMOVE_RULE = "remove rule"
    HIGH_RISK = "high risk scopes"
    ENABLE_REQUESTS = "requests on"
    CONNECTED_APPS = "connected apps"
    SETTINGS = "settings"
    REVIEW_BY = "review by"
    STOP_REVIEWS_FOR = "stop reviews for"
    AUTO_APPROVE = "auto approve"
    AUTO_APPROVALS = "auto approvals"
    REMOVE_AUTO_APPROVAL = "remove auto approval"
    FAILED_MESSAGES = "failed messages"
    HELP = "help"
    UNKNOWN = "unknown"


ADMIN_COMMANDS = frozenset(
    {
        Command.REVIEW_HERE,
        Command.ESCALATE_HERE,
        Command.DESTINATIONS,
        Command.RENAME,
        Command.STOP_HERE,
        Command.AUDIT,
        Command.ROUTE,
        Command.RULES,
        Command.REMOVE_RULE,
        Command.HIGH_RISK,
        Command.REVIEW_BY,
        Command.STOP_REVIEWS_FOR,
        Command.AUTO_APPROVE,
        Command.AUTO_APPROVALS,
        Command.REMOVE_AUTO_APPROVAL,
        Command.FAILED_MESSAGES,
    }
)
"""Commands that change or reveal the configuration: admins only."""
RENAME_LIMIT = 80


_ALIASES = {
    "review here": Command.REVIEW_HERE,
    "review in here": Command.REVIEW_HERE,
    "escalate here": Command.ESCALATE_HERE,
    "destinations": Command.DESTINATIONS,
    "where do reviews go": Command.DESTINATIONS,
    "stop here": Command.STOP_HERE,
    "stop reviewing here": Command.STOP_HERE,
    "remove here": Command.STOP_HERE,
    "audit": Command.AUDIT,
    "audit trail": Command.AUDIT,
    "requests on": Command.ENABLE_REQUESTS,
    "switch requests on": Command.ENABLE_REQUESTS,
    "turn requests on": Command.ENABLE_REQUESTS,
    "enable requests": Command.ENABLE_REQUESTS,
    "activer les demandes": Command.ENABLE_REQUESTS,
    "要求を有効にする": Command.ENABLE_REQUESTS,
    "connected apps": Command.CONNECTED_APPS,
    "auto approvals": Command.AUTO_APPROVALS,
    "auto-approvals": Command.AUTO_APPROVALS,
    "auto approval list": Command.AUTO_APPROVALS,
    "settings": Command.SETTINGS,
    "configure": Command.SETTINGS,
    "paramètres": Command.SETTINGS,
    "parametres": Command.SETTINGS,
    "設定": Command.SETTINGS,
    "connected applications": Command.CONNECTED_APPS,
    "applications connectées": Command.CONNECTED_APPS,
    "applications connectees": Command.CONNECTED_APPS,
    "接続済みアプリ": Command.CONNECTED_APPS,
    "failed messages": Command.FAILED_MESSAGES,
    "failed sends": Command.FAILED_MESSAGES,
    "messages échoués": Command.FAILED_MESSAGES,
    "messages echoues": Command.FAILED_MESSAGES,
    "送信失敗": Command.FAILED_MESSAGES,
    "help": Command.HELP,
    "?": Command.HELP,
    # A greeting is a fine way to start: answer with what the bot does, not "not understood".
    "hi": Command.HELP,
    "hello": Command.HELP,
    "hey": Command.HELP,
    "bonjour": Command.HELP,
    "salut": Command.HELP,
    "こんにちは": Command.HELP,
}


_WITH_ARGUMENTS = (
    (re.compile(r"^rename( |$)"), Command.RENAME),
    (re.compile(r"^review by( |$)"), Command.REVIEW_BY),
    (re.compile(r"^stop reviews for( |$)"), Command.STOP_REVIEWS_FOR),
    (re.compile(r"^route .*\bhere\b"), Command.ROUTE),
    (re.compile(r"^remove rule( |$)"), Command.REMOVE_RULE),
    (re.compile(r"^high[ -]risk scopes( |$)"), Command.HIGH_RISK),
    (re.compile(r"^auto[ -]?approve( |$)"), Command.AUTO_APPROVE),
    (re.compile(r"^remove auto[ -]?approval( |$)"), Command.REMOVE_AUTO_APPROVAL),
)
_ROUTES = (
    (re.compile(r"^route (high[ -]risk|risky)( apps| requests)? here$"), RuleKind.HIGH_RISK),
    (re.compile(r"^route unverified( apps| publishers)? here$"), RuleKind.UNVERIFIED),
    (re.compile(r"^route verified( apps| publishers)? here$"), RuleKind.VERIFIED),
    (re.compile(r"^route app (?P<app>[0-9a-f-]{36}) here$"), RuleKind.APP),
    (re.compile(r"^route (everything else|the rest|default|all others) here$"), RuleKind.DEFAULT),
)


# "... here with 2 approvals", "... here, two-person approval": the rule, then its quorum.
_QUORUM = re.compile(
    r"^(?P<rule>route .*? here)"
    r"(?:,? (?:with )?(?:a )?(?:two|2)[ -]person approval|,? with (?P<count>[^ ]+) approvals?)?$"
)
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def _normalised(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").strip().lower()).rstrip(".!")


def parse_command(text: str | None) -> Command:
    """Map what the user typed (mention already removed) to a command."""
    normalised = _normalised(text)
    for pattern, command in _WITH_ARGUMENTS:
        if pattern.search(normalised):
            return command
    if normalised == "rules":
        return Command.RULES
    return _ALIASES.get(normalised, Command.UNKNOWN)


def route_rule(text: str | None) -> tuple[RuleKind, str | None, int] | None:
    """The rule in "route high risk here", "route app <id> here"...; None if malformed.

    The last item is the approvals the rule requires: 1 unless the text ends
    "with N approvals" (N as typed; 0 when it is no number or below 2) or
    "two-person approval" (2). The caller checks it with ``valid_approvals``.
    """
    quorum = _QUORUM.fullmatch(_normalised(text))
    if quorum is None:
        return None
    typed = quorum.group("count")
    if typed is not None:
        count = int(typed) if typed.isdecimal() and len(typed) < 4 else _NUMBERS.get(typed, 0)
        count = count if count >= 2 else 0  # "with 1 approval" is no two-person approval
    elif quorum.group("rule") != quorum.group(0):
        count = 2  # "two-person approval"
    else:
        count = 1
    for pattern, kind in _ROUTES:
        if match := pattern.fullmatch(quorum.group("rule")):
            return kind, match.groupdict().get("app"), count
    return None


def valid_approvals(count: int) -> bool:
    """Whether a rule may require ``count`` approvals: 1, or 2 to ``MAX_APPROVALS``."""
    return 1 <= count <= MAX_APPROVALS


def arguments(text: str | None, command: Command) -> list[str]:
    """The words after a command's own words, as typed."""
    words = (text or "").split()
    return words[len(command.value.split()) :]


def rename_argument(text: str | None) -> str:
    """The new name in "rename <name>", as typed (spaces tidied)."""
    return " ".join(arguments(text, Command.RENAME))


@dataclass(frozen=True, slots=True)
class Registration:
    destination_name: str
    newly_active: bool
    backlog_queued: int


class ChatCommands:
    """Registration of review destinations and the permission check behind it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        admins: AdminCheck,
        cards: ReviewerCards,
        clock: Callable[[], datetime],
        *,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._sessions = sessions
        self._admins = admins
        self._cards = cards
        self._clock = clock
        self._on_queued = on_queued

    async def may_configure(self, user_id: str | None) -> bool:
        """Entra's consent admins and the admin groups from settings; nobody else."""
        return await self._admins.is_admin(user_id)

    async def remember_chat(
        self,
        *,
        user_id: str,
        conversation_id: str,
        service_url: str,
        tenant_id: str | None,
        locale: str | None,
    ) -> None:
        for attempt in (1, 2):
            async with self._sessions() as session:
                try:
                    await decisions.remember_chat(
                        session,
                        user_id=user_id,
                        conversation_id=conversation_id,
                        service_url=service_url,
                        tenant_id=tenant_id,
                        locale=locale,
                        now=self._clock(),
                    )
                    await session.commit()
                    return
                except IntegrityError:
                    # Two first messages at once: the other one inserted; update it instead.
                    await session.rollback()
                    if attempt == 2:
                        raise

    async def register_destination(
        self, spec: DestinationSpec, user_id: str | None
    ) -> Registration:
        """Make this conversation a review destination and queue the pending backlog to it."""
        return await self.configure(spec, user_id)

    async def configure(
        self,
        spec: DestinationSpec,
        user_id: str | None,
        change: Callable[[AsyncSession, DestinationRow], Awaitable[None]] | None = None,
    ) -> Registration:
        """Register the destination, apply ``change`` to it, then queue the backlog it now gets.

        All in one transaction, and the backlog is routed after ``change``, so
        a rule set in the same form already decides which waiting requests
        come here.
        """
        async with self._sessions() as session:
            row, newly_active = await destinations.register_destination(
                session, spec, user_id, self._clock()
            )
            if change is not None:
                await change(session, row)
                await session.flush()
            # A review destination gets the pending backlog (as a digest when it is long);
            # an escalation one only what escalates later.
            pending = await requests.pending_requests(session) if spec.role == "review" else []
            routed = await self._cards.routed(session, pending)
            queued = await self._cards.announce(session, routed.get(row.id, []), [row])
            await session.commit()
        if queued:
            self._on_queued()
        return Registration(row.name, newly_active, queued)

    async def destinations(self) -> list[DestinationRow]:
        async with self._sessions() as session:
            return list(await destinations.all_active(session))

    async def rename_here(
        self, conversation_id: str, new_name: str, actor: Actor
    ) -> DestinationRow | None:
        """Rename this conversation's destination; None when it is not one."""
        async with self._sessions() as session:
            row = await destinations.find_by_conversation(session, conversation_id)
            if row is None or not row.active:
                return None
            old = row.name
            row.name = new_name
            entry = AuditEntry(actor.user_id, actor.name, "rename_destination", "succeeded")
            await decisions.audit(
                session, replace(entry, detail=f"{old} -> {new_name}"), self._clock()
            )
            await session.commit()
            return row

    async def stop_here(self, conversation_id: str, actor: Actor) -> DestinationRow | None:
        """No more cards or escalations here; None when this was no destination."""
        async with self._sessions() as session:
            row = await destinations.find_by_conversation(session, conversation_id)
            if row is None or not row.active:
                return None
            row.active = False
            entry = AuditEntry(actor.user_id, actor.name, "remove_destination", "succeeded")
            await decisions.audit(session, replace(entry, detail=row.name), self._clock())
            await session.commit()
            return row

    async def recent_audit(self, latest: int) -> list[AuditRow]:
        async with self._sessions() as session:
            return list(await decisions.audit_log(session, latest=latest))

    async def audit_refusal(self, actor: Actor, command: Command) -> None:
        """A non-admin tried a configuration command: recorded, like refused decisions."""
        async with self._sessions() as session:
            entry = AuditEntry(actor.user_id, actor.name, f"command:{command.value}", "refused")
            await decisions.audit(session, replace(entry, detail="not an admin"), self._clock())
            await session.commit()

    async def add_route(
        self,
        conversation_id: str,
        kind: RuleKind,
        app_id: str | None,
        actor: Actor,
        approvals: int = 1,
    ) -> RoutingRuleRow | None:
        """A rule sending matching requests to this conversation; None when it is no destination.

        ``approvals``: distinct approvals the requests it places need (checked
        with ``valid_approvals`` first).
        """
        if not valid_approvals(approvals):
            raise ValueError(f"a rule cannot require {approvals} approvals")
        async with self._sessions() as session:
            here = await destinations.find_by_conversation(session, conversation_id)
            if here is None or not here.active or here.role != "review":
                return None
            rule = Rule(kind, here.id, app_id, approvals)
            row = await routing_store.add_rule(
                session, rule, created_by=actor.user_id, now=self._clock()
            )
            detail = f"{kind.value}{' ' + app_id if app_id else ''} -> {here.name}"
            if approvals > 1:
                detail += f" ({approvals} approvals)"
            entry = AuditEntry(actor.user_id, actor.name, "add_rule", "succeeded", detail=detail)
            await decisions.audit(session, entry, self._clock())
            await session.commit()
            return row

    async def rules(self) -> list[tuple[RoutingRuleRow, str]]:
        """The rules in order, each with its destination's name."""
        async with self._sessions() as session:
            found = []
            for row in await routing_store.rule_rows(session):
                destination = await destinations.get_destination(session, row.destination_id)
                found.append((row, destination.name if destination else "?"))
            return found

    async def remove_rule(self, number: int, actor: Actor) -> bool:
        async with self._sessions() as session:
            removed = await routing_store.remove_rule(session, number)
            if removed is None:
                return False
            entry = AuditEntry(actor.user_id, actor.name, "remove_rule", "succeeded")
            await decisions.audit(session, replace(entry, detail=removed.kind), self._clock())
            await session.commit()
            return True

    async def high_risk(self) -> tuple[str, ...]:
        async with self._sessions() as session:
            return await routing_store.high_risk_patterns(session)

    async def set_high_risk(self, patterns: list[str], actor: Actor) -> None:
        async with self._sessions() as session:
            await routing_store.set_high_risk_patterns(session, patterns, self._clock())
            entry = AuditEntry(actor.user_id, actor.name, "set_high_risk", "succeeded")
            await decisions.audit(session, replace(entry, detail=" ".join(patterns)), self._clock())
            await session.commit()
