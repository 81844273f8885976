"""The Microsoft clouds the bot can run in, and every endpoint that differs between them.

A tenant lives in exactly one cloud: its Graph host, its Entra sign-in host
and the Bot Framework endpoints Teams uses must all come from the same one, or
tokens are refused with errors that do not say why. One ``CLOUD`` setting picks
a row of this table; explicit ``GRAPH_BASE_URL`` / ``AUTHORITY_HOST`` still win,
but only when they belong to the same cloud (or to this machine, the sandbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class CloudName(StrEnum):
    """Values of the ``CLOUD`` setting."""

    PUBLIC = "public"
    USGOV = "usgov"
    USGOVDOD = "usgovdod"
    CHINA = "china"


@dataclass(frozen=True, slots=True)
class Cloud:
    """One cloud's endpoints, as the bot uses them."""

    name: CloudName
    graph_url: str
    """Microsoft Graph root, without the version segment."""
    authority_host: str
    """Entra sign-in host; the tenant id is appended to make the authority."""
    bot_openid_metadata_url: str
    """OpenID metadata of the Bot Framework tokens Teams sends to ``/api/messages``."""
    bot_activity_issuer: str
    """``iss`` of those tokens."""
    bot_connector_resource: str
    """Resource (audience) of the tokens the bot gets to call the Bot Connector."""
    bot_oauth_url: str
    """The Bot Framework token service, for user sign-in through OAuth connections."""
    entra_issuer_templates: tuple[str, ...]
    """Entra v1 and v2 token issuers, ``{tenant}`` standing for the tenant id."""
    domain_suffixes: tuple[str, ...]
    """Host name endings that belong to this cloud, for the consistency check."""

    @property
    def bot_connector_scope(self) -> str:
        """The scope MSAL asks for when the bot calls the Bot Connector."""
        return f"{self.bot_connector_resource}/.default"

    def bot_issuers(self, tenant_id: str) -> list[str]:
        """Issuers accepted on incoming activities: Bot Framework's and the tenant's Entra."""
        entra = [template.format(tenant=tenant_id) for template in self.entra_issuer_templates]
        return [self.bot_activity_issuer, *entra]

    def owns(self, url: str) -> bool:
        """Whether ``url``'s host belongs to this cloud (or to this machine)."""
        host = (urlsplit(url).hostname or "").lower()
        if host in LOCAL_HOSTS:
            return True
        return any(host == suffix or host.endswith(f".{suffix}") for suffix in self.domain_suffixes)


def _us_government(name: CloudName, graph_url: str) -> Cloud:
    """GCC High and DoD share the sign-in host and Bot Framework; only Graph differs."""
    return Cloud(
        name=name,
        graph_url=graph_url,
        authority_host="https://login.microsoftonline.us",
        bot_openid_metadata_url="https://login.botframework.azure.us/v1/.well-known/openidconfiguration",
        bot_activity_issuer="https://api.botframework.us",
        bot_connector_resource="https://api.botframework.us",
        bot_oauth_url="https://token.botframework.azure.us",
        entra_issuer_templates=(
            "https://sts.windows.net/{tenant}/",
            "https://login.microsoftonline.us/{tenant}/v2.0",
        ),
        domain_suffixes=("microsoft.us", "microsoftonline.us", "botframework.us", "azure.us"),
    )


CLOUDS: dict[CloudName, Cloud] = {
    CloudName.PUBLIC: Cloud(
        name=CloudName.PUBLIC,
        graph_url="https://graph.microsoft.com",
        authority_host="https://login.microsoftonline.com",
        bot_openid_metadata_url="https://login.botframework.com/v1/.well-known/openidconfiguration",
        bot_activity_issuer="https://api.botframework.com",
        bot_connector_resource="https://api.botframework.com",
        bot_oauth_url="https://token.botframework.com",
        entra_issuer_templates=(
            "https://sts.windows.net/{tenant}/",
            "https://login.microsoftonline.com/{tenant}/v2.0",
        ),
        domain_suffixes=("microsoft.com", "microsoftonline.com", "botframework.com"),
    ),
    CloudName.USGOV: _us_government(CloudName.USGOV, "https://graph.microsoft.us"),
    CloudName.USGOVDOD: _us_government(CloudName.USGOVDOD, "https://dod-graph.microsoft.us"),
    CloudName.CHINA: Cloud(
        name=CloudName.CHINA,
        graph_url="https://microsoftgraph.chinacloudapi.cn",
        authority_host="https://login.chinacloudapi.cn",
        bot_openid_metadata_url="https://login.botframework.azure.cn/v1/.well-known/openidconfiguration",
        bot_activity_issuer="https://api.botframework.azure.cn",
        bot_connector_resource="https://api.botframework.azure.cn",
        bot_oauth_url="https://token.botframework.azure.cn",
        entra_issuer_templates=(
            "https://sts.chinacloudapi.cn/{tenant}/",
            "https://login.partner.microsoftonline.cn/{tenant}/v2.0",
        ),
        domain_suffixes=("chinacloudapi.cn", "microsoftonline.cn", "azure.cn"),
    ),
}


def inconsistent_hosts(cloud: Cloud, **urls: str) -> list[str]:
    """``NAME=url`` for every given URL whose host is neither ``cloud``'s nor this machine's."""
    return [f"{name.upper()}={url}" for name, url in urls.items() if not cloud.owns(url)]
