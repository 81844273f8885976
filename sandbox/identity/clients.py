"""Who may ask for tokens: confidential clients and managed identities, with what they hold.

A registration stands for an app registration plus what the tenant granted it:
``app_roles`` are Graph application permissions (admin-consented app roles),
``delegated_scopes`` the Graph delegated permissions admin-consented for the
app. Certificates are matched by thumbprint from the assertion header, as
Entra does, so a test can register several and rotate them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from sandbox.identity.keys import b64url


@dataclass(frozen=True)
class Certificate:
    """A client certificate and the two thumbprints an assertion may name it by."""

    certificate: x509.Certificate
    x5t: str  # base64url SHA-1
    x5t_s256: str  # base64url SHA-256

    @classmethod
    def from_pem(cls, pem: bytes) -> Certificate:
        cert = x509.load_pem_x509_certificate(pem)
        return cls(
            cert,
            b64url(cert.fingerprint(hashes.SHA1())),  # noqa: S303 (x5t is SHA-1 by definition)
            b64url(cert.fingerprint(hashes.SHA256())),
        )


def _names(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


@dataclass(frozen=True)
class ConfidentialClient:
    client_id: str
    secret: str | None = None
    certificates: tuple[Certificate, ...] = ()
    app_roles: tuple[str, ...] = ()
    delegated_scopes: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        client_id: str,
        *,
        secret: str | None,
        certificate_pem: bytes | None,
        app_roles: Iterable[str],
        delegated_scopes: Iterable[str],
    ) -> ConfidentialClient:
        certificates = (Certificate.from_pem(certificate_pem),) if certificate_pem else ()
        return cls(client_id, secret, certificates, _names(app_roles), _names(delegated_scopes))

    def certificate(self, x5t: str | None, x5t_s256: str | None) -> Certificate | None:
        """The registered certificate an assertion header names, if any.

        Thumbprints are compared without base64 padding: MSAL pads them, RFC 7515 does not.
        """
        x5t, x5t_s256 = (x5t or "").rstrip("="), (x5t_s256 or "").rstrip("=")
        for cert in self.certificates:
            if (x5t_s256 and x5t_s256 == cert.x5t_s256) or (x5t and x5t == cert.x5t):
                return cert
        return None

    def consented(self, scope: str) -> str | None:
        """The registered spelling of a delegated scope, matched case-insensitively."""
        folded = scope.casefold()
        return next((s for s in self.delegated_scopes if s.casefold() == folded), None)


@dataclass(frozen=True)
class ManagedIdentity:
    client_id: str
    identity_header: str
    app_roles: tuple[str, ...] = field(default=())

    @classmethod
    def build(
        cls, client_id: str, identity_header: str, app_roles: Iterable[str]
    ) -> ManagedIdentity:
        return cls(client_id, identity_header, _names(app_roles))
