"""Reads behind the "switch requests on" form: the whole workflow policy, and reviewers by name.

The admin types people as a UPN or an object id and groups as a display name
or an id; each is resolved to its object id here, and a reviewer query of the
saved policy is turned back into a name to show. All reads go through
``GraphJson`` (plain JSON, throttling honoured); the policy is read fresh, not
from the diagnosis' cache, because an admin about to change it must see it as
it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bot.graph.json_reads import GraphJson, GraphReadError, NotInGraph
from domain.entra import CONSENT_ROLES, ReviewerKind, ReviewerQuery, read_reviewer_query
from domain.object_ids import is_object_id


@dataclass(frozen=True, slots=True)
class Directory:
    """An object found in the directory: its id and the name to show."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class WorkflowPolicy:
    """``adminConsentRequestPolicy`` as Graph returns it, reduced to what the form shows."""

    is_enabled: bool
    notify_reviewers: bool
    reminders_enabled: bool
    request_duration_days: int | None
    reviewer_queries: tuple[str, ...]


class AmbiguousGroup(LookupError):
    """More than one group has the display name that was typed."""


class ReviewerLookup:
    def __init__(self, graph: GraphJson) -> None:
        self._graph = graph

    async def policy(self) -> WorkflowPolicy:
        body = await self._graph.get("/policies/adminConsentRequestPolicy")
        days = body.get("requestDurationInDays")
        return WorkflowPolicy(
            is_enabled=body.get("isEnabled") is True,
            notify_reviewers=body.get("notifyReviewers") is True,
            reminders_enabled=body.get("remindersEnabled") is True,
            request_duration_days=days if isinstance(days, int) else None,
            reviewer_queries=tuple(
                r["query"]
                for r in body.get("reviewers") or []
                if isinstance(r, dict) and isinstance(r.get("query"), str)
            ),
        )

    async def user(self, key: str) -> Directory | None:
        """A user by UPN or object id; None when Graph knows no such user."""
        path = f"/users/{quote(key.strip(), safe='@')}"
        try:
            found = await self._graph.get(path, {"$select": "id,displayName,userPrincipalName"})
        except NotInGraph:
            return None
        except GraphReadError as error:
            if error.status == 400:  # not a well-formed id or UPN: no such user either
                return None
            raise
        return _directory(found, "userPrincipalName")

    async def group(self, key: str) -> Directory | None:
        """A group by object id or exact display name; None when there is none.

        ``AmbiguousGroup`` when several groups carry the name: the admin must
        then give the id, the bot never picks one.
        """
        key = key.strip()
        if is_object_id(key):
            try:
                found = await self._graph.get(
                    f"/groups/{quote(key)}", {"$select": "id,displayName"}
                )
            except NotInGraph:
                return None
            return _directory(found, "id")
        literal = key.replace("'", "''")  # OData string literal
        matches = await self._graph.items(
            "/groups", {"$filter": f"displayName eq '{literal}'", "$select": "id,displayName"}
        )
        if len(matches) > 1:
            raise AmbiguousGroup(key)
        return _directory(matches[0], "id") if matches else None

    async def reviewer_name(self, query: str) -> str | None:
        """A readable name for one reviewer query of the saved policy."""
        match read_reviewer_query(query):
            case ReviewerQuery(ReviewerKind.USER, user_id):
                user = await self.user(user_id)
                return user.name if user else None
            case ReviewerQuery(ReviewerKind.GROUP, group_id):
                group = await self.group(group_id) if is_object_id(group_id) else None
                return group.name if group else None
            case ReviewerQuery(ReviewerKind.ROLE, role_id):
                return CONSENT_ROLES.get(role_id)
        return None


def _directory(found: dict[str, Any], fallback_field: str) -> Directory | None:
    object_id = found.get("id")
    if not isinstance(object_id, str) or not object_id:
        return None
    name = found.get("displayName") or found.get(fallback_field) or object_id
    return Directory(object_id, str(name))
