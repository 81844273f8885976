"""One line of Entra's sign-in log, as Graph's ``signIn`` resource shows it.

Names are exactly those of the v1.0 metadata (a unit test walks every key and
enum value against it). ``status/errorCode`` is the AADSTS code of the
simulator's outcome: the one thing a reader should rely on; ``failureReason``
is Entra's description of that code, ``additionalDetails`` the sandbox's note
of which page the user saw.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.clock import graph_time
from sandbox.state.directory import User
from sandbox.state.sign_in import (
    APP_DISABLED,
    APPROVAL_REQUIRED,
    CONSENT_PROMPT,
    NEED_ADMIN_APPROVAL,
    REQUEST_PENDING,
    SIGNED_IN,
    USER_NOT_ASSIGNED,
)

ERROR_CODES = {
    SIGNED_IN: 0,
    CONSENT_PROMPT: 65001,
    APPROVAL_REQUIRED: 90095,
    REQUEST_PENDING: 90095,
    NEED_ADMIN_APPROVAL: 90094,
    APP_DISABLED: 7000112,
    USER_NOT_ASSIGNED: 50105,
}
# failureReason: Entra's error description for the code (none for a success).
_FAILURE_REASONS = {
    65001: "The user or administrator has not consented to use the application with ID "
    "'{app_id}' named '{app}'. Send an interactive authorization request for this user and "
    "resource.",
    90094: "The grant requires admin permission.",
    90095: "Admin consent is required for the permissions requested by this application. An "
    "admin consent request may be sent to the admin.",
    7000112: "Application '{app_id}'({app}) is disabled.",
    50105: "Your administrator has configured the application {app} ('{app_id}') to block "
    "users unless they are specifically granted ('assigned') access to the application. The "
    "signed in user '{upn}' is blocked because they are not a direct member of a group with "
    "access, nor had access directly assigned by an administrator.",
}
# additionalDetails: which page the user saw (the sandbox's words; read errorCode, not these).
_DETAILS = {
    CONSENT_PROMPT: "The user was shown the consent prompt.",
    APPROVAL_REQUIRED: "Approval required: the user was shown the admin consent request form.",
    REQUEST_PENDING: "Approval required: the user already has a request pending.",
    NEED_ADMIN_APPROVAL: "Need admin approval: the admin consent workflow is off, no request "
    "form was shown.",
}


@dataclass(frozen=True)
class SignInEntry:
    """One attempt as Entra logs it, plus when the sandbox lets Graph serve it."""

    id: str
    created: datetime
    visible_at: datetime
    sequence: int  # ties on createdDateTime: the later-written entry is newer
    outcome: str
    error_code: int
    user: User
    app_id: str
    app_display_name: str
    resource_id: str | None
    resource_display_name: str | None
    correlation_id: str
    tenant_id: str

    def to_json(self) -> dict[str, Any]:
        """The ``signIn`` resource, with the property names of Graph's v1.0 metadata."""
        names = {"app": self.app_display_name, "app_id": self.app_id}
        reason = _FAILURE_REASONS.get(self.error_code)
        user = self.user
        return {
            "id": self.id,
            "createdDateTime": graph_time(self.created),
            "userDisplayName": user.display_name,
            "userPrincipalName": user.user_principal_name,
            "userId": user.id,
            "appId": self.app_id,
            "appDisplayName": self.app_display_name,
            "ipAddress": _ip_address(user.id),
            "clientAppUsed": "Browser",
            "correlationId": self.correlation_id,
            "conditionalAccessStatus": "notApplied",
            "isInteractive": True,
            "riskDetail": "none",
            "riskLevelAggregated": "none",
            "riskLevelDuringSignIn": "none",
            "riskState": "none",
            "riskEventTypes_v2": [],
            "resourceDisplayName": self.resource_display_name,
            "resourceId": self.resource_id,
            "resourceTenantId": self.tenant_id,
            "homeTenantId": self.tenant_id,
            "status": {
                "errorCode": self.error_code,
                "failureReason": reason.format(**names, upn=user.user_principal_name)
                if reason
                else None,
                "additionalDetails": _DETAILS.get(self.outcome),
            },
            "deviceDetail": {
                "deviceId": "",
                "operatingSystem": "Windows 10",
                "browser": "Edge 120.0.0",
                **dict.fromkeys(("displayName", "isCompliant", "isManaged", "trustType")),
            },
            "location": {
                "city": user.office_location or None,
                "state": None,
                "countryOrRegion": None,
                "geoCoordinates": None,
            },
            "appliedConditionalAccessPolicies": [],
        }

    def filter_view(self) -> dict[str, Any]:
        """What ``$filter`` compares: the JSON, with ``createdDateTime`` as an instant."""
        return {**self.to_json(), "createdDateTime": self.created}


def _ip_address(user_id: str) -> str:
    """A stable address per user, in the documentation range (RFC 5737)."""
    return f"203.0.113.{hashlib.sha256(user_id.encode()).digest()[0] % 254 + 1}"
