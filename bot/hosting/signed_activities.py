"""Who may post activities: only the Bot Framework channel service, speaking for this tenant.

What the channel really sends, and so the only thing ``/api/messages`` takes
by default (sources):

- Bot Connector to bot, for multi-tenant, single-tenant and managed-identity
  bots alike: a JWT issued by the cloud's Bot Framework token issuer
  (``https://api.botframework.com``; ``https://api.botframework.us`` in the US
  government clouds; ``https://api.botframework.azure.cn`` in China), signed
  with a key from the cloud's Bot Framework OpenID metadata
  (``login.botframework.com/v1/.well-known/openidconfiguration``), whose
  audience is the bot's app id and whose ``serviceurl`` claim equals the
  activity's ``serviceUrl``; each signing key lists the channel ids it
  endorses.
  https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication
  ("Authenticate requests from the Bot Connector service to your bot").
  The bot type (single tenant, multi tenant, user-assigned managed identity)
  only changes where the *bot* gets its own outgoing tokens, not what the
  channel sends: https://learn.microsoft.com/azure/bot-service/bot-builder-authentication
  and https://learn.microsoft.com/azure/bot-service/how-to-deploy-gov-cloud-high
  (national cloud issuers and metadata), mirrored in ``config/clouds.py``.
- Tokens issued by an Entra tenant (``sts.windows.net/{tenant}/`` v1,
  ``login.microsoftonline.com/{tenant}/v2.0`` v2) come from *other agents*
  (agent-to-agent, formerly "skills"), never from Teams. Microsoft's guidance
  is to admit them only from an explicit list of caller app ids read from the
  ``azp`` (v2) or ``appid`` (v1) claim:
  https://learn.microsoft.com/azure/bot-service/skill-implement-skill#claims-validation
  (``AllowedCallersClaimsValidator``). The Agents SDK's own validator also
  trusts Microsoft first-party tenants and leaves issuer validation off by
  default (``microsoft_agents.hosting.core.authorization._entra_issuers``,
  ``AgentAuthConfiguration.VALIDATE_ISSUER``), which is why this bot checks
  tokens itself: any app registered in the tenant can get an app-only token
  whose audience is the bot, so an Entra token is refused here unless its
  caller is on ``ALLOWED_CALLER_APP_IDS`` (empty by default), and even then
  it must carry a matching ``serviceurl``.
- A user's delegated token (it has ``scp``; Teams SSO hands one over for
  ``api://botid-<id>``) proves a person signed in to *their* client, not that
  the channel sent this activity. It is only ever taken in the reviewer
  sign-in exchange (``bot.hosting.reviewer_sign_in``), never here.

The same ``TokenVerifier`` (issuers and keys from configurable OpenID
metadata documents, so national clouds and local tests work alike) checks
signatures for both uses; ``ChannelGate`` holds the channel's rules.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jwt
from aiohttp import ClientError, ClientSession, ClientTimeout
from microsoft_agents.hosting.core.authorization import ClaimsIdentity

from bot.infra.outbound_tls import outbound_connector

logger = logging.getLogger(__name__)

SERVICE_URL_CLAIM = "serviceurl"
CLOCK_SKEW_SECONDS = 300.0
"""Tolerated clock difference with the token issuer, as the Bot Framework SDKs allow."""


class CallerRefused(Exception):
    """The request's token does not prove who sent it (401); the message is for the log only."""


class ActivityForbidden(Exception):
    """A proven caller sent an activity this bot must not handle (403); for the log only."""


class SigningKeysUnavailable(Exception):
    """No metadata or key set could be read, so no token can be checked right now."""


class IssuerKind(StrEnum):
    BOT_FRAMEWORK = "bot_framework"
    ENTRA = "entra"
    NONE = "none"
    """No token at all: sandbox mode, or unsigned activities dangerously allowed."""


@dataclass(frozen=True, slots=True)
class _SigningKey:
    key: jwt.PyJWK
    endorsements: frozenset[str] | None
    """Channel ids the Bot Framework key vouches for; None when the key set lists none."""


@dataclass(frozen=True, slots=True)
class _TrustedIssuer:
    issuer: str
    keys: dict[str, _SigningKey]
    fetched_at: float
    kind: IssuerKind


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """A token whose issuer, signature, audience and lifetime were checked."""

    identity: ClaimsIdentity
    issuer_kind: IssuerKind
    endorsements: frozenset[str] | None = None

    @property
    def claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = self.identity.claims
        return claims

    @property
    def caller_app_id(self) -> str | None:
        """The app that asked for the token: ``azp`` (v2) or ``appid`` (v1)."""
        value = self.claims.get("azp") or self.claims.get("appid")
        return value if isinstance(value, str) else None

    @property
    def is_user_token(self) -> bool:
        """A delegated token (a person's), not a service's."""
        return "scp" in self.claims or self.claims.get("idtyp") == "user"


class TokenVerifier:
    """Checks bearer tokens for some audiences; metadata and keys are cached and refreshed."""

    def __init__(
        self,
        *,
        audiences: Sequence[str],
        bot_framework_metadata_url: str | None,
        entra_metadata_urls: Sequence[str] = (),
        refresh_after_seconds: float = 24 * 3600,
        unknown_key_refetch_seconds: float = 300,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not audiences or not all(audiences):
            raise ValueError("an audience (the bot's app id) is required to check tokens")
        self._audiences = list(audiences)
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

    async def verify(self, authorization: str | None) -> VerifiedToken:
        """The verified token; CallerRefused or SigningKeysUnavailable otherwise."""
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
        signing = trusted.keys.get(kid) or (await self._refetched(trusted)).keys.get(kid)
        if signing is None:
            raise CallerRefused("token is signed by an unknown key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=signing.key,
                algorithms=["RS256"],
                audience=self._audiences,
                issuer=trusted.issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise CallerRefused(f"token refused ({type(error).__name__})") from None
        return VerifiedToken(
            ClaimsIdentity(claims, security_token=token), trusted.kind, signing.endorsements
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
        kind = (
            IssuerKind.BOT_FRAMEWORK
            if metadata_url == self._bot_framework_metadata_url
            else IssuerKind.ENTRA
        )
        return _TrustedIssuer(issuer, keys, self._monotonic(), kind)

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


def _signing_keys(entries: object) -> dict[str, _SigningKey]:
    keys: dict[str, _SigningKey] = {}
    if not isinstance(entries, list):
        return keys
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or entry.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(entry, algorithm="RS256")
        except jwt.PyJWTError:
            logger.warning("skipping an unreadable signing key %s", kid)
            continue
        endorsements = entry.get("endorsements")
        endorsed = (
            frozenset(e.lower() for e in endorsements if isinstance(e, str))
            if isinstance(endorsements, list)
            else None
        )
        keys[kid] = _SigningKey(key, endorsed)
    return keys
