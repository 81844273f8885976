"""Apps as this tenant knows them: names to match against, and one app's facts.

Typed names are matched against every service principal's display name. The
index is kept with Graph's ``servicePrincipals`` delta query: the first round
reads every service principal once; later rounds bring only what was added,
changed or deleted since. It is caught up every five minutes, and at once
(at most every couple of seconds) when a question names an app it does not
hold, so an app added a minute ago is found and a miss is never taken from a
stale index. It remembers each app's service principal id, so a warm answer
reads the service principal, its tenant-wide grant, the user's own grant and
(when assignment is required) its assignments all at once, in one round trip.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from bot.graph.gateway import GraphGateway
from bot.graph.json_reads import GraphJson, GraphReadError, NotInGraph
from domain.diagnosis.facts import AppFacts
from domain.diagnosis.matching import Candidate

INDEX_FIELDS = "id,appId,displayName,appRoleAssignmentRequired"
REFRESH_SECONDS = 2.0
"""A miss catches the index up at most this often: a burst of questions about apps the
tenant does not have costs one delta call, not one each."""
_APP_ID = re.compile(r"[0-9A-Za-z-]{1,64}")
APP_FIELDS = [
    "id",
    "appId",
    "displayName",
    "accountEnabled",
    "appRoleAssignmentRequired",
    "appOwnerOrganizationId",
    "verifiedPublisher",
    "publisherName",
    "homepage",
    "info",
]


@dataclass(frozen=True, slots=True)
class AppReading:
    """One app's facts and the scopes already granted for it."""

    app: AppFacts
    granted_to_all: frozenset[str] = frozenset()
    granted_to_user: frozenset[str] = frozenset()


def _literal(value: str) -> str:
    """An OData string literal; ids come from activities, so quotes are escaped."""
    return "'" + value.replace("'", "''") + "'"


class AppDirectory:
    """Service principals by name and by app id, for the diagnosis."""

    def __init__(
        self,
        reads: GraphJson,
        gateway: GraphGateway,
        clock: Callable[[], datetime],
        *,
        tenant_id: str,
        index_ttl: float = 300,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self._reads = reads
        self._gateway = gateway
        self._tenant_id = tenant_id.lower()
        self._clock = clock
        self._index_ttl = timedelta(seconds=index_ttl)
        self._refresh_every = timedelta(seconds=refresh_seconds)
        self._names: dict[str, Candidate] = {}
        """App id (lower case) -> the name to match."""
        self._app_of: dict[str, str] = {}
        """Service principal id -> app id (lower case): deleted ones come back as ids only."""
        self._delta_link: str | None = None
        self._synced_at: datetime | None = None
        self._sync_lock = asyncio.Lock()
        # app id -> (service principal id, assignment required), as last read.
        self._principals: dict[str, tuple[str, bool]] = {}

    async def candidates(self) -> list[Candidate]:
        """Every app with a service principal here, for matching typed names."""
        await self._catch_up(self._index_ttl)
        return list(self._names.values())

    async def refresh(self) -> None:
        """Catch the index up now (a question named an app it does not hold)."""
        await self._catch_up(self._refresh_every)

    async def _catch_up(self, fresh_for: timedelta) -> None:
        async with self._sync_lock:
            if self._synced_at is not None and self._clock() - self._synced_at < fresh_for:
                return  # caught up a moment ago (perhaps by the caller this one waited for)
            try:
                items, link = await self._reads.changes(
                    self._delta_link, "/servicePrincipals/delta", {"$select": INDEX_FIELDS}
                )
            except GraphReadError as error:
                if self._delta_link is None or error.status not in (400, 410):
                    raise
                # Graph no longer holds that round: start a new one from scratch.
                self._delta_link = None
                items, link = await self._reads.changes(
                    None, "/servicePrincipals/delta", {"$select": INDEX_FIELDS}
                )
            if self._delta_link is None:  # a first round lists everything there is
                self._names.clear()
                self._app_of.clear()
            self._merge(items)
            self._delta_link = link
            self._synced_at = self._clock()

    def _merge(self, items: list[dict[str, Any]]) -> None:
        """Apply one round: added and changed service principals, and deleted ones."""
        for item in items:
            sp_id = str(item.get("id") or "")
            if "@removed" in item:
                gone = self._app_of.pop(sp_id, None)
                if gone is not None:
                    self._names.pop(gone, None)
                    self._principals.pop(gone, None)
                continue
            app_id = str(item.get("appId") or self._app_of.get(sp_id) or "")
            if not sp_id or not app_id:
                continue
            key = app_id.lower()
            before = self._names.get(key)
            name = item.get("displayName") or (before.display_name if before else app_id)
            self._names[key] = Candidate(app_id, str(name))
            self._app_of[sp_id] = key
            required = item.get("appRoleAssignmentRequired")
            if required is not None or key not in self._principals:
                self._principals[key] = (sp_id, bool(required))

    async def read(self, app_id: str, user_id: str | None, fallback_name: str) -> AppReading:
        """The app's facts for this user; one round trip when its principal is known."""
        known = self._principals.get(app_id.lower())
        if known is None:
            sp = await self._principal(app_id)
            if sp is None:
                return AppReading(AppFacts(app_id, fallback_name, in_tenant=False))
            principal_id = str(sp["id"])
            needs_assignment = bool(sp.get("appRoleAssignmentRequired"))
            to_all, to_user, assigned = await asyncio.gather(
                self._tenant_wide(principal_id),
                self._granted_by(principal_id, user_id),
                self._assigned(principal_id, user_id, needs_assignment),
            )
        else:
            principal_id, needs_assignment = known
            sp, to_all, to_user, assigned = await asyncio.gather(
                self._principal(app_id),
                self._tenant_wide(principal_id),
                self._granted_by(principal_id, user_id),
                self._assigned(principal_id, user_id, needs_assignment),
            )
            if sp is None:
                self._principals.pop(app_id.lower(), None)
                return AppReading(AppFacts(app_id, fallback_name, in_tenant=False))
            if sp.get("appRoleAssignmentRequired") and not needs_assignment:
                # Switched on since the index was read: one more call, this once.
                assigned = await self._assigned(principal_id, user_id, True)
        required = bool(sp.get("appRoleAssignmentRequired"))
        self._principals[app_id.lower()] = (principal_id, required)
        return AppReading(
            self._facts(sp, assigned if required else None, fallback_name),
            granted_to_all=to_all,
            granted_to_user=to_user,
        )

    def _facts(self, sp: dict[str, Any], assigned: bool | None, fallback_name: str) -> AppFacts:
        verified = sp.get("verifiedPublisher") or {}
        is_verified = bool(verified.get("verifiedPublisherId"))
        info = sp.get("info") or {}
        owner = str(sp.get("appOwnerOrganizationId") or "")
        return AppFacts(
            app_id=str(sp.get("appId") or ""),
            display_name=str(sp.get("displayName") or fallback_name),
            in_tenant=True,
            publisher_name=(verified.get("displayName") if is_verified else None)
            or sp.get("publisherName"),
            verified=is_verified,
            own_tenant=owner.lower() == self._tenant_id,
            enabled=sp.get("accountEnabled") is not False,
            assignment_required=bool(sp.get("appRoleAssignmentRequired")),
            user_assigned=assigned,
            homepage_url=sp.get("homepage"),
            privacy_url=info.get("privacyStatementUrl"),
            terms_url=info.get("termsOfServiceUrl"),
        )

    async def _principal(self, app_id: str) -> dict[str, Any] | None:
        """The service principal, or None when the tenant does not have the app."""
        if not _APP_ID.fullmatch(app_id):
            return None  # Graph would answer 400; nothing to look up
        try:
            sp = await self._reads.get(
                f"/servicePrincipals(appId='{app_id}')", {"$select": ",".join(APP_FIELDS)}
            )
        except NotInGraph:
            return None
        return sp if sp.get("id") else None

    async def _tenant_wide(self, principal_id: str) -> frozenset[str]:
        """Scopes an admin granted for everyone."""
        return await self._grants(
            f"clientId eq {_literal(principal_id)} and consentType eq 'AllPrincipals'"
        )

    async def _granted_by(self, principal_id: str, user_id: str | None) -> frozenset[str]:
        """Scopes the user consented to for themselves."""
        if not user_id:
            return frozenset()
        return await self._grants(
            f"clientId eq {_literal(principal_id)} and principalId eq {_literal(user_id)}"
        )

    async def _grants(self, condition: str) -> frozenset[str]:
        grants = await self._reads.items("/oauth2PermissionGrants", {"$filter": condition})
        return frozenset(s for g in grants for s in str(g.get("scope") or "").split())

    async def _assigned(self, principal_id: str, user_id: str | None, needed: bool) -> bool | None:
        """Whether the user is assigned to the app, directly or through a group."""
        if not needed or not user_id:
            return None
        try:
            assignments = await self._reads.items(
                f"/servicePrincipals/{quote(principal_id, safe='')}/appRoleAssignedTo",
                {"$select": "principalId,principalType"},
            )
        except NotInGraph:
            return None
        if any(a.get("principalId") == user_id for a in assignments):
            return True
        groups = [
            str(a["principalId"])
            for a in assignments
            if a.get("principalId") and str(a.get("principalType", "")).lower() == "group"
        ]
        return bool(await self._gateway.groups_among(user_id, groups)) if groups else False
