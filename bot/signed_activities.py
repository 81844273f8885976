"""Who may post activities: bearer tokens checked against OpenID metadata documents.

The Agents SDK's validator hard-codes where it fetches signing keys and only
checks issuers when asked to, so it can neither follow a national cloud nor be
proven by a local test. This verifier reads each trusted issuer and its key set
from a configurable OpenID metadata document (the Bot Framework one, and the
Entra tenant's), and accepts a token only when its issuer is one of them, its
RS256 signature verifies with that issuer's key, its audience is the bot's app
id and it has not expired. The ``serviceurl`` claim of a Bot Framework token
binds it to the conversation service the activity names.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import ClientError, ClientSession, ClientTimeout
from microsoft_agents.hosting.core.authorization import ClaimsIdentity

from bot.outbound_tls import outbound_connector

logger = logging.getLogger(__name__)

BOT_FRAMEWORK_OPENID_METADATA_URL = (
    "https://login.botframework.com/v1/.well-known/openidconfiguration"
)
SERVICE_URL_CLAIM = "serviceurl"
CLOCK_SKEW_SECONDS = 300.0
"""Tolerated clock difference with the token issuer, as the Bot Framework SDKs allow."""


class CallerRefused(Exception):
    """The request does not carry a token this bot accepts; the message is for the log only."""


class SigningKeysUnavailable(Exception):
    """No metadata or key set could be read, so no token can be checked right now."""


@dataclass(frozen=True, slots=True)
class _TrustedIssuer:
    issuer: str
    keys: dict[str, jwt.PyJWK]
    fetched_at: float
    is_bot_framework: bool


@dataclass(frozen=True, slots=True)
class VerifiedCaller:
    """A caller whose token verified; Bot Framework tokens must also name the activity's service."""

    identity: ClaimsIdentity
    from_bot_framework: bool

    def check_service_url(self, service_url: str | None) -> None:
        claimed = self.identity.claims.get(SERVICE_URL_CLAIM)
        if claimed is None and not self.from_bot_framework:
            return
        if not isinstance(claimed, str) or not service_url:
            raise CallerRefused("token has no serviceurl claim to compare")
        if claimed.rstrip("/").lower() != service_url.rstrip("/").lower():
            raise CallerRefused("serviceurl claim does not match the activity's serviceUrl")


class SignedActivityVerifier:
    """Checks bearer tokens for one app id; metadata and keys are cached and refreshed."""

    def __init__(
        self,
        *,
        app_id: str,
        bot_framework_metadata_url: str | None,
        entra_metadata_urls: Sequence[str] = (),
        extra_audiences: Sequence[str] = (),
        refresh_after_seconds: float = 24 * 3600,
        unknown_key_refetch_seconds: float = 300,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not app_id:
            raise ValueError("an app id is required to check token audiences")
        self._audiences = [app_id, *extra_audiences]
        self._bot_framework_metadata_url = bot_framework_metadata_url
        first = [bot_framework_metadata_url] if bot_framework_metadata_url else []
        self._metadata_urls = tuple(dict.fromkeys([*first, *entra_metadata_urls]))
        self._refresh_after = refresh_after_seconds
        self._unknown_key_refetch = unknown_key_refetch_seconds
        self._monotonic = monotonic
        self._issuers: dict[str, _TrustedIssuer] = {}
        self._lock = asyncio.Lock()
        self._session: ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def verify(self, authorization: str | None) -> VerifiedCaller:
        """The verified caller; CallerRefused or SigningKeysUnavailable otherwise."""
        token = _bearer_token(authorization)
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise CallerRefused(f"malformed token ({type(error).__name__})") from None
        if header.get("alg") != "RS256":
            raise CallerRefused("token is not signed with RS256")
        kid, issuer_claim = header.get("kid"), unverified.get("iss")
        if not isinstance(kid, str) or not isinstance(issuer_claim, str):
            raise CallerRefused("token has no key id or no issuer")

        trusted = await self._trusted_issuer(issuer_claim)
        key = trusted.keys.get(kid) or (await self._refetched(trusted)).keys.get(kid)
        if key is None:
            raise CallerRefused("token is signed by an unknown key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=self._audiences,
                issuer=trusted.issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise CallerRefused(f"token refused ({type(error).__name__})") from None
        return VerifiedCaller(
            ClaimsIdentity(claims, security_token=token), trusted.is_bot_framework
        )

    async def _trusted_issuer(self, issuer_claim: str) -> _TrustedIssuer:
        async with self._lock:
            failures = 0
            for url in self._metadata_urls:
                known = self._issuers.get(url)
                if known is None or self._monotonic() - known.fetched_at > self._refresh_after:
                    try:
                        known = await self._fetch(url)
                    except SigningKeysUnavailable:
                        logger.exception("cannot read OpenID metadata from %s", url)
                        known = self._issuers.get(url)  # a stale key set beats none
                    if known is not None:
                        self._issuers[url] = known
                if known is None:
                    failures += 1
                elif known.issuer == issuer_claim:
                    return known
        if failures:
            raise SigningKeysUnavailable(f"{failures} OpenID metadata document(s) unreadable")
        raise CallerRefused("token issuer is not trusted")

    async def _refetched(self, trusted: _TrustedIssuer) -> _TrustedIssuer:
        """The issuer's keys fetched again (keys roll over), at most once per refetch period."""
        async with self._lock:
            url = next(u for u, known in self._issuers.items() if known.issuer == trusted.issuer)
            current = self._issuers[url]
            if self._monotonic() - current.fetched_at < self._unknown_key_refetch:
                return current
            try:
                self._issuers[url] = await self._fetch(url)
            except SigningKeysUnavailable:
                logger.exception("cannot refresh signing keys from %s", url)
            return self._issuers[url]

    async def _fetch(self, metadata_url: str) -> _TrustedIssuer:
        metadata = await self._json(metadata_url)
        issuer, jwks_uri = metadata.get("issuer"), metadata.get("jwks_uri")
        if not isinstance(issuer, str) or not isinstance(jwks_uri, str):
            raise SigningKeysUnavailable(f"{metadata_url} names no issuer or jwks_uri")
        key_set = await self._json(jwks_uri)
        keys = _signing_keys(key_set.get("keys"))
        if not keys:
            raise SigningKeysUnavailable(f"{jwks_uri} holds no usable RSA signing key")
        return _TrustedIssuer(
            issuer, keys, self._monotonic(), metadata_url == self._bot_framework_metadata_url
        )

    async def _json(self, url: str) -> dict[str, Any]:
        if self._session is None:
            self._session = ClientSession(
                timeout=ClientTimeout(total=10), connector=outbound_connector()
            )
        try:
            async with self._session.get(url) as response:
                response.raise_for_status()
                body = await response.json(content_type=None)
        except (ClientError, TimeoutError, ValueError) as error:
            raise SigningKeysUnavailable(f"{url}: {type(error).__name__}") from None
        if not isinstance(body, dict):
            raise SigningKeysUnavailable(f"{url} is not a JSON object")
        return body


def _bearer_token(authorization: str | None) -> str:
    if not authorization or not authorization.strip():
        raise CallerRefused("no Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
        raise CallerRefused("Authorization header is not a bearer token")
    return token


def _signing_keys(entries: object) -> dict[str, jwt.PyJWK]:
    keys: dict[str, jwt.PyJWK] = {}
    if not isinstance(entries, list):
        return keys
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or entry.get("use", "sig") != "sig":
            continue
        try:
            keys[kid] = jwt.PyJWK(entry, algorithm="RS256")
        except jwt.PyJWTError:
            logger.warning("skipping an unreadable signing key %s", kid)
    return keys


class CallerPolicy:
    """Which callers ``/api/messages`` admits: verified tokens, unsigned ones only when allowed.

    Without a verifier and without permission for unsigned calls every caller is
    refused, so a policy that was never configured fails closed.
    """

    def __init__(
        self, verifier: SignedActivityVerifier | None = None, *, accepts_unsigned: bool = False
    ) -> None:
        self._verifier = verifier
        self._accepts_unsigned = accepts_unsigned

    async def admit(self, authorization: str | None) -> VerifiedCaller:
        """The caller; CallerRefused or SigningKeysUnavailable when it may not post."""
        unsigned = not authorization or not authorization.strip()
        if self._accepts_unsigned and (unsigned or self._verifier is None):
            return VerifiedCaller(ClaimsIdentity(), from_bot_framework=False)
        if self._verifier is None:
            raise CallerRefused("no token verifier is configured")
        return await self._verifier.verify(authorization)

    async def close(self) -> None:
        if self._verifier is not None:
            await self._verifier.close()
