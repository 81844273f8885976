"""Access tokens for Microsoft Graph: the bot's own, a reviewer's, or a local one in sandbox mode.

Both implement kiota's ``AccessTokenProvider`` so ``bot.graph`` does not care
which one it got. Tokens are never logged.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from kiota_abstractions.authentication import AccessTokenProvider, AllowedHostsValidator

from bot.infra.app_tokens import AppTokens

SANDBOX_TOKEN = "sandbox-local-token"  # noqa: S105 - a fixed, non-secret token for the local tenant


def _allowed(graph_base_url: str) -> AllowedHostsValidator:
    """Tokens go to the configured Graph host only (kiota compares host names, not ports)."""
    return AllowedHostsValidator([urlsplit(graph_base_url).hostname or ""])


class SandboxTokenProvider(AccessTokenProvider):
    """Hands the sandbox tenant its local token, and only for the configured host."""

    def __init__(self, graph_base_url: str) -> None:
        self._validator = _allowed(graph_base_url)

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        return SANDBOX_TOKEN if self._validator.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._validator


class AppGraphTokens(AccessTokenProvider):
    """The bot's own Graph tokens (``AppTokens``), for the configured Graph host only."""

    def __init__(self, graph_base_url: str, tokens: AppTokens) -> None:
        self._validator = _allowed(graph_base_url)
        self._resource = graph_base_url
        self._tokens = tokens

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        if not self._validator.is_url_host_valid(uri):
            return ""
        return await self._tokens.token(self._resource)

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._validator


class FixedTokenProvider(AccessTokenProvider):
    """One token already obtained (a reviewer's delegated token), for the Graph host only."""

    def __init__(self, graph_base_url: str, token: str) -> None:
        self._validator = _allowed(graph_base_url)
        self._token = token

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        return self._token if self._validator.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._validator
