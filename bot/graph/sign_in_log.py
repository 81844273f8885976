"""Entra's sign-in log, read for the attempts that consent stopped.

Entra records every blocked attempt: AADSTS90094 ("Need admin approval", no
request form), AADSTS90095 ("Approval required", the request form shown) and
AADSTS65001 (consent needed). Reading them lets the bot help people who never
asked it, and shows admins the demand for apps nobody requested.

Reading the log needs ``AuditLog.Read.All`` together with
``Directory.Read.All`` (Graph checks the tenant's licence through the latter)
and a Microsoft Entra ID P1 or P2 licence; without either Graph answers 403
with its own codes, which become ``SignInLogUnavailable`` so the feature can be
reported off instead of failing. The log lags by minutes and may deliver an
entry late: callers read from a watermark with an overlap and drop entries
they have already seen by id.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.graph.gateway import graph_time
from bot.graph.json_reads import GraphJson, GraphReadError
from domain.sign_ins import ConsentAttempt

SIGN_INS = "/auditLogs/signIns"
CONSENT_ERRORS = (90094, 90095, 65001)
"""Need admin approval, approval required (form shown), consent needed."""
PAGE_SIZE = 1000
"""The largest page the sign-in log serves."""
NO_LICENCE = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
NO_PERMISSION = "Authentication_MSGraphPermissionMissing"


class SignInLogUnavailable(RuntimeError):
    """The tenant's sign-in log cannot be read: a permission or the licence is missing."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        """``permission`` or ``licence``."""


class SignInLog:
    def __init__(self, reads: GraphJson) -> None:
        self._reads = reads

    async def consent_attempts_since(self, since: datetime) -> list[ConsentAttempt]:
        """Every attempt consent stopped at or after ``since``, oldest first."""
        codes = " or ".join(f"status/errorCode eq {code}" for code in CONSENT_ERRORS)
        moment = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = {"$filter": f"createdDateTime ge {moment} and ({codes})", "$top": str(PAGE_SIZE)}
        try:
            entries = await self._reads.items(SIGN_INS, params)
        except GraphReadError as error:
            if error.status == 403:
                reason = "licence" if error.code == NO_LICENCE else "permission"
                raise SignInLogUnavailable(reason, error.graph_message) from error
            raise
        found = [_attempt(entry) for entry in entries]
        return sorted((a for a in found if a is not None), key=lambda a: a.created_at)


def _attempt(entry: dict[str, object]) -> ConsentAttempt | None:
    status = entry.get("status")
    code = status.get("errorCode") if isinstance(status, dict) else None
    user_id, app_id = entry.get("userId"), entry.get("appId")
    if not isinstance(code, int) or not entry.get("id") or not user_id or not app_id:
        return None  # an entry without who or which app says nothing the bot can act on
    return ConsentAttempt(
        id=str(entry["id"]),
        user_id=str(user_id),
        app_id=str(app_id).lower(),
        app_display_name=str(entry.get("appDisplayName") or app_id),
        created_at=graph_time(entry.get("createdDateTime")),
        error_code=code,
    )
