"""Typed reads of admin consent requests, apps, roles and policies, over plain JSON.

It turns Graph's JSON into the small frozen types the rest of the bot uses
and caches what rarely changes (the consent-request policy and the Graph
scope catalogue) for a short time. These reads sit on the paths people wait
on (a click is checked against the clicker's roles, a question reads the
app's request), so they skip msgraph-sdk's model layer: its generated modules
cost seconds to import and milliseconds of CPU per call.

Longer than 300 lines on purpose: every typed read the workflow makes shares
these conversions, and the types they produce live beside them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from bot.graph.json_reads import GraphJson, NotInGraph
from bot.infra.ttl_cache import TtlCache
from domain.types import Publisher, ScopeDetail

MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
SETTINGS_TTL_SECONDS = 60.0
"""Tenant settings (consent policies) are answered from memory for at most this long."""
PENDING_FILTER = "userConsentRequests/any(u:u/status eq 'InProgress')"
IN_PROGRESS_FILTER = "status eq 'InProgress'"
APP_PROFILE_FIELDS = [
    "id",
    "appId",
    "displayName",
    "verifiedPublisher",
    "publisherName",
    "homepage",
    "accountEnabled",
]


REQUESTS = "/identityGovernance/appConsent/appConsentRequests"
APP_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_FRACTION = re.compile(r"(\.\d{6})\d+")


@dataclass(frozen=True, slots=True)
class PendingRequest:
    id: str
    app_id: str
    app_display_name: str
    scopes: tuple[str, ...]
    users: tuple[UserRequest, ...] | None = None
    """The users' requests in progress, when the list was read with them expanded."""


class MissingGraphPermission(PermissionError):
    """Graph withheld what the bot needs because a permission was not granted to it.

    Raised instead of acting on a partial answer (a directory role with only its
    id means "nobody holds a role" to careless code), so the person who asked
    is told which permission to ask IT for.
    """

    def __init__(self, permission: str) -> None:
        super().__init__(f"the bot lacks the Microsoft Graph permission {permission}")
        self.permission = permission


@dataclass(frozen=True, slots=True)
class UserRequest:
    id: str
    status: str
    review_result: str | None
    reason: str | None
    created_at: datetime
    user_id: str
    display_name: str
    user_principal_name: str | None
    mail: str | None


@dataclass(frozen=True, slots=True)
class AppProfile:
    """What the tenant knows of an app through its service principal."""

    service_principal_id: str
    display_name: str | None
    publisher: Publisher
    homepage_url: str | None
    account_enabled: bool = True
    """False when the app is blocked (disabled) in the tenant."""


@dataclass(frozen=True, slots=True)
class ConsentRequestPolicy:
    is_enabled: bool
    request_duration_days: int | None
    reviewer_queries: tuple[str, ...] = ()


class GraphGateway:
    """Typed reads of the consent-request world, with short-lived caches."""

    def __init__(
        self,
        reads: GraphJson,
        *,
        clock: Callable[[], datetime],
        policy_ttl_seconds: float = SETTINGS_TTL_SECONDS,
        catalogue_ttl_seconds: float = 3600,
    ) -> None:
        self._reads = reads
        self._policy = TtlCache[ConsentRequestPolicy](policy_ttl_seconds, clock)
        self._catalogue = TtlCache[dict[str, ScopeDetail]](catalogue_ttl_seconds, clock)

    async def close(self) -> None:
        await self._reads.close()

    async def request_for(self, app_id: str) -> PendingRequest | None:
        """The app's consent request as Entra holds it now (one per app groups every user's)."""
        literal = app_id.replace("'", "''")
        items = await self._reads.items(REQUESTS, {"$filter": f"appId eq '{literal}'"})
        return pending_request(items[0], expanded=False) if items else None

    async def user_requests(self, request_id: str, *, in_progress_only: bool) -> list[UserRequest]:
        """The users' requests grouped under one app request (who asked, why, when)."""
        path = f"{REQUESTS}/{quote(request_id, safe='')}/userConsentRequests"
        params = {"$filter": IN_PROGRESS_FILTER} if in_progress_only else None
        try:
            items = await self._reads.items(path, params)
        except NotInGraph:
            raise NotInGraph(f"consent request {request_id}") from None
        return [user_request(item) for item in items]

    async def app_profile(self, app_id: str) -> AppProfile | None:
        """The app's service principal in this tenant, or None when it is not there yet."""
        if not APP_ID.fullmatch(app_id):
            return None  # Graph would answer 400: no such app can exist
        try:
            sp = await self._reads.get(
                f"/servicePrincipals(appId='{app_id}')", {"$select": ",".join(APP_PROFILE_FIELDS)}
            )
        except NotInGraph:
            return None
        return app_profile(sp) if sp.get("id") else None

    async def graph_scope_catalogue(self) -> dict[str, ScopeDetail]:
        """Microsoft Graph's delegated scopes by value (cached; it changes rarely)."""
        return await self._catalogue.get_or_load(self._load_catalogue)

    async def _load_catalogue(self) -> dict[str, ScopeDetail]:
        sp = await self._reads.get(
            f"/servicePrincipals(appId='{MICROSOFT_GRAPH_APP_ID}')",
            {"$select": "id,oauth2PermissionScopes"},
        )
        catalogue: dict[str, ScopeDetail] = {}
        for scope in sp.get("oauth2PermissionScopes") or []:
            if not isinstance(scope, dict) or not scope.get("value"):
                continue
            value = str(scope["value"])
            catalogue[value.lower()] = ScopeDetail(
                value=value,
                description=scope.get("adminConsentDisplayName")
                or scope.get("adminConsentDescription"),
                needs_admin=str(scope.get("type") or "").lower() == "admin",
                resource_name="Microsoft Graph",
            )
        return catalogue

    async def directory_role_template_ids(self, user_id: str) -> set[str]:
        """Template ids of the directory roles a user holds (directly or through groups)."""
        path = f"/users/{quote(user_id, safe='')}/transitiveMemberOf/microsoft.graph.directoryRole"
        try:
            roles = await self._reads.items(path, {"$select": "id,displayName,roleTemplateId"})
        except NotInGraph:
            return set()
        if any(not role.get("roleTemplateId") for role in roles):
            # Graph's "limited information": roles the app may not read come back as
            # bare ids (https://learn.microsoft.com/graph/permissions-overview).
            raise MissingGraphPermission("RoleManagement.Read.Directory")
        return {str(role["roleTemplateId"]) for role in roles}

    async def groups_among(self, user_id: str, group_ids: list[str]) -> set[str]:
        """Which of ``group_ids`` the user belongs to, directly or not (checkMemberGroups)."""
        if not group_ids:
            return set()
        path = f"/users/{quote(user_id, safe='')}/checkMemberGroups"
        try:
            answer = await self._reads.post(path, {"groupIds": group_ids})
        except NotInGraph:
            return set()
        return {str(g) for g in answer.get("value") or []}

    def forget_policy(self) -> None:
        """Drop the cached consent-request policy, after the bot itself changed it."""
        self._policy.clear()

    async def consent_request_policy(self) -> ConsentRequestPolicy:
        """The request workflow's policy; concurrent callers on a cold cache share one read."""
        return await self._policy.get_or_load(self._load_policy)

    async def _load_policy(self) -> ConsentRequestPolicy:
        policy = await self._reads.get("/policies/adminConsentRequestPolicy")
        days = policy.get("requestDurationInDays")
        return ConsentRequestPolicy(
            is_enabled=bool(policy.get("isEnabled")),
            request_duration_days=days if isinstance(days, int) else None,
            reviewer_queries=tuple(
                str(r["query"])
                for r in policy.get("reviewers") or []
                if isinstance(r, dict) and r.get("query")
            ),
        )


def pending_request(item: dict[str, Any], *, expanded: bool) -> PendingRequest:
    """An ``appConsentRequest``; with ``expanded``, its users' requests in progress too."""
    users: tuple[UserRequest, ...] | None = None
    # A Graph that ignores the expansion, or pages it, leaves the users to be read apart.
    whole = "userConsentRequests" in item and "userConsentRequests@odata.nextLink" not in item
    if expanded and whole:
        users = tuple(
            user_request(u)
            for u in item.get("userConsentRequests") or []
            if isinstance(u, dict) and str(u.get("status", "")).lower() == "inprogress"
        )
    app_id = _required(item.get("appId"), "appConsentRequest.appId")
    return PendingRequest(
        id=_required(item.get("id"), "appConsentRequest.id"),
        app_id=app_id,
        app_display_name=str(item.get("appDisplayName") or app_id),
        scopes=tuple(
            str(s["displayName"])
            for s in item.get("pendingScopes") or []
            if isinstance(s, dict) and s.get("displayName")
        ),
        users=users,
    )


def user_request(item: dict[str, Any]) -> UserRequest:
    """A ``userConsentRequest``; its approval's stages (v1.0) or steps (beta) give the result."""
    user = (item.get("createdBy") or {}).get("user") or {}
    approval = item.get("approval") or {}
    stages = approval.get("stages") or approval.get("steps") or []
    results = [s["reviewResult"] for s in stages if isinstance(s, dict) and s.get("reviewResult")]
    return UserRequest(
        id=_required(item.get("id"), "userConsentRequest.id"),
        status=str(item.get("status") or ""),
        review_result=str(results[-1]) if results else None,
        reason=item.get("reason"),
        created_at=graph_time(item.get("createdDateTime")),
        user_id=str(user.get("id") or ""),
        display_name=str(user.get("displayName") or ""),
        user_principal_name=user.get("userPrincipalName"),
        mail=user.get("mail"),
    )


def app_profile(sp: dict[str, Any]) -> AppProfile:
    """A service principal as a profile; ``publisherName`` is read though v1.0 leaves it open."""
    verified = sp.get("verifiedPublisher") or {}
    is_verified = bool(verified.get("verifiedPublisherId"))
    return AppProfile(
        service_principal_id=str(sp["id"]),
        display_name=sp.get("displayName"),
        publisher=Publisher(
            display_name=(verified.get("displayName") if is_verified else None)
            or sp.get("publisherName"),
            verified=is_verified,
        ),
        homepage_url=sp.get("homepage"),
        account_enabled=sp.get("accountEnabled") is not False,
    )


def graph_time(value: object) -> datetime:
    """A Graph ``DateTimeOffset`` (seven fraction digits allowed); now when absent."""
    if not isinstance(value, str) or not value:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(_FRACTION.sub(r"\1", value.replace("Z", "+00:00")))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _required(value: object, name: str) -> str:
    if not value:
        raise ValueError(f"Graph returned no {name}")
    return str(value)
