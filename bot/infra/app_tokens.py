"""The bot's own tokens from Entra, for Graph and the Bot Connector, from one credential.

MSAL's token cache serves and renews them. Every ``AppTokens.token`` asks MSAL
(``acquire_token_for_client``), which answers from its cache while the token is
good and goes to Entra only to renew it: once the ``refresh_in`` time Entra sent
with the token has passed (MSAL sets it to half the lifetime itself for
managed-identity tokens of two hours or more), and in any case when less than
five minutes of the token's life remain. A renewal that fails in the early
window is answered by MSAL with the cached token, and the next ask tries again;
MSAL also holds back repeated requests after 429, 5xx and 400 answers. The
tokens therefore live in one place, renewed by the library that knows Entra's
rules, instead of beside MSAL's cache, which had to be emptied before every
renewal so the request would reach Entra at all.

MSAL does not coordinate concurrent callers and has no notion of the event
loop, so a thin layer stays here:

* MSAL is synchronous and does network I/O, so it runs in a worker thread, one
  call per resource at a time: concurrent first callers cause one token
  request, not one each.
* Callers arriving while that call is in flight (MSAL may be waiting on Entra
  to renew) get the token MSAL last handed out, if it still has a minute to
  live, so one caller waits for a renewal, not all of them. In the steady
  state no request waits on Entra.
* When a renewal fails and MSAL has nothing to fall back on (a token without
  ``refresh_in`` is renewed only in its last five minutes), that same last
  token is used until a minute before it expires, and the failure is logged.
* Refusals raise ``TokenError`` naming Entra's error code, never the secret,
  and so do an unreachable endpoint and a 5xx answer (which MSAL raises as
  exceptions of its own, bypassing its cached fallback). Tokens and secrets
  are never logged.

Time is ``time.time()``, the clock MSAL's cache reads, so both agree on when a
token expires.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from config.clouds import LOCAL_HOSTS
from config.credentials import CredentialKind
from config.settings import Settings

if TYPE_CHECKING:
    import msal
    import requests

# MSAL and requests are imported where tokens are made: only production asks for any, and
# importing them costs every start (sandbox and tests included) a tenth of a second.

logger = logging.getLogger(__name__)

USABLE_MARGIN_SECONDS = 60.0
"""A token this close to expiry is not handed out from here any more; callers wait for MSAL."""

ENTRA_TIMEOUT_SECONDS = 20.0


def _entra_session() -> requests.Session:
    """requests has no default timeout; a token request must not hang a worker thread forever."""
    import requests

    class EntraSession(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> requests.Response:
            kwargs.setdefault("timeout", ENTRA_TIMEOUT_SECONDS)
            return super().request(*args, **kwargs)

    return EntraSession()


class TokenError(RuntimeError):
    """Entra refused a token; the message names the error code, never the secret."""


@dataclass(frozen=True, slots=True)
class _Served:
    """The token MSAL last handed out for a resource, and until when it may stand in."""

    token: str
    usable_until: float


def _describe(result: object) -> str:
    if not isinstance(result, dict):
        return "no answer"
    error = str(result.get("error") or "unknown_error")
    codes = result.get("error_codes")
    if isinstance(codes, list) and codes:
        error += " (AADSTS" + ", AADSTS".join(str(code) for code in codes) + ")"
    return error


def _access_token(result: object) -> str | None:
    token = result.get("access_token") if isinstance(result, dict) else None
    return token if isinstance(token, str) and token else None


def _renewal_failed(result: dict[str, Any], asked_at: float) -> bool:
    """MSAL answered from its cache although the token was due for renewal before we asked.

    MSAL renews a cached token whose ``refresh_on`` has passed and hands out the
    cached one only when that renewal failed.
    """
    refresh_on = result.get("refresh_on")
    return (
        result.get("token_source") == "cache"
        and isinstance(refresh_on, int | float)
        and refresh_on < asked_at
    )


class AppTokens:
    """App-only tokens per resource, plus on-behalf-of tokens for a signed-in user.

    ``fetch(resource)`` is MSAL's ``acquire_token_for_client`` for that resource
    (served from MSAL's cache while the token is good); ``on_behalf_of`` its
    ``acquire_token_on_behalf_of``. Both are called in a worker thread.
    """

    def __init__(
        self,
        fetch: Callable[[str], dict[str, Any]],
        *,
        on_behalf_of: Callable[[str, list[str]], dict[str, Any]] | None = None,
        http: requests.Session | None = None,
    ) -> None:
        self._http = http
        self._fetch = fetch
        self._on_behalf_of = on_behalf_of
        self._served: dict[str, _Served] = {}
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
        lock = self._locks.setdefault(resource, asyncio.Lock())
        if lock.locked():
            served = self._usable(resource)
            if served is not None:
                return served  # another caller is asking MSAL, maybe waiting on Entra
        async with lock:
            asked_at = time.time()
            try:
                result = await _in_thread(f"a token for {resource}", self._fetch, resource)
                token = _access_token(result)
                if token is None:
                    raise TokenError(f"Entra refused a token for {resource}: {_describe(result)}")
            except TokenError:
                served = self._usable(resource)
                if served is None:
                    raise
                logger.warning("token renewal for %s failed; using the current one", resource)
                return served
            if _renewal_failed(result, asked_at):
                logger.warning("token renewal for %s failed; MSAL kept the current one", resource)
            now = time.time()
            expires_at = now + _lifetime(result, now)
            self._served[resource] = _Served(token, expires_at - USABLE_MARGIN_SECONDS)
            return token

    def _usable(self, resource: str) -> str | None:
        served = self._served.get(resource)
        return served.token if served is not None and time.time() < served.usable_until else None

    async def for_user(self, user_assertion: str, scopes: Sequence[str]) -> str:
        """A delegated token for the user whose token ``user_assertion`` is (on-behalf-of)."""
        if self._on_behalf_of is None:
            raise TokenError("a managed identity cannot act on behalf of a user")
        result = await _in_thread(
            "an on-behalf-of token", self._on_behalf_of, user_assertion, list(scopes)
        )
        token = _access_token(result)
        if token is None:
            raise TokenError(f"Entra refused an on-behalf-of token: {_describe(result)}")
        return token


async def _in_thread(what: str, call: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """``call`` in a worker thread; no answer, or a 5xx one, becomes ``TokenError``."""
    import requests
    from msal.exceptions import MsalServiceError

    try:
        return await asyncio.to_thread(call, *args)
    except requests.RequestException as error:
        # Its text names the host and path at most; the secret travels in the body.
        raise TokenError(
            f"Entra could not be reached for {what}: {type(error).__name__}"
        ) from error
    except MsalServiceError as error:  # MSAL raises it for a 5xx answer ("HTTP Error: 503")
        raise TokenError(f"Entra failed to answer for {what}: {error}") from error


def _lifetime(result: dict[str, Any], now: float) -> float:
    if result.get("expires_in") is not None:
        return max(float(result["expires_in"]), 0.0)
    if result.get("expires_on") is not None:
        return max(float(result["expires_on"]) - now, 0.0)
    return 0.0


def app_tokens_for(settings: Settings, *, http: requests.Session | None = None) -> AppTokens:
    """The configured credential (secret, certificate or managed identity) as ``AppTokens``.

    ``http`` is the session MSAL talks to Entra through (by default one with a timeout).
    """
    import msal

    client_id, tenant_id = settings.client_id, settings.tenant_id
    assert client_id
    assert tenant_id
    session = _entra_session() if http is None else http
    if settings.credential_kind is CredentialKind.MANAGED_IDENTITY:
        identity_client = msal.ManagedIdentityClient(
            msal.UserAssignedManagedIdentity(client_id=client_id),
            http_client=session,
            token_cache=msal.TokenCache(),
        )

        def fetch_as_identity(resource: str) -> dict[str, Any]:
            return dict(identity_client.acquire_token_for_client(resource=resource))

        return AppTokens(fetch_as_identity, http=session)

    credential: str | dict[str, str]
    if settings.credential_kind is CredentialKind.CERTIFICATE:
        credential = settings.client_certificate().msal_credential()
    else:
        assert settings.client_secret is not None
        credential = settings.client_secret.get_secret_value()
    local = urlsplit(settings.authority_host).hostname in LOCAL_HOSTS
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
                        http_client=session,
                        # MSAL asks the public cloud to vouch for unknown hosts, a local one is not.
                        instance_discovery=False if local else None,
                    )
                )
            return built[0]

    def fetch_as_app(resource: str) -> dict[str, Any]:
        # MSAL answers from its cache and renews the token itself when it is due.
        return dict(app().acquire_token_for_client(scopes=[f"{resource}/.default"]))

    def on_behalf_of(assertion: str, scopes: list[str]) -> dict[str, Any]:
        return dict(app().acquire_token_on_behalf_of(assertion, scopes))

    return AppTokens(fetch_as_app, on_behalf_of=on_behalf_of, http=session)
