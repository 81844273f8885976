"""Who may decide a request: the workflow's own reviewers, never the requester, and,
for approving or blocking with the bot's own app permissions, a consent-granting role.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain import DecisionAction
from bot.graph import GraphGateway

CONSENT_ADMIN_ROLE_TEMPLATE_IDS = frozenset(
    {
        "62e90394-69f5-4237-9190-012177145e10",  # Global Administrator
        "e8611ab8-c189-46e8-94e1-60213ab1f814",  # Privileged Role Administrator
        "158c047a-c907-4556-b7ef-446551a6b5f7",  # Cloud Application Administrator
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",  # Application Administrator
    }
)
_USER = re.compile(r"^/(?:v1\.0/|beta/)?users/([^/?]+)$", re.IGNORECASE)
_GROUP = re.compile(r"^/(?:v1\.0/|beta/)?groups/([^/?]+)/", re.IGNORECASE)
_ROLE = re.compile(r"roleDefinitionId\s+eq\s+'([^']+)'", re.IGNORECASE)


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
            if match := _USER.match(query):
                users.add(match.group(1).lower())
            elif match := _GROUP.match(query):
                groups.append(match.group(1))
            elif match := _ROLE.search(query):
                roles.add(match.group(1).lower())
        return cls(frozenset(users), tuple(groups), frozenset(roles))


class ReviewerCheck:
    """Answers "may this person take this action on this request?" from Graph."""

    def __init__(self, graph: GraphGateway) -> None:
        self._graph = graph

    async def refusal(
        self, user_id: str | None, action: DecisionAction, requester_ids: set[str]
    ) -> Refusal | None:
        if not user_id:
            return Refusal.NOT_A_REVIEWER
        policy = await self._graph.consent_request_policy()
        scopes = ReviewerScopes.parse(policy.reviewer_queries)
        # Both reads at once: the click is answered only after them.
        held, groups = await asyncio.gather(
            self._graph.directory_role_template_ids(user_id),
            self._graph.groups_among(user_id, list(scopes.groups)),
        )
        roles = {r.lower() for r in held}
        if not (user_id.lower() in scopes.users or roles & scopes.roles or groups):
            return Refusal.NOT_A_REVIEWER
        if user_id.lower() in {r.lower() for r in requester_ids}:
            return Refusal.OWN_REQUEST
        if action is not DecisionAction.DENY and not roles & CONSENT_ADMIN_ROLE_TEMPLATE_IDS:
            return Refusal.NEEDS_ROLE
        return None
