"""The Agents SDK's view of the bot's identity: who may call in, and the tokens for calling out.

In production the SDK gets its Bot Connector tokens from the same ``AppTokens``
as Graph, so a client secret, a certificate and a managed identity all work
the same way and are cached and renewed in one place. The authority, the
accepted issuers and the Bot Connector scope come from the configured cloud.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from azure.core.credentials_async import AsyncTokenCredential
from microsoft_agents.hosting.core import AgentAuthConfiguration
from microsoft_agents.hosting.core.authorization import Connections
from microsoft_agents.hosting.core.authorization.connection_manager import ConnectionManager

from bot.hosting.channel_gate import ChannelGate
from bot.hosting.signed_activities import TokenVerifier
from bot.infra.app_tokens import AppTokens
from config.settings import Mode, Settings

ConnectorTokenSource = Callable[[str], Awaitable[str]]
"""Given a Bot Connector service URL, the bearer token to call it with ("" for none)."""

DEFAULT_SCOPE_SUFFIX = "/.default"


class ConnectorTokens:
    """``AccessTokenProviderBase`` for the SDK, backed by ``AppTokens``."""

    def __init__(self, configuration: AgentAuthConfiguration, tokens: AppTokens) -> None:
        self._configuration = configuration
        self._tokens = tokens

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        resource = resource_url
        if scopes and scopes[0].endswith(DEFAULT_SCOPE_SUFFIX):
            resource = scopes[0].removesuffix(DEFAULT_SCOPE_SUFFIX)
        return await self._tokens.token(resource.rstrip("/"))

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        return await self._tokens.for_user(user_assertion, scopes)

    def get_token_credential(self) -> AsyncTokenCredential:
        raise NotImplementedError("the bot uses no Azure SDK client")

    async def get_agentic_application_token(
        self, tenant_id: str, agent_app_instance_id: str
    ) -> str | None:
        raise NotImplementedError("agentic identities are not used")

    async def get_agentic_instance_token(
        self, tenant_id: str, agent_app_instance_id: str
    ) -> tuple[str, str]:
        raise NotImplementedError("agentic identities are not used")

    async def get_agentic_user_token(
        self, tenant_id: str, agent_app_instance_id: str, agentic_user_id: str, scopes: list[str]
    ) -> str | None:
        raise NotImplementedError("agentic identities are not used")


def connection_manager_for(settings: Settings, tokens: AppTokens | None) -> Connections:
    """The SDK's connections: anonymous in sandbox mode, the app's identity otherwise."""
    # Imported here: MSAL and requests are not needed before the first activity.
    from microsoft_agents.authentication.msal import MsalConnectionManager

    if settings.mode is Mode.SANDBOX or tokens is None:
        return MsalConnectionManager(
            CONNECTIONS={"SERVICE_CONNECTION": {"SETTINGS": {"ANONYMOUS_ALLOWED": True}}}
        )
    configuration = AgentAuthConfiguration(
        client_id=settings.client_id,
        tenant_id=settings.tenant_id,
        authority=f"{settings.authority_host}/{settings.tenant_id}",
        scopes=[settings.cloud_profile.bot_connector_scope],
        issuers=settings.cloud_profile.bot_issuers(settings.tenant_id or ""),
        anonymous_allowed=settings.accepts_unsigned_activities,
    )

    def provider(config: AgentAuthConfiguration) -> ConnectorTokens:
        return ConnectorTokens(config, tokens)

    return ConnectionManager(
        provider_factory=provider,
        connections_configurations={"SERVICE_CONNECTION": configuration},
    )


def connector_token_source(settings: Settings, tokens: AppTokens | None) -> ConnectorTokenSource:
    """Bot Connector tokens for proactive sends: none for the local Playground."""
    cloud = settings.cloud_profile

    async def sandbox_token(_service_url: str) -> str:
        return ""

    async def app_token(_service_url: str) -> str:
        assert tokens is not None
        return await tokens.token(cloud.bot_connector_resource)

    return sandbox_token if tokens is None else app_token


def channel_gate_for(settings: Settings) -> ChannelGate:
    """Production: Bot Framework channel tokens (and allow-listed agents) for TENANT_ID only.

    Sandbox mode, or unsigned activities dangerously allowed for local debugging,
    take activities without a token; a token that is sent is still checked.
    """
    verifier = None
    tenant_id = None
    if settings.mode is Mode.PRODUCTION:
        assert settings.client_id
        tenant_id = settings.tenant_id
        verifier = TokenVerifier(
            audiences=[settings.client_id],
            bot_framework_metadata_url=settings.effective_bot_openid_metadata_url,
            entra_metadata_urls=(
                settings.entra_openid_metadata_urls if settings.allowed_callers else ()
            ),
        )
    return ChannelGate(
        verifier,
        accepts_unsigned=settings.accepts_unsigned_activities,
        tenant_id=tenant_id,
        allowed_callers=settings.allowed_callers,
    )
