"""Access tokens for Microsoft Graph: MSAL client credentials, or a local token in sandbox mode.

Both implement kiota's ``AccessTokenProvider`` so ``bot.graph`` does not care
which one it got. Tokens are never logged.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import msal
from kiota_abstractions.authentication import AccessTokenProvider, AllowedHostsValidator

SANDBOX_TOKEN = "sandbox-local-token"  # noqa: S105 - a fixed, non-secret token for the local tenant


class GraphTokenError(RuntimeError):
    """The identity platform refused to issue a token; the message names why, not the secret."""


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


class ClientCredentialsTokenProvider(AccessTokenProvider):
    """App-only tokens through MSAL; MSAL's in-memory cache refreshes them before expiry."""

    def __init__(
        self,
        *,
        graph_base_url: str,
        authority_host: str,
        tenant_id: str,
        client_id: str,
        client_secret: str,
    ) -> None:
        self._validator = _allowed(graph_base_url)
        self._scopes = [f"{graph_base_url}/.default"]
        self._app = msal.ConfidentialClientApplication(
            client_id,
            client_credential=client_secret,
            authority=f"{authority_host}/{tenant_id}",
            token_cache=msal.TokenCache(),
        )

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        if not self._validator.is_url_host_valid(uri):
            return ""
        # MSAL is synchronous and may do network I/O: keep it off the event loop.
        result = await asyncio.to_thread(self._app.acquire_token_for_client, scopes=self._scopes)
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            error = result.get("error", "unknown_error") if isinstance(result, dict) else "none"
            raise GraphTokenError(f"could not get a Graph token: {error}")
        return str(token)

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._validator
