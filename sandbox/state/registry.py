"""App registrations as their publishers define them, independent of any tenant.

An ``AppDefinition`` names the delegated scopes it asks for together with the
resource API each belongs to (as ``requiredResourceAccess`` does); consent
requests only carry the scope names, which is why the bot has to resolve them.
Microsoft's resource APIs are definitions too, with the scopes they expose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

MICROSOFT_TENANT_ID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"


@dataclass(frozen=True)
class PermissionScope:
    """One delegated permission a resource API exposes."""

    id: str
    value: str
    type: str  # "User" or "Admin", as Graph spells it
    admin_consent_display_name: str
    admin_consent_description: str
    user_consent_display_name: str
    user_consent_description: str
    is_enabled: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "adminConsentDescription": self.admin_consent_description,
            "adminConsentDisplayName": self.admin_consent_display_name,
            "id": self.id,
            "isEnabled": self.is_enabled,
            "type": self.type,
            "userConsentDescription": self.user_consent_description,
            "userConsentDisplayName": self.user_consent_display_name,
            "value": self.value,
        }


@dataclass(frozen=True)
class VerifiedPublisher:
    display_name: str
    verified_publisher_id: str
    added: datetime


@dataclass(frozen=True)
class RequiredScope:
    """A scope an app asks for, with the resource its registration names."""

    resource_app_id: str
    value: str


@dataclass(frozen=True)
class AppDefinition:
    app_id: str
    display_name: str
    publisher_name: str
    owner_org_id: str
    verified_publisher: VerifiedPublisher | None = None
    homepage: str | None = None
    privacy_url: str | None = None
    terms_url: str | None = None
    marketing_url: str | None = None
    support_url: str | None = None
    description: str | None = None
    required_scopes: tuple[RequiredScope, ...] = ()
    exposed_scopes: tuple[PermissionScope, ...] = ()
    reply_urls: tuple[str, ...] = ()

    @property
    def scope_values(self) -> list[str]:
        return [s.value for s in self.required_scopes]
