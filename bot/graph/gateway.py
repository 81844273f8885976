"""Typed reads of admin consent requests, apps, roles and policies.

It turns msgraph-sdk models into the small frozen types the rest of the bot
uses, follows ``@odata.nextLink`` paging, and caches what rarely changes (the
consent-request policy and the Graph scope catalogue) for a short time, so a
steady-state poll costs exactly one call.

Longer than 300 lines on purpose: every typed read the workflow makes shares
its conversions from msgraph-sdk models and its paging.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.identity_governance.app_consent.app_consent_requests.app_consent_requests_request_builder import (  # noqa: E501
    AppConsentRequestsRequestBuilder,
)
from msgraph.generated.identity_governance.app_consent.app_consent_requests.item.user_consent_requests.user_consent_requests_request_builder import (  # noqa: E501
    UserConsentRequestsRequestBuilder,
)
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.service_principals_with_app_id.service_principals_with_app_id_request_builder import (  # noqa: E501
    ServicePrincipalsWithAppIdRequestBuilder,
)
from msgraph.generated.users.item.check_member_groups.check_member_groups_post_request_body import (
    CheckMemberGroupsPostRequestBody,
)
from msgraph.generated.users.item.transitive_member_of.graph_directory_role.graph_directory_role_request_builder import (  # noqa: E501
    GraphDirectoryRoleRequestBuilder,
)

from bot.graph.connection import GraphConnection
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


_RequestsQuery = AppConsentRequestsRequestBuilder.AppConsentRequestsRequestBuilderGetQueryParameters
_ServicePrincipalQuery = ServicePrincipalsWithAppIdRequestBuilder.ServicePrincipalsWithAppIdRequestBuilderGetQueryParameters  # noqa: E501
_RolesQuery = GraphDirectoryRoleRequestBuilder.GraphDirectoryRoleRequestBuilderGetQueryParameters


@dataclass(frozen=True, slots=True)
class PendingRequest:
    id: str
    app_id: str
    app_display_name: str
    scopes: tuple[str, ...]


class NotInGraph(LookupError):
    """Graph answered 404: the object does not exist (any more)."""


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
        connection: GraphConnection,
        *,
        clock: Callable[[], datetime],
        policy_ttl_seconds: float = SETTINGS_TTL_SECONDS,
        catalogue_ttl_seconds: float = 3600,
    ) -> None:
        self._connection = connection
        self._client = connection.client
        self._policy = TtlCache[ConsentRequestPolicy](policy_ttl_seconds, clock)
        self._catalogue = TtlCache[dict[str, ScopeDetail]](catalogue_ttl_seconds, clock)

    async def close(self) -> None:
        await self._connection.close()

    async def pending_requests(self) -> list[PendingRequest]:
        """Every app consent request with at least one user request in progress."""
        builder = self._client.identity_governance.app_consent.app_consent_requests
        query = _RequestsQuery(filter=PENDING_FILTER)
        page = await builder.get(RequestConfiguration(query_parameters=query))
        found: list[PendingRequest] = []
        while page is not None:
            for item in page.value or []:
                found.append(
                    PendingRequest(
                        id=_required(item.id, "appConsentRequest.id"),
                        app_id=_required(item.app_id, "appConsentRequest.appId"),
                        app_display_name=item.app_display_name or item.app_id or "",
                        scopes=tuple(
                            s.display_name for s in item.pending_scopes or [] if s.display_name
                        ),
                    )
                )
            next_link = page.odata_next_link
            page = await builder.with_url(next_link).get() if next_link else None
        return found

    async def request_for(self, app_id: str) -> PendingRequest | None:
        """The app's consent request as Entra holds it now (one per app groups every user's)."""
        builder = self._client.identity_governance.app_consent.app_consent_requests
        literal = app_id.replace("'", "''")
        query = _RequestsQuery(filter=f"appId eq '{literal}'")
        page = await builder.get(RequestConfiguration(query_parameters=query))
        for item in (page.value if page else None) or []:
            return PendingRequest(
                id=_required(item.id, "appConsentRequest.id"),
                app_id=_required(item.app_id, "appConsentRequest.appId"),
                app_display_name=item.app_display_name or item.app_id or "",
                scopes=tuple(s.display_name for s in item.pending_scopes or [] if s.display_name),
            )
        return None

    async def user_requests(self, request_id: str, *, in_progress_only: bool) -> list[UserRequest]:
        """The users' requests grouped under one app request (who asked, why, when)."""
        requests_builder = self._client.identity_governance.app_consent.app_consent_requests
        builder = requests_builder.by_app_consent_request_id(request_id).user_consent_requests
        query = (
            UserConsentRequestsRequestBuilder.UserConsentRequestsRequestBuilderGetQueryParameters(
                filter=IN_PROGRESS_FILTER if in_progress_only else None
            )
        )
        try:
            page = await builder.get(RequestConfiguration(query_parameters=query))
        except ODataError as error:
            if error.response_status_code == 404:
                raise NotInGraph(f"consent request {request_id}") from error
            raise
        found: list[UserRequest] = []
        while page is not None:
            found.extend(_user_request(item) for item in page.value or [])
            next_link = page.odata_next_link
            page = await builder.with_url(next_link).get() if next_link else None
        return found

    async def app_profile(self, app_id: str) -> AppProfile | None:
        """The app's service principal in this tenant, or None when it is not there yet."""
        builder = self._client.service_principals_with_app_id(app_id)
        query = _ServicePrincipalQuery(select=APP_PROFILE_FIELDS)
        try:
            sp = await builder.get(RequestConfiguration(query_parameters=query))
        except ODataError as error:
            if error.response_status_code == 404:
                return None
            raise
        if sp is None:
            return None
        verified = sp.verified_publisher
        is_verified = bool(verified and verified.verified_publisher_id)
        # The SDK's v1.0 model lacks publisherName; Graph still returns it when selected.
        publisher_name = (sp.additional_data or {}).get("publisherName")
        return AppProfile(
            service_principal_id=_required(sp.id, "servicePrincipal.id"),
            display_name=sp.display_name,
            publisher=Publisher(
                display_name=(verified.display_name if verified and is_verified else None)
                or publisher_name,
                verified=is_verified,
            ),
            homepage_url=sp.homepage,
            account_enabled=sp.account_enabled is not False,
        )

    async def graph_scope_catalogue(self) -> dict[str, ScopeDetail]:
        """Microsoft Graph's delegated scopes by value (cached; it changes rarely)."""
        cached = self._catalogue.get()
        if cached is not None:
            return cached
        builder = self._client.service_principals_with_app_id(MICROSOFT_GRAPH_APP_ID)
        query = _ServicePrincipalQuery(select=["id", "oauth2PermissionScopes"])
        sp = await builder.get(RequestConfiguration(query_parameters=query))
        catalogue: dict[str, ScopeDetail] = {}
        for scope in (sp.oauth2_permission_scopes if sp else None) or []:
            if not scope.value:
                continue
            catalogue[scope.value.lower()] = ScopeDetail(
                value=scope.value,
                description=scope.admin_consent_display_name or scope.admin_consent_description,
                needs_admin=(scope.type or "").lower() == "admin",
                resource_name="Microsoft Graph",
            )
        return self._catalogue.put(catalogue)

    async def directory_role_template_ids(self, user_id: str) -> set[str]:
        """Template ids of the directory roles a user holds (directly or through groups)."""
        builder = self._client.users.by_user_id(user_id).transitive_member_of.graph_directory_role
        query = _RolesQuery(select=["id", "displayName", "roleTemplateId"])
        try:
            page = await builder.get(RequestConfiguration(query_parameters=query))
        except ODataError as error:
            if error.response_status_code == 404:
                return set()
            raise
        found: set[str] = set()
        while page is not None:
            if any(not role.role_template_id for role in page.value or []):
                # Graph's "limited information": roles the app may not read come back as
                # bare ids (https://learn.microsoft.com/graph/permissions-overview).
                raise MissingGraphPermission("RoleManagement.Read.Directory")
            found.update(
                role.role_template_id for role in page.value or [] if role.role_template_id
            )
            next_link = page.odata_next_link
            page = await builder.with_url(next_link).get() if next_link else None
        return found

    async def groups_among(self, user_id: str, group_ids: list[str]) -> set[str]:
        """Which of ``group_ids`` the user belongs to, directly or not (checkMemberGroups)."""
        if not group_ids:
            return set()
        body = CheckMemberGroupsPostRequestBody(group_ids=group_ids)
        try:
            answer = await self._client.users.by_user_id(user_id).check_member_groups.post(body)
        except ODataError as error:
            if error.response_status_code == 404:
                return set()
            raise
        return set(answer.value or []) if answer else set()

    def forget_policy(self) -> None:
        """Drop the cached consent-request policy, after the bot itself changed it."""
        self._policy.clear()

    async def consent_request_policy(self) -> ConsentRequestPolicy:
        cached = self._policy.get()
        if cached is not None:
            return cached
        policy = await self._client.policies.admin_consent_request_policy.get()
        return self._policy.put(
            ConsentRequestPolicy(
                is_enabled=bool(policy and policy.is_enabled),
                request_duration_days=policy.request_duration_in_days if policy else None,
                reviewer_queries=tuple(
                    r.query for r in (policy.reviewers if policy else None) or [] if r.query
                ),
            )
        )


def _user_request(item: Any) -> UserRequest:
    user = item.created_by.user if item.created_by else None
    extra: dict[str, Any] = dict(user.additional_data or {}) if user else {}
    created = item.created_date_time or datetime.now(UTC)
    stages = item.approval.stages if item.approval and item.approval.stages else []
    results = [stage.review_result for stage in stages if stage.review_result]
    return UserRequest(
        id=_required(item.id, "userConsentRequest.id"),
        status=item.status or "",
        review_result=results[-1] if results else None,
        reason=item.reason,
        created_at=created if created.tzinfo else created.replace(tzinfo=UTC),
        user_id=(user.id if user else None) or "",
        display_name=(user.display_name if user else None) or "",
        user_principal_name=extra.get("userPrincipalName"),
        mail=extra.get("mail"),
    )


def _required(value: str | None, name: str) -> str:
    if not value:
        raise ValueError(f"Graph returned no {name}")
    return value
