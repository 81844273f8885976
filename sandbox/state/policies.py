"""Consent settings: who may consent (authorizationPolicy) and the request workflow.

The three situations a blocked user can be in (free consent, request form,
"need admin approval") are fully determined by these two objects, so the
sandbox lets a demo switch between them in one call. User consent being off is
the seeded default: the list then still holds resource-specific (RSC) entries,
which is exactly the trap a naive "empty list means off" check falls into. The
risk-based step-up (``allowUserConsentForRiskyApps``) is the third knob: while
user consent is on, it still sends risky consents to an admin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import BadRequest
from sandbox.ids import stable_id
from sandbox.state.directory import Directory

USER_CONSENT_MODES = {
    "off": None,
    "low": "microsoft-user-default-low",
    "legacy": "microsoft-user-default-legacy",
    # "Let Microsoft manage your consent settings", the default of tenants created since 2025.
    "recommended": "microsoft-user-default-recommended",
}
MAIL_CLIENTS_ENTRY = "ManagePermissionGrantsForSelf.microsoft-user-default-allow-consent-apps"
"""Assigned beside the recommended policy by default (see ``managed_policies``)."""
RSC_ENTRIES = (
    "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-team",
    "ManagePermissionGrantsForOwnedResource.microsoft-dynamically-managed-permissions-for-chat",
)
_PREFIX = r"^/(?:v1\.0/|beta/)?"
_USER_QUERY = re.compile(_PREFIX + r"users/(?P<id>[^/?]+)$")
_GROUP_QUERY = re.compile(
    _PREFIX + r"groups/(?P<id>[^/?]+)/transitiveMembers/microsoft\.graph\.user$"
)
_ROLE_QUERY = re.compile(
    _PREFIX + r"roleManagement/directory/roleAssignments\?\$filter=roleDefinitionId eq '[^']+'$"
)


@dataclass
class Reviewer:
    query: str
    query_type: str = "MicrosoftGraph"
    query_root: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "queryType": self.query_type, "queryRoot": self.query_root}


@dataclass
class RequestPolicy:
    is_enabled: bool = True
    notify_reviewers: bool = True
    reminders_enabled: bool = True
    request_duration_days: int = 30
    reviewers: list[Reviewer] = field(default_factory=list)
    version: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "isEnabled": self.is_enabled,
            "notifyReviewers": self.notify_reviewers,
            "remindersEnabled": self.reminders_enabled,
            "requestDurationInDays": self.request_duration_days,
            "reviewers": [r.to_json() for r in self.reviewers],
            "version": self.version,
        }


def _flag(body: dict[str, Any], name: str, current: bool) -> bool:
    value = body.get(name, current)
    if not isinstance(value, bool):
        raise BadRequest(f"Property '{name}' must be a boolean.")
    return value


class Policies:
    def __init__(self, directory: Directory, tenant_id: str) -> None:
        self._directory = directory
        self._tenant_id = tenant_id
        self.user_consent = "off"
        self.request_policy = RequestPolicy()
        # authorizationPolicy.allowUserConsentForRiskyApps: null until an admin sets it.
        # Only true turns the risk-based step-up off; false and null both leave it on.
        self.allow_user_consent_for_risky_apps: bool | None = None

    @property
    def risky_step_up(self) -> bool:
        """Whether risky consents (unverified multi-tenant apps) go to an admin."""
        return self.allow_user_consent_for_risky_apps is not True

    def set_risky_step_up(self, on: bool) -> None:
        if not isinstance(on, bool):
            raise BadRequest("risky_step_up must be a boolean.")
        self.allow_user_consent_for_risky_apps = not on

    def set_user_consent(self, mode: str) -> None:
        if mode not in USER_CONSENT_MODES:
            raise BadRequest(f"user_consent must be one of {', '.join(USER_CONSENT_MODES)}.")
        self.user_consent = mode

    def set_duration(self, days: int) -> None:
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 30:
            raise BadRequest("requestDurationInDays must be an integer from 1 to 30.")
        self.request_policy.request_duration_days = days

    def replace_request_policy(self, body: dict[str, Any]) -> None:
        """PUT semantics, validated like Entra: reviewers must resolve when enabled."""
        current = self.request_policy
        enabled = _flag(body, "isEnabled", current.is_enabled)
        reviewers = current.reviewers
        if "reviewers" in body:
            reviewers = self._reviewers(body["reviewers"])
        if enabled and not reviewers:
            raise BadRequest("At least one reviewer is required when the workflow is enabled.")
        days = body.get("requestDurationInDays", current.request_duration_days)
        notify = _flag(body, "notifyReviewers", current.notify_reviewers)
        reminders = _flag(body, "remindersEnabled", current.reminders_enabled)
        self.set_duration(days)
        current.is_enabled, current.notify_reviewers = enabled, notify
        current.reminders_enabled, current.reviewers = reminders, reviewers
        current.version += 1

    def _reviewers(self, raw: Any) -> list[Reviewer]:
        if not isinstance(raw, list):
            raise BadRequest("Property 'reviewers' must be a collection.")
        result = []
        for item in raw:
            query = item.get("query") if isinstance(item, dict) else None
            if not isinstance(query, str):
                raise BadRequest("Each reviewer needs a 'query' string.")
            if match := _USER_QUERY.match(query):
                self._directory.user(match["id"])
            elif match := _GROUP_QUERY.match(query):
                self._directory.group(match["id"])
            elif not _ROLE_QUERY.match(query):
                raise BadRequest(f"Unsupported reviewer query '{query}'.")
            result.append(
                Reviewer(query, item.get("queryType") or "MicrosoftGraph", item.get("queryRoot"))
            )
        return result

    def grant_policies_assigned(self) -> list[str]:
        policy = USER_CONSENT_MODES[self.user_consent]
        entries = [f"ManagePermissionGrantsForSelf.{policy}"] if policy else []
        if self.user_consent == "recommended":
            entries.append(MAIL_CLIENTS_ENTRY)
        return entries + list(RSC_ENTRIES)

    def authorization_policy(self) -> dict[str, Any]:
        return {
            "id": "authorizationPolicy",
            "allowInvitesFrom": "everyone",
            "allowedToSignUpEmailBasedSubscriptions": True,
            "allowedToUseSSPR": True,
            "allowEmailVerifiedUsersToJoinOrganization": False,
            "allowUserConsentForRiskyApps": self.allow_user_consent_for_risky_apps,
            "blockMsolPowerShell": False,
            "description": "Used to manage authorization related settings across the company.",
            "displayName": "Authorization Policy",
            "guestUserRoleId": "10dae51f-b6af-4016-8d66-8c2a99b929b3",
            "defaultUserRolePermissions": {
                "allowedToCreateApps": True,
                "allowedToCreateSecurityGroups": True,
                "allowedToCreateTenants": True,
                "allowedToReadBitlockerKeysForOwnedDevice": True,
                "allowedToReadOtherUsers": True,
                "permissionGrantPoliciesAssigned": self.grant_policies_assigned(),
            },
        }

    def permission_grant_policies(self) -> list[dict[str, Any]]:
        """The built-in policies every tenant has, with the conditions that define them."""

        def condition(
            classification: str, verified_only: bool, tenants: list[str]
        ) -> dict[str, Any]:
            return {
                "id": stable_id("grant-condition", classification, str(verified_only), *tenants),
                "permissionClassification": classification,
                "permissionType": "delegated",
                "resourceApplication": "any",
                "permissions": ["all"],
                "clientApplicationIds": ["all"],
                "clientApplicationTenantIds": tenants,
                "clientApplicationPublisherIds": ["all"],
                "clientApplicationsFromVerifiedPublisherOnly": verified_only,
                "certifiedClientApplicationsOnly": False,
            }

        def policy(
            pid: str, name: str, text: str, includes: list[dict[str, Any]]
        ) -> dict[str, Any]:
            return {
                "id": pid,
                "deletedDateTime": None,
                "displayName": name,
                "description": text,
                "includes": includes,
                "excludes": [],
            }

        return [
            policy(
                "microsoft-user-default-low",
                "Microsoft User Default Low Policy",
                "Includes delegated permissions classified as low, for apps from verified "
                "publishers or apps registered in this organization.",
                [condition("low", True, ["all"]), condition("low", False, [self._tenant_id])],
            ),
            policy(
                "microsoft-user-default-legacy",
                "Microsoft User Default Legacy Policy",
                "Includes all delegated permissions that don't require admin consent, for all "
                "apps.",
                [condition("all", False, ["all"])],
            ),
            policy(
                "microsoft-application-admin",
                "Microsoft Application Admin Policy",
                "Includes all application permissions and delegated permissions, for all APIs "
                "except Microsoft Graph and Azure AD Graph, for all client applications.",
                [condition("all", False, ["all"])],
            ),
            policy(
                "microsoft-company-admin",
                "Microsoft Company Admin Policy",
                "Includes all application permissions and delegated permissions, for all APIs, "
                "for all client applications.",
                [condition("all", False, ["all"])],
            ),
        ]
