"""The bot's own tokens from Entra, for Graph and the Bot Connector, from one credential.

One ``AppTokens`` per process holds the token of each resource and renews it
well before it expires: the first caller after the renewal point fetches a new
one while everyone else keeps using the current token, so no request waits on
Entra in the steady state, and a failed renewal is logged and retried while
the old token is still good. MSAL is synchronous and does network I/O, so it
runs in a worker thread. Tokens and secrets are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msal
import requests

from config.clouds import LOCAL_HOSTS
from config.credentials import CredentialKind
from config.settings import Settings

logger = logging.getLogger(__name__)

RENEW_AT_FRACTION = 0.75
"""Renew once this share of a token's lifetime has passed..."""
RENEW_MARGIN_SECONDS = 300.0
"""...and in any case this long before it expires."""
USABLE_MARGIN_SECONDS = 60.0
"""A token this close to expiry is not handed out any more; callers wait for a new one."""


ENTRA_TIMEOUT_SECONDS = 20.0


class _EntraSession(requests.Session):
    """requests has no default timeout; a token request must not hang a worker thread forever."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", ENTRA_TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


class TokenError(RuntimeError):
    """Entra refused a token; the message names the error code, never the secret."""


@dataclass(frozen=True, slots=True)
class _Held:
    token: str
    expires_at: float
    renew_at: float


def _describe(result: object) -> str:
    if not isinstance(result, dict):
        return "no answer"
    error = str(result.get("error") or "unknown_error")
    codes = result.get("error_codes")
    if isinstance(codes, list) and codes:
        error += " (AADSTS" + ", AADSTS".join(str(code) for code in codes) + ")"
    return error


class AppTokens:
    """App-only tokens per resource, plus on-behalf-of tokens for a signed-in user."""

    def __init__(
        self,
        fetch: Callable[[str], dict[str, Any]],
        *,
        on_behalf_of: Callable[[str, list[str]], dict[str, Any]] | None = None,
        clock: Callable[[], float] = time.time,
        http: requests.Session | None = None,
    ) -> None:
        self._http = http
        self._fetch = fetch
        self._on_behalf_of = on_behalf_of
        self._clock = clock
        self._held: dict[str, _Held] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def close(self) -> None:
        """Close MSAL's connections to Entra."""
        if self._http is not None:
            self._http.close()

    @property
    def can_act_for_users(self) -> bool:
        """False for a managed identity, which has no on-behalf-of flow."""
        return self._on_behalf_of is not None

    async def token(self, resource: str) -> str:
        """A token for ``resource`` (a Graph or Bot Connector root); TokenError if refused."""
        now = self._clock()
        held = self._held.get(resource)
        if held is not None and now < held.renew_at:
            return held.token
        lock = self._locks.setdefault(resource, asyncio.Lock())
        usable = held is not None and now < held.expires_at - USABLE_MARGIN_SECONDS
        if usable and lock.locked():
            assert held is not None
            return held.token  # another caller is renewing it
        async with lock:
            current = self._held.get(resource)
            if current is not None and self._clock() < current.renew_at:
                return current.token
            try:
                return await self._renew(resource)
            except TokenError:
                if current is not None and self._clock() < current.expires_at - (
                    USABLE_MARGIN_SECONDS
                ):
                    logger.warning("token renewal for %s failed; using the current one", resource)
                    return current.token
                raise

    async def _renew(self, resource: str) -> str:
        result = await asyncio.to_thread(self._fetch, resource)
        token = result.get("access_token") if isinstance(result, dict) else None
        if not isinstance(token, str) or not token:
            raise TokenError(f"Entra refused a token for {resource}: {_describe(result)}")
        now = self._clock()
        lifetime = _lifetime(result, now)
        renew_at = now + min(lifetime * RENEW_AT_FRACTION, max(lifetime - RENEW_MARGIN_SECONDS, 0))
        self._held[resource] = _Held(token, now + lifetime, renew_at)
        return token

    async def for_user(self, user_assertion: str, scopes: Sequence[str]) -> str:
        """A delegated token for the user whose token ``user_assertion`` is (on-behalf-of)."""
        if self._on_behalf_of is None:
            raise TokenError("a managed identity cannot act on behalf of a user")
        result = await asyncio.to_thread(self._on_behalf_of, user_assertion, list(scopes))
        token = result.get("access_token") if isinstance(result, dict) else None
        if not isinstance(token, str) or not token:
            raise TokenError(f"Entra refused an on-behalf-of token: {_describe(result)}")
        return token


def _lifetime(result: dict[str, Any], now: float) -> float:
    if result.get("expires_in") is not None:
        return max(float(result["expires_in"]), 0.0)
    if result.get("expires_on") is not None:
        return max(float(result["expires_on"]) - now, 0.0)
    return 0.0


def app_tokens_for(settings: Settings) -> AppTokens:
    """The configured credential (secret, certificate or managed identity) as ``AppTokens``."""
    client_id, tenant_id = settings.client_id, settings.tenant_id
    assert client_id
    assert tenant_id
    if settings.credential_kind is CredentialKind.MANAGED_IDENTITY:
        identity = msal.UserAssignedManagedIdentity(client_id=client_id)

        def fetch_as_identity(resource: str) -> dict[str, Any]:
            # A fresh cache each time: renewing early must not be answered from MSAL's cache.
            with _EntraSession() as http:
                client = msal.ManagedIdentityClient(
                    identity, http_client=http, token_cache=msal.TokenCache()
                )
                return dict(client.acquire_token_for_client(resource=resource))

        return AppTokens(fetch_as_identity)

    credential: str | dict[str, str]
    if settings.credential_kind is CredentialKind.CERTIFICATE:
        credential = settings.client_certificate().msal_credential()
    else:
        assert settings.client_secret is not None
        credential = settings.client_secret.get_secret_value()
    local = urlsplit(settings.authority_host).hostname in LOCAL_HOSTS
    http = _EntraSession()
    built: list[msal.ConfidentialClientApplication] = []
    building = threading.Lock()

    def app() -> msal.ConfidentialClientApplication:
        # Built on first use, in a worker thread: MSAL reads the authority's metadata then.
        with building:
            if not built:
                built.append(
                    msal.ConfidentialClientApplication(
                        client_id,
                        client_credential=credential,
                        authority=f"{settings.authority_host}/{tenant_id}",
                        token_cache=msal.TokenCache(),
                        http_client=http,
                        # MSAL asks the public cloud to vouch for unknown hosts, a local one is not.
                        instance_discovery=False if local else None,
                    )
                )
            return built[0]

    def fetch_as_app(resource: str) -> dict[str, Any]:
        client = app()
        client.remove_tokens_for_client()  # renewing early must reach Entra, not MSAL's cache
        return dict(client.acquire_token_for_client(scopes=[f"{resource}/.default"]))

    def on_behalf_of(assertion: str, scopes: list[str]) -> dict[str, Any]:
        return dict(app().acquire_token_on_behalf_of(assertion, scopes))

    return AppTokens(fetch_as_app, on_behalf_of=on_behalf_of, http=http)
