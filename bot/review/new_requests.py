"""What intake records of a new request: the pending list's facts, and the app's profile once read.

A request is whole once its app's profile (publisher, verification, homepage)
is known. A few new requests are read whole before their cards are posted; a
backlog is recorded from the pending list alone, marked ``details_pending``,
so the reviewers hear of it at once, and ``bot.review.request_details`` reads
the profiles afterwards in batches and edits the cards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.graph import AppProfile, GraphGateway, PendingRequest, UserRequest
from bot.graph.consent_requests import ConsentRequestReads
from bot.review.card_views import snapshot_of
from bot.store.requests import NewRequest, NewRequester
from domain.diagnosis.facts import TenantConsentFacts
from domain.diagnosis.managed_policies import kept_under
from domain.types import USER_GRANTS, ScopeDetail


def requester(user: UserRequest) -> NewRequester:
    return NewRequester(
        id=user.id,
        user_id=user.user_id,
        display_name=user.display_name,
        user_principal_name=user.user_principal_name,
        mail=user.mail,
        reason=user.reason,
        requested_at=user.created_at,
        status=user.status,
    )


@dataclass(frozen=True, slots=True)
class TenantContext:
    """The tenant-wide reads every new request shares (each cached where it is read)."""

    catalogue: dict[str, ScopeDetail]
    request_days: int | None
    settings: TenantConsentFacts | None

    @classmethod
    async def read(
        cls,
        graph: GraphGateway,
        consent_settings: Callable[[], Awaitable[TenantConsentFacts]] | None,
    ) -> TenantContext:
        async def no_settings() -> None:
            return None

        catalogue, policy, settings = await asyncio.gather(
            graph.graph_scope_catalogue(),
            graph.consent_request_policy(),
            consent_settings() if consent_settings is not None else no_settings(),
        )
        return cls(catalogue, policy.request_duration_days, settings)

    def scopes(self, values: Sequence[str], app_id: str) -> list[ScopeDetail]:
        """What each scope means, and which the tenant's consent setting kept for a reviewer."""
        scopes = [self.catalogue.get(v.lower(), ScopeDetail(value=v)) for v in values]
        if self.settings is None:
            return scopes
        settings = self.settings
        return [
            replace(s, kept_by_microsoft=True)
            if not s.needs_admin and kept_under(settings, s.value, s.resource_name, app_id)
            else s
            for s in scopes
        ]


def new_request(
    item: PendingRequest,
    users: Sequence[UserRequest],
    profile: AppProfile | None,
    *,
    profile_read: bool,
    user_grants: int | None,
    context: TenantContext,
    now: datetime,
) -> NewRequest:
    """The request as intake stores it; without ``profile_read`` its details are still to come.

    ``user_grants``: how many people already granted the app something for
    themselves (None when Graph did not say).
    """
    first_requested = min((u.created_at for u in users), default=now)
    days = context.request_days
    return NewRequest(
        id=item.id,
        app_id=item.app_id,
        app_display_name=item.app_display_name,
        scopes=item.scopes,
        first_requested_at=first_requested,
        expires_at=first_requested + timedelta(days=days) if days else None,
        app_snapshot={
            **snapshot_of(
                profile.publisher if profile else None,
                profile.homepage_url if profile else None,
                context.scopes(item.scopes, item.app_id),
            ),
            USER_GRANTS: user_grants if profile_read else None,
        },
        requesters=tuple(map(requester, users)),
        details_pending=not profile_read,
    )


def with_profile(
    snapshot: dict[str, Any], profile: AppProfile | None, user_grants: int | None
) -> dict[str, Any]:
    """The stored snapshot once the app's profile is read; other keys (verdicts) are kept."""
    fresh = snapshot_of(
        profile.publisher if profile else None, profile.homepage_url if profile else None, ()
    )
    return {
        **snapshot,
        "publisher": fresh["publisher"],
        "homepage_url": fresh["homepage_url"],
        USER_GRANTS: user_grants,
    }


async def grants_for(
    reads: ConsentRequestReads, profiles: Mapping[str, AppProfile | None]
) -> dict[str, int | None]:
    """People who granted each app something, by lower-case app id (0: app not in the tenant)."""
    in_tenant = {p.service_principal_id: a for a, p in profiles.items() if p is not None}
    counts = await reads.people_who_granted(in_tenant) if in_tenant else {}
    return {
        app_id: (counts.get(profile.service_principal_id) if profile is not None else 0)
        for app_id, profile in profiles.items()
    }
