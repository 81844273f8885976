"""Microsoft's managed user-consent policies, as the sandbox tenant applies them.

From "Microsoft recommended current settings" in Manage app consent policies
(https://learn.microsoft.com/entra/identity/enterprise-apps/manage-app-consent-policies,
page dated 2026-01-22): with ``microsoft-user-default-recommended`` users may
consent to every user-consentable delegated permission except the ones below;
``microsoft-user-default-allow-consent-apps`` (assigned with it by default)
lets them consent to six mail clients for those mail permissions.

The sandbox keeps its own copy of Microsoft's list, apart from the bot's
(``domain.diagnosis.managed_policies``): it imports nothing of the bot, so a
mistake in one is caught by the other.
"""

from __future__ import annotations

from typing import Final

GRAPH_APP_ID: Final = "00000003-0000-0000-c000-000000000000"
EXCHANGE_ONLINE_APP_ID: Final = "00000002-0000-0ff1-ce00-000000000000"

_GRAPH_KEPT = """
Files.Read.All Files.ReadWrite.All Sites.Read.All Sites.ReadWrite.All Mail.Read Mail.ReadWrite
Mail.ReadBasic Mail.Read.Shared Mail.ReadBasic.Shared Mail.ReadWrite.Shared MailboxItem.Read
Calendars.Read Calendars.ReadBasic Calendars.ReadWrite Calendars.Read.Shared
Calendars.ReadWrite.Shared Chat.Read Chat.ReadWrite OnlineMeetings.Read OnlineMeetings.ReadWrite
MailBoxFolder.Read MailBoxFolder.ReadWrite MailBoxSettings.Read MailBoxSettings.ReadWrite
Contacts.ReadWrite Contacts.Read.Shared Contacts.ReadWrite.Shared Tasks.Read Tasks.Read.Shared
Tasks.ReadWrite Tasks.ReadWrite.Shared People.Read
"""
_EXCHANGE_KEPT = (
    "EAS.AccessAsUser.All EWS.AccessAsUser.All IMAP.AccessAsUser.All POP.AccessAsUser.All"
)

KEPT_FOR_ADMINS: Final = {
    GRAPH_APP_ID: frozenset(name.casefold() for name in _GRAPH_KEPT.split()),
    EXCHANGE_ONLINE_APP_ID: frozenset(name.casefold() for name in _EXCHANGE_KEPT.split()),
}
MAIL_CLIENT_APP_IDS: Final = frozenset(
    {
        "f8d98a96-0999-43f5-8af3-69971c7bb423",  # Apple Mail
        "b50c1dbd-1855-4e54-b07c-d3c3029e93d3",  # Spark Email
        "e9a7fea1-1cc0-4cd9-a31b-9137ca5deedd",  # eM Client
        "8acd33ea-7197-4a96-bc33-d7cc7101262f",  # Android-Samsung
        "2cee05de-2b8f-45a2-8289-2a06ca32c4c8",  # Android-Mail
        "9e5f94bc-e8a4-4e73-b8be-63364c29d753",  # Thunderbird
    }
)


def kept_for_admins(client_app_id: str, resource_app_id: str, scope: str) -> bool:
    """Whether the recommended policy (with its mail-client companion) keeps the scope."""
    kept = KEPT_FOR_ADMINS.get(resource_app_id.casefold(), frozenset())
    return scope.casefold() in kept and client_app_id.casefold() not in MAIL_CLIENT_APP_IDS
