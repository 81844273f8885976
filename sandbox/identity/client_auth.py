"""Client authentication at the token endpoint: a secret, or a certificate-signed assertion.

Entra refuses an unknown client (AADSTS700016), a wrong secret (AADSTS7000215)
and an assertion that fails any check (AADSTS700027) before it looks at the
grant. The assertion is the RFC 7523 JWT MSAL builds from a certificate: RS256
with ``x5t`` or PS256 with ``x5t#S256``, audience the token endpoint, issuer
and subject the client id, not expired.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import jwt

from sandbox.identity.errors import IdentityError, invalid_request

if TYPE_CHECKING:
    from sandbox.identity.clients import ConfidentialClient
    from sandbox.identity.platform import IdentityPlatform

JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_SKEW = 300


@dataclass(frozen=True)
class Credentials:
    client_id: str | None
    secret: str | None
    assertion_type: str | None
    assertion: str | None

    @classmethod
    def from_request(cls, form: Mapping[str, str], authorization: str | None) -> Credentials:
        """Form fields (``client_secret_post``, ``private_key_jwt``) or HTTP Basic."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() == "basic" and value:
            try:
                basic_id, _, basic_secret = base64.b64decode(value).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise invalid_request(
                    900023, "Specified client authorization is invalid."
                ) from None
            client_id, secret = client_id or basic_id, secret or basic_secret
        return cls(
            client_id, secret, form.get("client_assertion_type"), form.get("client_assertion")
        )


def _bad_assertion(message: str) -> IdentityError:
    return IdentityError(401, "invalid_client", 700027, message)


def authenticate_client(
    platform: IdentityPlatform, credentials: Credentials, token_endpoint: str
) -> ConfidentialClient:
    client_id = credentials.client_id or _assertion_issuer(credentials.assertion)
    if not client_id:
        raise invalid_request(
            900144, "The request body must contain the following parameter: 'client_id'."
        )
    client = platform.client(client_id)
    if client is None:
        raise IdentityError(
            400,
            "invalid_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{platform.tenant_id}'. This can happen if the application has not been installed "
            "by the administrator of the tenant or consented to by any user in the tenant. You "
            "may have sent your authentication request to the wrong tenant.",
        )
    if credentials.assertion or credentials.assertion_type:
        _check_assertion(platform, client, credentials, token_endpoint)
    elif credentials.secret is not None:
        if client.secret is None or not hmac.compare_digest(client.secret, credentials.secret):
            raise IdentityError(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app "
                f"'{client.client_id}'.",
            )
    else:
        raise IdentityError(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
        )
    return client


def _assertion_issuer(assertion: str | None) -> str | None:
    if not assertion:
        return None
    try:
        issuer = jwt.decode(assertion, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return None
    return issuer if isinstance(issuer, str) else None


def _check_assertion(
    platform: IdentityPlatform,
    client: ConfidentialClient,
    credentials: Credentials,
    token_endpoint: str,
) -> None:
    if credentials.assertion_type != JWT_BEARER_ASSERTION:
        raise invalid_request(
            7000212, f"Client assertion type '{credentials.assertion_type}' is not supported."
        )
    if not credentials.assertion:
        raise invalid_request(
            900144, "The request body must contain the following parameter: 'client_assertion'."
        )
    try:
        header = jwt.get_unverified_header(credentials.assertion)
    except jwt.PyJWTError:
        raise _bad_assertion("Client assertion is not a valid JWT.") from None
    x5t, x5t_s256 = header.get("x5t"), header.get("x5t#S256")
    certificate = client.certificate(
        x5t if isinstance(x5t, str) else None, x5t_s256 if isinstance(x5t_s256, str) else None
    )
    if certificate is None:
        raise _bad_assertion(
            f"The certificate with identifier used to sign the client assertion is not "
            f"registered on application. [Reason - The key was not found., Thumbprint of key "
            f"used by client: '{x5t_s256 or x5t}']"
        )
    try:
        found = jwt.decode(
            credentials.assertion,
            certificate.certificate.public_key(),  # type: ignore[arg-type]
            algorithms=["RS256", "PS256"],
            options={"verify_exp": False, "verify_nbf": False, "verify_aud": False},
        )
    except jwt.PyJWTError:
        raise _bad_assertion("Client assertion contains an invalid signature.") from None
    audiences = found.get("aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    if token_endpoint not in audiences:
        raise _bad_assertion(
            f"Client assertion audience claim does not match Realm issuer. Review the "
            f"documentation at https://aka.ms/certCredentials . Expected '{token_endpoint}'."
        )
    if found.get("iss") != client.client_id or found.get("sub") != client.client_id:
        raise _bad_assertion(
            "Client assertion failed signature validation: its 'iss' and 'sub' must be the "
            "client id."
        )
    now = platform.clock()
    exp = found.get("exp")
    if not isinstance(exp, int | float) or exp + ASSERTION_SKEW < now:
        raise _bad_assertion("Client assertion is expired or has no 'exp' claim.")
    nbf = found.get("nbf")
    if isinstance(nbf, int | float) and nbf - ASSERTION_SKEW > now:
        raise _bad_assertion("Client assertion is not yet valid.")
