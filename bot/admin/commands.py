"""What the destination and routing commands do, independent of the Agents SDK types.

``bot.admin.command_table`` reads the message; ``bot.admin.admin_chat`` calls
in here, and this module reads and writes the store.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.command_table import Command, normalised
from bot.review.admins import AdminCheck
from bot.review.reviewer_cards import ReviewerCards
from bot.store import audit_trail, destinations, requests
from bot.store import routing as routing_store
from bot.store.audit_trail import AuditEntry
from bot.store.destinations import DestinationSpec
from bot.store.tables import AuditRow, DestinationRow, RoutingRuleRow
from domain.audit import AuditAction, AuditResult, command_action
from domain.routing import MAX_APPROVALS, Rule, RuleKind
from domain.types import Actor

RENAME_LIMIT = 80


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


def route_rule(text: str | None) -> tuple[RuleKind, str | None, int] | None:
    """The rule in "route high risk here", "route app <id> here"...; None if malformed.

    The last item is the approvals the rule requires: 1 unless the text ends
    "with N approvals" (N as typed; 0 when it is no number or below 2) or
    "two-person approval" (2). The caller checks it with ``valid_approvals``.
    """
    quorum = _QUORUM.fullmatch(normalised(text))
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
    ) -> None:
        self._sessions = sessions
        self._admins = admins
        self._cards = cards
        self._clock = clock

    async def may_configure(self, user_id: str | None) -> bool:
        """Entra's consent admins and the admin groups from settings; nobody else."""
        return await self._admins.is_admin(user_id)

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
            entry = AuditEntry(
                actor.user_id, actor.name, AuditAction.RENAME_DESTINATION, AuditResult.SUCCEEDED
            )
            await audit_trail.record(
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
            entry = AuditEntry(
                actor.user_id, actor.name, AuditAction.REMOVE_DESTINATION, AuditResult.SUCCEEDED
            )
            await audit_trail.record(session, replace(entry, detail=row.name), self._clock())
            await session.commit()
            return row

    async def recent_audit(self, latest: int) -> list[AuditRow]:
        async with self._sessions() as session:
            return list(await audit_trail.audit_log(session, latest=latest))

    async def audit_refusal(self, actor: Actor, command: Command) -> None:
        """A non-admin tried a configuration command: recorded, like refused decisions."""
        async with self._sessions() as session:
            entry = AuditEntry(
                actor.user_id, actor.name, command_action(command.value), AuditResult.REFUSED
            )
            await audit_trail.record(session, replace(entry, detail="not an admin"), self._clock())
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
            entry = AuditEntry(
                actor.user_id,
                actor.name,
                AuditAction.ADD_RULE,
                AuditResult.SUCCEEDED,
                detail=detail,
            )
            await audit_trail.record(session, entry, self._clock())
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
            entry = AuditEntry(
                actor.user_id, actor.name, AuditAction.REMOVE_RULE, AuditResult.SUCCEEDED
            )
            await audit_trail.record(session, replace(entry, detail=removed.kind), self._clock())
            await session.commit()
            return True

    async def high_risk(self) -> tuple[str, ...]:
        async with self._sessions() as session:
            return await routing_store.high_risk_patterns(session)

    async def set_high_risk(self, patterns: list[str], actor: Actor) -> None:
        async with self._sessions() as session:
            await routing_store.set_high_risk_patterns(session, patterns, self._clock())
            entry = AuditEntry(
                actor.user_id, actor.name, AuditAction.SET_HIGH_RISK, AuditResult.SUCCEEDED
            )
            await audit_trail.record(
                session, replace(entry, detail=" ".join(patterns)), self._clock()
            )
            await session.commit()
