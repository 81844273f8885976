"""CLOUD picks every endpoint from one cloud; overrides stay in that cloud (or on this machine)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.hosting.agents_connection import connection_manager_for
from bot.infra.app_tokens import AppTokens
from config.clouds import CLOUDS, CloudName
from tests.settings import settings_of

CREDENTIALS = {"client_id": "app-id", "client_secret": "secret-value", "tenant_id": "tenant-1"}

UNUSED_TOKENS = AppTokens(lambda _resource: {})
"""Tokens the connection holds but these tests never ask for."""


EXPECTED = {
    CloudName.PUBLIC: (
        "https://graph.microsoft.com",
        "https://login.microsoftonline.com",
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        "https://api.botframework.com",
        "https://api.botframework.com/.default",
        "https://token.botframework.com",
    ),
    CloudName.USGOV: (
        "https://graph.microsoft.us",
        "https://login.microsoftonline.us",
        "https://login.botframework.azure.us/v1/.well-known/openidconfiguration",
        "https://api.botframework.us",
        "https://api.botframework.us/.default",
        "https://token.botframework.azure.us",
    ),
    CloudName.USGOVDOD: (
        "https://dod-graph.microsoft.us",
        "https://login.microsoftonline.us",
        "https://login.botframework.azure.us/v1/.well-known/openidconfiguration",
        "https://api.botframework.us",
        "https://api.botframework.us/.default",
        "https://token.botframework.azure.us",
    ),
    CloudName.CHINA: (
        "https://microsoftgraph.chinacloudapi.cn",
        "https://login.chinacloudapi.cn",
        "https://login.botframework.azure.cn/v1/.well-known/openidconfiguration",
        "https://api.botframework.azure.cn",
        "https://api.botframework.azure.cn/.default",
        "https://token.botframework.azure.cn",
    ),
}


@pytest.mark.parametrize("name", list(CloudName))
def test_every_cloud_assembles_its_own_endpoints(name: CloudName) -> None:
    cloud = CLOUDS[name]
    assert (
        cloud.graph_url,
        cloud.authority_host,
        cloud.bot_openid_metadata_url,
        cloud.bot_activity_issuer,
        cloud.bot_connector_scope,
        cloud.bot_oauth_url,
    ) == EXPECTED[name]
    for url in EXPECTED[name]:
        assert cloud.owns(url)
        for other in set(CloudName) - {name}:
            if CLOUDS[other].domain_suffixes != cloud.domain_suffixes:
                assert not CLOUDS[other].owns(url), (other, url)


@pytest.mark.parametrize("name", list(CloudName))
def test_cloud_setting_picks_graph_and_sign_in_hosts(name: CloudName) -> None:
    settings = settings_of(cloud=name.value.upper())
    assert settings.cloud is name
    assert settings.graph_base_url == EXPECTED[name][0]
    assert settings.authority_host == EXPECTED[name][1]
    assert settings.runs_embedded_sandbox  # no credentials, no explicit Graph: the sandbox


@pytest.mark.parametrize("name", list(CloudName))
def test_production_connection_uses_the_clouds_bot_framework(name: CloudName) -> None:
    settings = settings_of(cloud=name.value, **CREDENTIALS)
    config = connection_manager_for(settings, UNUSED_TOKENS).get_default_connection_configuration()
    authority, scopes, issuers = config.AUTHORITY, config.SCOPES, config.ISSUERS
    assert authority == f"{EXPECTED[name][1]}/tenant-1"
    assert scopes == [EXPECTED[name][4]]
    assert issuers[0] == EXPECTED[name][3]
    assert all(CLOUDS[name].owns(issuer) or "sts.windows.net" in issuer for issuer in issuers)
    assert not config.ANONYMOUS_ALLOWED


def test_default_is_the_public_cloud_as_before() -> None:
    settings = settings_of(**CREDENTIALS)
    assert settings.cloud is CloudName.PUBLIC
    assert settings.graph_base_url == "https://graph.microsoft.com"
    assert settings.authority_host == "https://login.microsoftonline.com"
    config = connection_manager_for(settings, UNUSED_TOKENS).get_default_connection_configuration()
    assert config.AUTHORITY == "https://login.microsoftonline.com/tenant-1"
    assert config.SCOPES == ["https://api.botframework.com/.default"]
    assert config.ISSUERS == [
        "https://api.botframework.com",
        "https://sts.windows.net/tenant-1/",
        "https://login.microsoftonline.com/tenant-1/v2.0",
    ]


def test_explicit_hosts_of_the_same_cloud_override() -> None:
    settings = settings_of(
        cloud="usgovdod",
        graph_base_url="https://graph.microsoft.us/",
        authority_host="https://login.microsoftonline.us",
    )
    assert settings.graph_base_url == "https://graph.microsoft.us"
    assert settings.cloud_profile.graph_url == "https://dod-graph.microsoft.us"
    assert not settings.runs_embedded_sandbox


def test_china_partner_sign_in_host_is_accepted() -> None:
    settings = settings_of(cloud="china", authority_host="https://login.partner.microsoftonline.cn")
    assert settings.authority_host == "https://login.partner.microsoftonline.cn"


@pytest.mark.parametrize(
    ("cloud", "override", "named"),
    [
        ("china", {"graph_base_url": "https://graph.microsoft.us"}, "GRAPH_BASE_URL"),
        ("public", {"authority_host": "https://login.chinacloudapi.cn"}, "AUTHORITY_HOST"),
        ("usgov", {"graph_base_url": "https://graph.microsoft.com"}, "GRAPH_BASE_URL"),
        ("usgovdod", {"authority_host": "https://login.microsoftonline.com"}, "AUTHORITY_HOST"),
        (
            "usgov",
            {"bot_token_service_url": "https://token.botframework.com"},
            "BOT_TOKEN_SERVICE_URL",
        ),
        (
            "public",
            {"bot_openid_metadata_url": "https://login.botframework.azure.cn/v1/x"},
            "BOT_OPENID_METADATA_URL",
        ),
    ],
)
def test_inconsistent_mix_is_refused_with_a_clear_message(
    cloud: str, override: dict[str, str], named: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        settings_of(cloud=cloud, **override)
    message = str(refused.value)
    assert f"CLOUD={cloud} does not match {named}=" in message


@pytest.mark.parametrize("host", ["http://127.0.0.1:3980", "http://localhost:4000"])
def test_local_graph_is_accepted_in_every_cloud(host: str) -> None:
    for name in CloudName:
        settings = settings_of(cloud=name.value, graph_base_url=host)
        assert settings.graph_base_url == host
        assert not settings.runs_embedded_sandbox


@pytest.mark.parametrize("name", list(CloudName))
def test_the_token_service_of_the_cloud_is_used_unless_a_local_one_is_named(
    name: CloudName,
) -> None:
    assert settings_of(cloud=name.value).effective_bot_token_service_url == EXPECTED[name][5]
    local = settings_of(cloud=name.value, bot_token_service_url="https://127.0.0.1:8443/")
    assert local.effective_bot_token_service_url == "https://127.0.0.1:8443"


def test_unknown_cloud_is_refused() -> None:
    with pytest.raises(ValidationError, match="public"):
        settings_of(cloud="mars")
