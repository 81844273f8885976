"""The tenant's consent settings, read for the diagnosis (graph-contract section 3).

Two policies decide the situation a blocked user is in: the authorization
policy's ``permissionGrantPoliciesAssigned`` (who may consent to what) and the
admin consent request policy (whether a request can be made, reviewed by
whom). Both change rarely and are cached for at most a minute, with the
reviewers' names, so a warm answer costs no call for them; a pasted error that
contradicts them, or a change the bot made itself, drops them at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from bot.graph.gateway import SETTINGS_TTL_SECONDS, GraphGateway
from bot.graph.json_reads import GraphJson, NotInGraph
from bot.infra.ttl_cache import TtlCache
from domain.diagnosis.facts import TenantConsentFacts, UserConsentMode
from domain.diagnosis.managed_policies import MAIL_CLIENTS_POLICY, RECOMMENDED_POLICY
from domain.entra import CONSENT_ROLES, ReviewerKind, read_reviewer_query

SELF_CONSENT_PREFIX = "managepermissiongrantsforself."
LOW_POLICY = "microsoft-user-default-low"
LEGACY_POLICY = "microsoft-user-default-legacy"

_NAME_ONLY = {"$select": "id,displayName"}


def user_consent_mode(assigned: Sequence[str]) -> tuple[UserConsentMode, tuple[str, ...]]:
    """The mode ``permissionGrantPoliciesAssigned`` sets, and any custom policies in it.

    Only ``ManagePermissionGrantsForSelf`` entries count: the resource-specific
    (``...ForOwnedResource``) ones stay when user consent is off, so "the list
    is empty" is not the test. Casing varies between tenants. Microsoft's
    managed policies are known policies, not custom ones: the recommended one
    (with its mail-client companion, see ``domain.diagnosis.managed_policies``).
    """
    policies = _self_consent_policies(assigned)
    folded = {p.lower() for p in policies}
    if LEGACY_POLICY in folded:
        return UserConsentMode.LEGACY, ()
    known = {LOW_POLICY, RECOMMENDED_POLICY}
    if RECOMMENDED_POLICY in folded:
        known.add(MAIL_CLIENTS_POLICY)  # its companion; alone, it is no setting of the admin center
    custom = tuple(p for p in policies if p.lower() not in known)  # as the admin named them
    if custom:
        return UserConsentMode.CUSTOM, custom
    if RECOMMENDED_POLICY in folded:
        return UserConsentMode.RECOMMENDED, ()
    if LOW_POLICY in folded:
        return UserConsentMode.LOW, ()
    return UserConsentMode.OFF, ()


def mail_clients_allowed(assigned: Sequence[str]) -> bool:
    """Whether users may consent to the six mail clients for their mail permissions."""
    return MAIL_CLIENTS_POLICY in {p.lower() for p in _self_consent_policies(assigned)}


def _self_consent_policies(assigned: Sequence[str]) -> list[str]:
    return [
        entry.strip()[len(SELF_CONSENT_PREFIX) :]
        for entry in assigned
        if entry.strip().lower().startswith(SELF_CONSENT_PREFIX)
    ]


NO_REQUEST_FORM = "AADSTS90094"
REQUEST_FORM = "AADSTS90095"


def _contradicts(error_code: str | None, known: TenantConsentFacts) -> bool:
    """Whether Entra's error says the request workflow is in the other state."""
    return (error_code == NO_REQUEST_FORM and known.requests_enabled) or (
        error_code == REQUEST_FORM and not known.requests_enabled
    )


class TenantConsentReader:
    """Reads and caches the consent settings the diagnosis starts from."""

    def __init__(
        self,
        reads: GraphJson,
        gateway: GraphGateway,
        clock: Callable[[], datetime],
        *,
        ttl_seconds: float = SETTINGS_TTL_SECONDS,
    ) -> None:
        self._reads = reads
        self._gateway = gateway
        self._settings = TtlCache[TenantConsentFacts](ttl_seconds, clock)

    async def settings(self, error_code: str | None = None) -> TenantConsentFacts:
        """The tenant's consent settings; read again when ``error_code`` contradicts them.

        The error a user pastes is Entra's own word about the tenant as it is now:
        AADSTS90094 (no request form) means the workflow is off, AADSTS90095 (the
        request form) that it is on. A cached answer saying otherwise is dropped
        before the bot answers, so the card never contradicts the user's screen.
        """
        cached = self._settings.get()
        if cached is not None and _contradicts(error_code, cached):
            self.forget()
        return await self._settings.get_or_load(self._load)

    def forget(self) -> None:
        """Drop the cached settings (after the bot itself changed them, or on evidence)."""
        self._settings.clear()
        self._gateway.forget_policy()

    async def _load(self) -> TenantConsentFacts:
        authorization, requests = await asyncio.gather(
            self._reads.get("/policies/authorizationPolicy"),
            self._gateway.consent_request_policy(),
        )
        permissions: dict[str, Any] = authorization.get("defaultUserRolePermissions") or {}
        assigned = [str(p) for p in permissions.get("permissionGrantPoliciesAssigned") or []]
        mode, custom = user_consent_mode(assigned)
        # true switches risk-based step-up off; false or absent leaves it on (the default).
        allow_risky = authorization.get("allowUserConsentForRiskyApps")
        reviewers = await asyncio.gather(*(self._reviewer(q) for q in requests.reviewer_queries))
        return TenantConsentFacts(
            user_consent=mode,
            requests_enabled=requests.is_enabled,
            request_duration_days=requests.request_duration_days,
            risky_step_up=allow_risky is not True,
            reviewers=tuple(name for name in reviewers if name),
            custom_policies=custom,
            mail_clients_allowed=mail_clients_allowed(assigned),
        )

    async def _reviewer(self, query: str) -> str | None:
        """A readable name for one reviewer query of the workflow."""
        reviewer = read_reviewer_query(query)
        collection = {ReviewerKind.USER: "users", ReviewerKind.GROUP: "groups"}
        if reviewer and reviewer.kind in collection:
            path = f"/{collection[reviewer.kind]}/{quote(reviewer.id, safe='')}"
            try:
                found = await self._reads.get(path, _NAME_ONLY)
            except NotInGraph:
                return None  # a reviewer deleted since the policy was saved
            name = found.get("displayName")
            return str(name) if name else None
        if reviewer and reviewer.kind is ReviewerKind.ROLE:
            return CONSENT_ROLES.get(reviewer.id)
        return None
