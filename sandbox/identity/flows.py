"""The token grants the bot uses: client credentials and on-behalf-of.

Client credentials give an app-only token whose ``roles`` are the client's
application permissions. On-behalf-of exchanges a user's token addressed to
the client (the Teams SSO token) for a delegated token to a resource; it
fails with AADSTS65001 when a requested permission was never consented for
the client, which is what the bot must turn into a consent prompt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sandbox.identity import claims, scopes
from sandbox.identity.errors import IdentityError, invalid_grant, missing_parameter
from sandbox.identity.keys import b64url
from sandbox.identity.platform import TokenRejected

if TYPE_CHECKING:
    from sandbox.identity.clients import ConfidentialClient
    from sandbox.identity.platform import IdentityPlatform

CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _answer(platform: IdentityPlatform, access_token: str) -> dict[str, Any]:
    lifetime = platform.token_lifetime_seconds
    return {
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    }


def client_credentials(
    platform: IdentityPlatform, client: ConfidentialClient, form: Mapping[str, str], base: str
) -> dict[str, Any]:
    scope = form.get("scope")
    if scope is None and form.get("resource"):  # the v1 endpoint names the resource
        scope = form["resource"].rstrip("/") + "/.default"
    audience = scopes.client_credentials_resource(scope)
    token = claims.app_token(
        platform.issue(base),
        audience,
        client.client_id,
        platform.app_object_id(client.client_id),
        client.app_roles,
    )
    platform.record(CLIENT_CREDENTIALS, client.client_id)
    return _answer(platform, platform.sign(token))


def assertion_audience_ok(audience: object, client_id: str) -> bool:
    """The client's id, ``api://botid-{id}`` (Teams bots) or any ``api://.../{id}`` URI."""
    values = audience if isinstance(audience, list) else [audience]
    folded = client_id.casefold()
    for value in values:
        if not isinstance(value, str):
            continue
        text = value.casefold()
        if text in (folded, f"api://botid-{folded}"):
            return True
        if text.startswith("api://") and text.rstrip("/").rsplit("/", 1)[-1] == folded:
            return True
    return False


def _bad_assertion(message: str) -> IdentityError:
    return invalid_grant(50013, message)


def _user_assertion(
    platform: IdentityPlatform, client: ConfidentialClient, assertion: str
) -> claims.Person:
    try:
        found = platform.verify(assertion)
    except TokenRejected as rejected:
        if rejected.expired:
            raise _bad_assertion("Assertion is not within its valid time range.") from None
        raise _bad_assertion("Assertion failed signature validation.") from None
    if not assertion_audience_ok(found.get("aud"), client.client_id):
        raise _bad_assertion(
            "Assertion audience does not match the Client app presenting the assertion. The "
            "audience in the assertion was '{}' and the expected audience is '{}' or one of "
            "the Application Id URIs of this web API.".format(found.get("aud"), client.client_id)
        )
    person = platform.person(str(found.get("oid", "")))
    if person is None:
        raise invalid_grant(
            50034, f"The user account does not exist in the '{platform.tenant_id}' directory."
        )
    return person


def _granted(
    platform: IdentityPlatform, client: ConfidentialClient, requested: scopes.RequestedScopes
) -> list[str]:
    if requested.is_default:
        return list(client.delegated_scopes)
    missing = [p for p in requested.permissions if client.consented(p) is None]
    if missing:
        raise invalid_grant(
            65001,
            f"The user or administrator has not consented to use the application with ID "
            f"'{client.client_id}' named '{platform.app_name(client.client_id)}'. Send an "
            f"interactive authorization request for this user and resource. Missing: "
            f"{' '.join(missing)}.",
            suberror="consent_required",
        )
    return [client.consented(p) or p for p in requested.permissions]


def on_behalf_of(
    platform: IdentityPlatform, client: ConfidentialClient, form: Mapping[str, str], base: str
) -> dict[str, Any]:
    if form.get("requested_token_use") != "on_behalf_of":
        raise invalid_grant(
            50027, "The 'requested_token_use' parameter must be 'on_behalf_of' for this grant."
        )
    assertion = form.get("assertion")
    if not assertion:
        raise missing_parameter("assertion")
    requested = scopes.parse(form.get("scope"))
    person = _user_assertion(platform, client, assertion)
    granted = _granted(platform, client, requested)
    issue = platform.issue(base)
    token = claims.user_token(issue, requested.resource, client.client_id, person, granted)
    answer = _answer(platform, platform.sign(token))
    answer["scope"] = " ".join(f"{requested.resource}/{p}" for p in granted)
    if "offline_access" in requested.oidc:
        answer["refresh_token"] = "sandbox-rt." + b64url(str(token["uti"]).encode())
    if "openid" in requested.oidc:
        answer["id_token"] = platform.sign(claims.id_token(issue, client.client_id, person))
    if form.get("client_info") == "1":
        answer["client_info"] = claims.client_info(person.object_id, platform.tenant_id)
    platform.record(JWT_BEARER, client.client_id)
    return answer
