"""The platform's token signing key, published as a JWKS and used to verify tokens.

Entra signs every token with a key listed at its ``jwks_uri``; resource servers
(here: sandbox Graph, and the bot for Teams SSO tokens) verify with it. A fresh
key per sandbox means a token minted by another sandbox run fails verification,
as a token from another cloud would. Time checks are left to the caller, which
reads the platform's clock rather than the machine's.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ALGORITHM = "RS256"


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JOSE writes binary values."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


class InvalidSignature(Exception):
    """The token is not a JWT signed by this key."""


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def generate(cls) -> SigningKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        der = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        # Entra's kid is a base64url thumbprint; a digest of the public key plays that part.
        return cls(private_key, b64url(hashlib.sha1(der).digest()))  # noqa: S324

    def jwk(self) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "alg": ALGORITHM,
            "n": b64url(_int_bytes(numbers.n)),
            "e": b64url(_int_bytes(numbers.e)),
        }

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(
            claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid, "typ": "JWT"}
        )

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token this key signed; times and audience are not checked here."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.private_key.public_key(),
                algorithms=[ALGORITHM],
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                },
            )
        except jwt.PyJWTError as failure:
            raise InvalidSignature(str(failure)) from None
        return claims


def unverified_claims(token: str) -> dict[str, Any] | None:
    """A JWT's payload without checking anything, or None when it is not a JWT."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None
