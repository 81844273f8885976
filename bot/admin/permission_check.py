"""The start-up self-check: which features the bot's granted Graph permissions leave off.

The app-only Graph token Entra issues lists the application permissions
granted to the bot in its ``roles`` claim. The token is our own, fresh from
Entra over TLS, and only read here, never trusted for a decision, so its
signature is not checked. A missing permission is reported, not fatal: the
rest of the bot keeps working, and ``/readyz`` repeats the report.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging

from kiota_abstractions.authentication import AccessTokenProvider

from bot.admin.permissions import (
    FEATURES,
    Feature,
    FeatureOff,
    features_off,
    optional_features_off,
)

logger = logging.getLogger("consent_desk.permissions")

TOKEN_TIMEOUT_SECONDS = 15


def granted_roles(access_token: str) -> frozenset[str] | None:
    """The ``roles`` claim of a JWT access token; None when the token is not a readable JWT.

    Entra leaves the claim out when no application permission is granted, so a
    readable token without it means none.
    """
    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(claims, dict):
        return None
    roles = claims.get("roles", [])
    if not isinstance(roles, list):
        return None
    return frozenset(str(role) for role in roles)


async def check_graph_permissions(
    tokens: AccessTokenProvider,
    graph_url: str,
    *,
    required: bool,
    features: tuple[Feature, ...] = FEATURES,
) -> list[FeatureOff] | None:
    """Log one line per feature that is off; None when the token could not be read.

    ``required`` is false for the sandbox, whose local token names no roles:
    the check is then skipped quietly instead of reporting everything off.
    """
    try:
        token = await asyncio.wait_for(
            tokens.get_authorization_token(f"{graph_url}/v1.0/"), TOKEN_TIMEOUT_SECONDS
        )
    except Exception as error:  # a failed self-check must not stop the start
        logger.warning("permission self-check: no Graph token (%s); not checked", error)
        return None
    roles = granted_roles(token)
    if roles is None:
        if required:
            logger.warning("permission self-check: the Graph token is not a JWT; not checked")
        else:
            logger.info("permission self-check: skipped, the local token names no permissions")
        return None
    off = features_off(roles, features)
    for feature, missing in off:
        logger.warning(
            "permission self-check: %s is off, missing Graph application permission %s",
            feature,
            " and ".join(missing),
        )
    if not off:
        logger.info("permission self-check: every feature has the Graph permissions it needs")
    _report_optional(roles)
    return off


def _report_optional(roles: frozenset[str]) -> None:
    """Name what an optional feature would miss once switched on; it is no feature off."""
    for feature, missing in optional_features_off(roles):
        logger.info(
            "permission self-check: %s (optional, off until an admin switches it on) would not "
            "work, missing Graph application permission %s",
            feature,
            " and ".join(missing),
        )


def features_off_json(off: list[FeatureOff] | None) -> list[dict[str, object]] | None:
    """The report as ``/readyz`` shows it."""
    if off is None:
        return None
    return [{"feature": item.feature, "missing": list(item.missing)} for item in off]
