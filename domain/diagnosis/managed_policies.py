"""Microsoft's managed user-consent policies, as Microsoft documents them today.

Source: "Microsoft recommended current settings" in Manage app consent policies,
https://learn.microsoft.com/entra/identity/enterprise-apps/manage-app-consent-policies
(page dated 2026-01-22). ``microsoft-user-default-recommended`` ("Let Microsoft
manage your consent settings", the default of new tenants) lets users consent
to any user-consentable delegated permission except the mail, calendar,
files, chat, meeting, contact, task and people permissions listed below;
``microsoft-user-default-allow-consent-apps`` (on by default with it) lets
users consent to those mail permissions for six popular mail clients.
Microsoft updates both policies: this module follows the page, and changes
with it.
"""

from __future__ import annotations

from typing import Final

from domain.diagnosis.facts import TenantConsentFacts, UserConsentMode

RECOMMENDED_POLICY: Final = "microsoft-user-default-recommended"
MAIL_CLIENTS_POLICY: Final = "microsoft-user-default-allow-consent-apps"

MICROSOFT_GRAPH: Final = "Microsoft Graph"
EXCHANGE_ONLINE: Final = "Office 365 Exchange Online"

KEPT_FOR_ADMINS: Final = {
    MICROSOFT_GRAPH: frozenset(
        name.lower()
        for name in (
            "Files.Read.All",
            "Files.ReadWrite.All",
            "Sites.Read.All",
            "Sites.ReadWrite.All",
            "Mail.Read",
            "Mail.ReadWrite",
            "Mail.ReadBasic",
            "Mail.Read.Shared",
            "Mail.ReadBasic.Shared",
            "Mail.ReadWrite.Shared",
            "MailboxItem.Read",
            "Calendars.Read",
            "Calendars.ReadBasic",
            "Calendars.ReadWrite",
            "Calendars.Read.Shared",
            "Calendars.ReadWrite.Shared",
            "Chat.Read",
            "Chat.ReadWrite",
            "OnlineMeetings.Read",
            "OnlineMeetings.ReadWrite",
            "MailBoxFolder.Read",
            "MailBoxFolder.ReadWrite",
            "MailBoxSettings.Read",
            "MailBoxSettings.ReadWrite",
            "Contacts.ReadWrite",
            "Contacts.Read.Shared",
            "Contacts.ReadWrite.Shared",
            "Tasks.Read",
            "Tasks.Read.Shared",
            "Tasks.ReadWrite",
            "Tasks.ReadWrite.Shared",
            "People.Read",
        )
    ),
    EXCHANGE_ONLINE: frozenset(
        name.lower()
        for name in (
            "EAS.AccessAsUser.All",
            "EWS.AccessAsUser.All",
            "IMAP.AccessAsUser.All",
            "POP.AccessAsUser.All",
        )
    ),
}
"""Per API (by display name): the delegated permissions the recommended policy keeps for
an admin; users may consent to every other one that needs no admin."""

MAIL_CLIENTS: Final = {
    "f8d98a96-0999-43f5-8af3-69971c7bb423": "Apple Mail",
    "b50c1dbd-1855-4e54-b07c-d3c3029e93d3": "Spark Email",
    "e9a7fea1-1cc0-4cd9-a31b-9137ca5deedd": "eM Client",
    "8acd33ea-7197-4a96-bc33-d7cc7101262f": "Android-Samsung",
    "2cee05de-2b8f-45a2-8289-2a06ca32c4c8": "Android-Mail",
    "9e5f94bc-e8a4-4e73-b8be-63364c29d753": "Thunderbird",
}
"""The mail clients ``microsoft-user-default-allow-consent-apps`` lets users consent to for
the permissions above."""


def kept_under(
    settings: TenantConsentFacts, scope: str, resource_name: str | None, app_id: str
) -> bool:
    """Whether, under the tenant's user-consent setting, Microsoft keeps the scope for admins."""
    return settings.user_consent is UserConsentMode.RECOMMENDED and kept_for_admins(
        scope, resource_name, app_id, settings.mail_clients_allowed
    )


def kept_for_admins(
    scope: str, resource_name: str | None, app_id: str, mail_clients_allowed: bool
) -> bool:
    """Whether the recommended policy keeps ``scope`` of that API for an admin, for this app."""
    kept = KEPT_FOR_ADMINS.get(resource_name or "", frozenset())
    if scope.lower() not in kept:
        return False
    return not (mail_clients_allowed and app_id.lower() in MAIL_CLIENTS)
