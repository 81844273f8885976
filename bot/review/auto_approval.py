"""Auto-approval: apps the admins allow to be granted without a person, up to listed scopes.

Opt-in and narrow. Admins list an app id with the most delegated scopes it
may get (``auto approve <app id> <scope> ...`` in chat, or the config file).
When intake first sees a pending request for a listed app and every scope it
asks for is on the app's list (case-insensitive), the bot approves it itself
through the same durable path as a reviewer's Approve: a queued approve
decision, the request moved to approving by compare-and-set, and the decision
worker grants tenant-wide and reads the grant back; cards and requester
notices follow as for any approval. The actor is "Consent Desk auto-approval"
(no user id), and the step is audited as ``auto_approve``.

Never approved: an empty list (the default) approves nothing; a request with
any scope beyond the app's list, for an app that is blocked (its service
principal disabled), or with scopes that match no single API (the grant's own
rule, ``consent_grant.resolve_scopes``) goes to reviewers as usual, and the
card says why. The verdict is kept in the request's snapshot, so every later
render of the card shows it.

The list lives in the database; intake reads it in one query for the new
requests of a tick, so the steady-state poll still costs one Graph call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.graph.apps import Resource
from bot.graph.consent_grant import resolve_scopes
from bot.store import audit_trail, auto_approvals, decisions, requests
from bot.store.audit_trail import AuditEntry
from bot.store.tables import AutoApprovalRow, ConsentRequestRow, DecisionRow
from domain.audit import AuditAction, AuditResult
from domain.types import (
    AutoApprovalNote,
    AutoApprovalOutcome,
    DecisionAction,
    RequestStatus,
)

logger = logging.getLogger(__name__)

AUTO_APPROVAL_ACTOR = "Consent Desk auto-approval"
"""The actor name of decisions and audit entries the allow-list made (its user id is None)."""
MAX_SCOPES = 50
"""Scopes one chat command may list for an app."""
SCOPE_NAME_LIMIT = 100
SNAPSHOT_KEY = "auto_approval"
"""Where the verdict is kept in ``ConsentRequestRow.app_snapshot``."""

_SCOPE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*")


def valid_scope_name(value: str) -> bool:
    """A delegated scope's exact name, such as ``Calendars.ReadWrite``; no wildcards."""
    return len(value) <= SCOPE_NAME_LIMIT and bool(_SCOPE_NAME.fullmatch(value))


def _distinct(scopes: Sequence[str]) -> tuple[str, ...]:
    """Scopes without repeats (compared case-insensitively), first spelling kept, in order."""
    seen: dict[str, str] = {}
    for scope in scopes:
        seen.setdefault(scope.lower(), scope)
    return tuple(seen.values())


def auto_approvable(
    requested_scopes: Sequence[str], entry: AutoApprovalRow | None
) -> tuple[bool, tuple[str, ...]]:
    """Whether the allow-list ``entry`` covers every requested scope, and which it does not.

    Case-insensitive. No entry covers nothing, and a request asking for
    nothing is never approvable (there would be nothing to grant).
    """
    requested = _distinct(requested_scopes)
    allowed = {scope.lower() for scope in entry.max_scopes} if entry is not None else set()
    beyond = tuple(scope for scope in requested if scope.lower() not in allowed)
    return bool(requested) and not beyond, beyond


@dataclass(frozen=True, slots=True)
class Candidate:
    """A new request as intake read it, with what the allow-list check needs."""

    request_id: str
    app_id: str
    scopes: tuple[str, ...]
    blocked: bool
    """The app's service principal is disabled in the tenant."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the allow-list makes of one new request of a listed app."""

    outcome: AutoApprovalOutcome
    scopes: tuple[str, ...]
    """APPROVED: the scopes to grant; BEYOND: those not listed; UNRESOLVED: those unresolved."""
    allowed: tuple[str, ...]
    """The app's allow-list entry, for the record."""
    origin: str

    @property
    def approved(self) -> bool:
        return self.outcome is AutoApprovalOutcome.APPROVED

    def to_json(self) -> dict[str, Any]:
        return {"outcome": self.outcome.value, "scopes": list(self.scopes)}

    def detail(self) -> str:
        """The audit detail: why, and the entry it was measured against."""
        entry = f"allow-list entry ({self.origin}): {' '.join(self.allowed)}"
        if self.outcome is AutoApprovalOutcome.BEYOND:
            return f"not on the allow-list: {' '.join(self.scopes)}; {entry}"
        if self.outcome is AutoApprovalOutcome.BLOCKED:
            return f"the app is blocked in the tenant; {entry}"
        if self.outcome is AutoApprovalOutcome.UNRESOLVED:
            return f"no single API defines: {' '.join(self.scopes)}; {entry}"
        return entry


def judge(candidate: Candidate, entry: AutoApprovalRow, unresolved: Sequence[str] = ()) -> Verdict:
    """The verdict for a listed app's request; ``unresolved``: its scopes no single API defines."""
    allowed = tuple(entry.max_scopes)

    def verdict(outcome: AutoApprovalOutcome, scopes: Sequence[str]) -> Verdict:
        return Verdict(outcome, tuple(scopes), allowed, entry.origin)

    if candidate.blocked:
        return verdict(AutoApprovalOutcome.BLOCKED, ())
    ok, beyond = auto_approvable(candidate.scopes, entry)
    if not ok:
        return verdict(AutoApprovalOutcome.BEYOND, beyond)
    if unresolved:
        return verdict(AutoApprovalOutcome.UNRESOLVED, _distinct(unresolved))
    return verdict(AutoApprovalOutcome.APPROVED, _distinct(candidate.scopes))


def note_of(
    snapshot: Mapping[str, Any], status: RequestStatus, decision: DecisionRow | None
) -> AutoApprovalNote | None:
    """The card's allow-list line for a stored request, or None when its app was not listed.

    An approval by the list shows as such only while the list's own decision
    stands (approving, then approved); if its grant failed, the request went
    back to reviewers and the card says so.
    """
    raw = snapshot.get(SNAPSHOT_KEY)
    if not isinstance(raw, dict):
        return None
    try:
        outcome = AutoApprovalOutcome(str(raw.get("outcome")))
    except ValueError:
        return None
    scopes = tuple(s for s in raw.get("scopes") or [] if isinstance(s, str))
    if outcome is AutoApprovalOutcome.APPROVED:
        by_the_list = (
            decision is not None
            and decision.actor_id is None
            and decision.actor_name == AUTO_APPROVAL_ACTOR
            and decision.action == DecisionAction.APPROVE
            and decision.state != decisions.FAILED
        )
        if not by_the_list or status not in (RequestStatus.APPROVING, RequestStatus.APPROVED):
            outcome = AutoApprovalOutcome.FAILED
    return AutoApprovalNote(outcome, scopes)


class AutoApprover:
    """The allow-list check intake runs on new requests: assess, then apply in its transaction.

    ``resources`` lists the APIs that define delegated scopes (cached; the
    same list the grant resolves scopes with). It is read only for a request
    the list would approve, so intake's steady state costs nothing more.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        resources: Callable[[], Awaitable[Sequence[Resource]]],
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._resources = resources

    async def listed(self, app_ids: Iterable[str]) -> set[str]:
        """Which of these apps the list covers (lower-case ids): only they need a profile first."""
        async with self._sessions() as session:
            return set(await auto_approvals.entries_for(session, app_ids))

    async def assess(self, candidates: Sequence[Candidate]) -> dict[str, Verdict]:
        """Verdicts for the candidates whose app is listed, by request id; the rest get none.

        Runs before intake's write transaction: it reads the list and, only
        for a request the list covers, the (cached) APIs that define scopes.
        """
        if not candidates:
            return {}
        async with self._sessions() as session:
            listed = await auto_approvals.entries_for(session, (c.app_id for c in candidates))
        verdicts: dict[str, Verdict] = {}
        resources: Sequence[Resource] | None = None
        for candidate in candidates:
            entry = listed.get(candidate.app_id.lower())
            if entry is None or not candidate.scopes:
                continue
            unresolved: list[str] = []
            ok, _ = auto_approvable(candidate.scopes, entry)
            if ok and not candidate.blocked:
                if resources is None:
                    resources = await self._resources()
                _, unresolved = resolve_scopes(candidate.scopes, resources)
            verdicts[candidate.request_id] = judge(candidate, entry, unresolved)
        return verdicts

    async def apply(self, session: AsyncSession, row: ConsentRequestRow, verdict: Verdict) -> bool:
        """Record the verdict on the new request; for an approval, queue it. True if queued.

        Called inside intake's transaction, before the card is announced, so
        the first card already shows the verdict; the caller commits and then
        wakes the decision worker.
        """
        now = self._clock()
        row.app_snapshot = {**row.app_snapshot, SNAPSHOT_KEY: verdict.to_json()}
        await session.flush()
        await auto_approvals.name_entry(session, row.app_id, row.app_display_name)
        if not verdict.approved:
            await self._audit(session, row, AuditResult.REFUSED, verdict.detail())
            return False
        if not await requests.move_status(
            session, row.id, RequestStatus.PENDING, RequestStatus.APPROVING, now
        ):
            return False
        await session.refresh(row)
        await decisions.add_decision(
            session,
            request_id=row.id,
            action=DecisionAction.APPROVE,
            actor_id=None,
            actor_name=AUTO_APPROVAL_ACTOR,
            reason=None,
            now=now,
            state=decisions.QUEUED,
        )
        await self._audit(session, row, AuditResult.ACCEPTED, verdict.detail())
        logger.info(
            "auto-approving %s for %s (%s) under the allow-list",
            row.id,
            row.app_display_name,
            " ".join(verdict.scopes),
        )
        return True

    async def _audit(
        self, session: AsyncSession, row: ConsentRequestRow, result: AuditResult, detail: str
    ) -> None:
        entry = AuditEntry(
            None, AUTO_APPROVAL_ACTOR, AuditAction.AUTO_APPROVE, result, row, None, detail
        )
        await audit_trail.record(session, entry, self._clock())
