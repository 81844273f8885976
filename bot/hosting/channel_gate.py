"""Who may speak on /api/messages: the Bot Framework channel for this bot, for this tenant only.

The tokens themselves are checked by ``bot.hosting.signed_activities``; the gate
then holds the activity to what the token proves: its ``serviceurl`` claim,
and the organisation's tenant.
"""

from __future__ import annotations

from collections.abc import Collection

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.authorization import ClaimsIdentity

from bot.hosting.signed_activities import (
    SERVICE_URL_CLAIM,
    ActivityForbidden,
    CallerRefused,
    IssuerKind,
    TokenVerifier,
    VerifiedToken,
)


def _same_service(claimed: object, service_url: str | None) -> bool:
    if not isinstance(claimed, str) or not claimed or not service_url:
        return False
    return claimed.rstrip("/").lower() == service_url.rstrip("/").lower()


def activity_tenants(activity: Activity) -> list[str]:
    """Every tenant id the activity names (``conversation.tenantId``, ``channelData.tenant.id``)."""
    named: list[str] = []
    if activity.conversation is not None and activity.conversation.tenant_id:
        named.append(str(activity.conversation.tenant_id))
    data = activity.channel_data
    if not isinstance(data, dict):
        dumped = getattr(data, "model_dump", None)
        data = dumped(by_alias=True) if callable(dumped) else {}
    tenant = data.get("tenant") if isinstance(data, dict) else None
    if isinstance(tenant, dict) and tenant.get("id") is not None:
        named.append(str(tenant["id"]))
    return named


class ChannelGate:
    """Which activities ``/api/messages`` handles: the channel's, for this tenant only.

    ``admit`` looks at the token alone, before the body is read; ``check``
    then binds the token to the activity (its service, channel and tenant).
    Without a verifier, and without permission for unsigned calls, every
    caller is refused, so a gate that was never configured fails closed.
    """

    def __init__(
        self,
        verifier: TokenVerifier | None = None,
        *,
        accepts_unsigned: bool = False,
        tenant_id: str | None = None,
        allowed_callers: Collection[str] = (),
    ) -> None:
        self._verifier = verifier
        self._accepts_unsigned = accepts_unsigned
        self._tenant_id = tenant_id.lower() if tenant_id else None
        self._allowed_callers = frozenset(app_id.lower() for app_id in allowed_callers)

    async def admit(self, authorization: str | None) -> VerifiedToken:
        """The caller's token; CallerRefused or SigningKeysUnavailable when it may not post."""
        unsigned = not authorization or not authorization.strip()
        if self._accepts_unsigned and (unsigned or self._verifier is None):
            return VerifiedToken(ClaimsIdentity(), IssuerKind.NONE)
        if self._verifier is None:
            raise CallerRefused("no token verifier is configured")
        token = await self._verifier.verify(authorization)
        if token.is_user_token:
            raise CallerRefused("a user's delegated token is only taken when a reviewer signs in")
        if token.issuer_kind is IssuerKind.ENTRA:
            caller = (token.caller_app_id or "").lower()
            if caller not in self._allowed_callers:
                raise CallerRefused(
                    f"Entra token of app {caller or '(none)'}, which is not in "
                    "ALLOWED_CALLER_APP_IDS; only the Bot Framework channel may post"
                )
            if self._tenant_id and str(token.claims.get("tid", "")).lower() != self._tenant_id:
                raise CallerRefused("Entra token of another tenant")
        return token

    def check(self, token: VerifiedToken, activity: Activity) -> None:
        """CallerRefused (401) or ActivityForbidden (403) unless ``token`` carries ``activity``."""
        if token.issuer_kind is not IssuerKind.NONE:
            claimed = token.claims.get(SERVICE_URL_CLAIM)
            if claimed is None:
                raise CallerRefused("token has no serviceurl claim")
            if not _same_service(claimed, activity.service_url):
                raise CallerRefused("serviceurl claim does not match the activity's serviceUrl")
            channel = (activity.channel_id or "").lower()
            if token.endorsements is not None and channel not in token.endorsements:
                raise ActivityForbidden(f"signing key does not endorse channel {channel!r}")
        if self._tenant_id is not None:
            tenants = activity_tenants(activity)
            if not tenants:
                raise ActivityForbidden("activity names no tenant")
            if any(tenant.lower() != self._tenant_id for tenant in tenants):
                raise ActivityForbidden("activity comes from another tenant")

    async def close(self) -> None:
        if self._verifier is not None:
            await self._verifier.close()
