"""Who may decide a request: the workflow's own reviewers and the reviewers of the
destinations showing its card, never the requester, and, for approving or blocking
with the bot's own app permissions, a consent-granting role.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

from bot.graph import GraphGateway
from domain.entra import (
    CONSENT_ROLE_TEMPLATE_IDS,
    ReviewerKind,
    ReviewerQuery,
    read_reviewer_query,
)
from domain.types import DecisionAction

MEMBER_CHECK_LIMIT = 20
"""Group ids one ``checkMemberGroups`` call accepts."""


_ROLES_READ_EARLY: ContextVar[tuple[str, asyncio.Future[set[str]]] | None] = ContextVar(
    "roles_read_early", default=None
)
"""The clicker's role read started as this turn's click arrived (each turn has its own)."""


class Refusal(StrEnum):
    NOT_A_REVIEWER = "refusal.not_a_reviewer"
    OWN_REQUEST = "refusal.own_request"
    NEEDS_ROLE = "refusal.needs_role"


@dataclass(frozen=True, slots=True)
class ReviewerScopes:
    """The workflow's reviewers, parsed from ``adminConsentRequestPolicy.reviewers``."""

    users: frozenset[str]
    groups: tuple[str, ...]
    roles: frozenset[str]

    @classmethod
    def parse(cls, queries: tuple[str, ...]) -> ReviewerScopes:
        users, groups, roles = set(), [], set()
        for query in queries:
            match read_reviewer_query(query):
                case ReviewerQuery(ReviewerKind.USER, user_id):
                    users.add(user_id.lower())
                case ReviewerQuery(ReviewerKind.GROUP, group_id):
                    groups.append(group_id)
                case ReviewerQuery(ReviewerKind.ROLE, role_id):
                    roles.add(role_id)
        return cls(frozenset(users), tuple(groups), frozenset(roles))


class ReviewerCheck:
    """Answers "may this person take this action on this request?" from Graph."""

    def __init__(self, graph: GraphGateway) -> None:
        self._graph = graph

    def read_roles_early(self, user_id: str) -> asyncio.Future[set[str]]:
        """Start reading ``user_id``'s directory roles now, for this turn's check to use.

        A click's answer waits for the clicker's directory name and for their
        roles; started together they cost one Graph round trip instead of two.
        The roles are read as this click arrives and serve this turn only
        (a context variable), so they are as current as a read in the check.
        """
        read = asyncio.ensure_future(self._graph.directory_role_template_ids(user_id))
        # A turn that ends before its check (a bad request) leaves the read unawaited.
        read.add_done_callback(_retrieve)
        _ROLES_READ_EARLY.set((user_id.lower(), read))
        return read

    def _roles_read_early(self, user_id: str) -> asyncio.Future[set[str]] | None:
        """The read ``read_roles_early`` started for this user in this turn, once; else None."""
        early = _ROLES_READ_EARLY.get()
        if early is None or early[0] != user_id.lower():
            return None
        _ROLES_READ_EARLY.set(None)
        return early[1]

    async def refusal(
        self,
        user_id: str | None,
        action: DecisionAction,
        requester_ids: Collection[str],
        destination_reviewers: Sequence[str] = (),
    ) -> Refusal | None:
        """Why this person may not take ``action``, or None when they may.

        ``destination_reviewers`` are the object ids (users and groups) the
        destinations showing the card name as reviewers on top of the
        workflow's own. A click costs the role read and one membership check
        covering the workflow's groups and those ids together (none when the
        person is named directly; one more per 20 ids past the first 20); the
        policy is cached.
        """
        if not user_id:
            return Refusal.NOT_A_REVIEWER
        policy = await self._graph.consent_request_policy()
        scopes = ReviewerScopes.parse(policy.reviewer_queries)
        me = user_id.lower()
        named = me in scopes.users or me in {r.lower() for r in destination_reviewers}
        groups_to_check = [] if named else _unique([*scopes.groups, *destination_reviewers], me)
        early = self._roles_read_early(user_id)
        if early is not None and early.done():
            roles = {r.lower() for r in early.result()}
            # The roles are known: a reviewer by role needs no membership read at all.
            groups = await self._member_of(user_id, [] if roles & scopes.roles else groups_to_check)
        else:
            # Both reads at once: the click is answered only after them.
            held, groups = await asyncio.gather(
                early or self._graph.directory_role_template_ids(user_id),
                self._member_of(user_id, groups_to_check),
            )
            roles = {r.lower() for r in held}
        if not (named or roles & scopes.roles or groups):
            return Refusal.NOT_A_REVIEWER
        if me in {r.lower() for r in requester_ids}:
            return Refusal.OWN_REQUEST
        if action is not DecisionAction.DENY and not roles & CONSENT_ROLE_TEMPLATE_IDS:
            return Refusal.NEEDS_ROLE
        return None

    async def _member_of(self, user_id: str, group_ids: list[str]) -> set[str]:
        """Which of ``group_ids`` the user is in; one Graph call per 20 ids (its limit)."""
        if not group_ids:
            return set()
        batches = [
            group_ids[i : i + MEMBER_CHECK_LIMIT]
            for i in range(0, len(group_ids), MEMBER_CHECK_LIMIT)
        ]
        found = await asyncio.gather(*(self._graph.groups_among(user_id, b) for b in batches))
        return set().union(*found)


def _retrieve(done: asyncio.Future[set[str]]) -> None:
    """Mark a failed read as seen; the check that awaits it still gets the error."""
    if not done.cancelled():
        done.exception()


def _unique(ids: Sequence[str], leave_out: str) -> list[str]:
    """``ids`` without repeats (case-insensitive) and without ``leave_out``."""
    seen: dict[str, str] = {}
    for object_id in ids:
        if object_id.lower() != leave_out:
            seen.setdefault(object_id.lower(), object_id)
    return list(seen.values())
