"""The tenant's consent settings, read for the diagnosis (graph-contract section 3).

Two policies decide the situation a blocked user is in: the authorization
policy's ``permissionGrantPoliciesAssigned`` (who may consent to what) and the
admin consent request policy (whether a request can be made, reviewed by
whom). Both change rarely and are cached for five minutes, with the reviewers'
names, so a warm answer costs no call for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.groups.item.group_item_request_builder import GroupItemRequestBuilder
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

from bot.graph.connection import GraphConnection
from bot.graph.gateway import GraphGateway
from bot.infra.ttl_cache import TtlCache
from domain.diagnosis.facts import TenantConsentFacts, UserConsentMode
from domain.entra import CONSENT_ROLES, ReviewerKind, read_reviewer_query

SELF_CONSENT_PREFIX = "managepermissiongrantsforself."
LOW_POLICY = "microsoft-user-default-low"
LEGACY_POLICY = "microsoft-user-default-legacy"

_NAME_ONLY = ["id", "displayName"]


def user_consent_mode(assigned: Sequence[str]) -> tuple[UserConsentMode, tuple[str, ...]]:
    """The mode ``permissionGrantPoliciesAssigned`` sets, and any custom policies in it.

    Only ``ManagePermissionGrantsForSelf`` entries count: the resource-specific
    (``...ForOwnedResource``) ones stay when user consent is off, so "the list
    is empty" is not the test. Casing varies between tenants.
    """
    policies = [
        entry.strip()[len(SELF_CONSENT_PREFIX) :]
        for entry in assigned
        if entry.strip().lower().startswith(SELF_CONSENT_PREFIX)
    ]
    folded = {p.lower() for p in policies}
    if LEGACY_POLICY in folded:
        return UserConsentMode.LEGACY, ()
    custom = tuple(p for p in policies if p.lower() != LOW_POLICY)  # as the admin named them
    if custom:
        return UserConsentMode.CUSTOM, custom
    if LOW_POLICY in folded:
        return UserConsentMode.LOW, ()
    return UserConsentMode.OFF, ()


class TenantConsentReader:
    """Reads and caches the consent settings the diagnosis starts from."""

    def __init__(
        self,
        connection: GraphConnection,
        gateway: GraphGateway,
        clock: Callable[[], datetime],
        *,
        ttl_seconds: float = 300,
    ) -> None:
        self._client = connection.client
        self._gateway = gateway
        self._settings = TtlCache[TenantConsentFacts](ttl_seconds, clock)

    async def settings(self) -> TenantConsentFacts:
        return await self._settings.get_or_load(self._load)

    def forget(self) -> None:
        """Drop the cached settings, after the bot itself changed them."""
        self._settings.clear()

    async def _load(self) -> TenantConsentFacts:
        authorization, requests = await asyncio.gather(
            self._client.policies.authorization_policy.get(),
            self._gateway.consent_request_policy(),
        )
        permissions = authorization.default_user_role_permissions if authorization else None
        mode, custom = user_consent_mode(
            (permissions.permission_grant_policies_assigned if permissions else None) or []
        )
        # true switches risk-based step-up off; false or absent leaves it on (the default).
        allow_risky = authorization.allow_user_consent_for_risky_apps if authorization else None
        reviewers = await asyncio.gather(*(self._reviewer(q) for q in requests.reviewer_queries))
        return TenantConsentFacts(
            user_consent=mode,
            requests_enabled=requests.is_enabled,
            request_duration_days=requests.request_duration_days,
            risky_step_up=allow_risky is not True,
            reviewers=tuple(name for name in reviewers if name),
            custom_policies=custom,
        )

    async def _reviewer(self, query: str) -> str | None:
        """A readable name for one reviewer query of the workflow."""
        reviewer = read_reviewer_query(query)
        try:
            if reviewer and reviewer.kind is ReviewerKind.USER:
                user = await self._client.users.by_user_id(reviewer.id).get(
                    RequestConfiguration(
                        query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
                            select=_NAME_ONLY
                        )
                    )
                )
                return user.display_name if user else None
            if reviewer and reviewer.kind is ReviewerKind.GROUP:
                group = await self._client.groups.by_group_id(reviewer.id).get(
                    RequestConfiguration(
                        query_parameters=GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters(
                            select=_NAME_ONLY
                        )
                    )
                )
                return group.display_name if group else None
        except ODataError as error:
            if error.response_status_code == 404:
                return None  # a reviewer deleted since the policy was saved
            raise
        if reviewer and reviewer.kind is ReviewerKind.ROLE:
            return CONSENT_ROLES.get(reviewer.id)
        return None
