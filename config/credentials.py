"""How the bot proves who it is to Entra: a client secret, a certificate, or a managed identity.

The same credential serves Graph and the Bot Connector. Exactly one kind must
be configured in production; a certificate file is read and checked at start
(key present, key matching the certificate, not expired) so a bad file stops
the bot with a message naming the file and the problem, never its content.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12


class CredentialKind(StrEnum):
    """Which of the three kinds of app credential is configured."""

    CLIENT_SECRET = "client secret"  # noqa: S105 - a label, not a secret
    CERTIFICATE = "certificate"
    MANAGED_IDENTITY = "managed identity"


class CertificateError(ValueError):
    """The certificate file cannot be used; the message names the file and why."""


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """A certificate and its private key, as MSAL signs client assertions with them."""

    certificate_pem: bytes
    sha1_thumbprint: str
    not_after: datetime
    private_key_pem: bytes = field(repr=False)

    def msal_credential(self) -> dict[str, str]:
        """MSAL's certificate credential; the public certificate is sent (x5c) for rollover."""
        return {
            "private_key": self.private_key_pem.decode("ascii"),
            "thumbprint": self.sha1_thumbprint,
            "public_certificate": self.certificate_pem.decode("ascii"),
        }


def read_client_certificate(
    path: Path, password: str | None = None, *, now: datetime | None = None
) -> ClientCertificate:
    """Read a PEM (key and certificate in one file) or PFX/PKCS#12 file and check it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CertificateError(f"CLIENT_CERTIFICATE_PATH: no such file: {path}") from None
    except OSError as error:
        raise CertificateError(
            f"CLIENT_CERTIFICATE_PATH: {path} cannot be read ({error.strerror})"
        ) from None
    secret = password.encode() if password else None
    if path.suffix.lower() in {".pfx", ".p12"}:
        key, certificate = _from_pkcs12(path, data, secret)
    else:
        key, certificate = _from_pem(path, data, secret)
    if not isinstance(key, RSAPrivateKey):
        raise CertificateError(f"CLIENT_CERTIFICATE_PATH: {path}: the private key must be RSA")
    public = certificate.public_key()
    if public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise CertificateError(
            f"CLIENT_CERTIFICATE_PATH: {path}: the private key does not belong to the certificate"
        )
    expires = certificate.not_valid_after_utc
    if expires <= (now or datetime.now(UTC)):
        raise CertificateError(
            f"CLIENT_CERTIFICATE_PATH: {path}: the certificate expired on {expires:%Y-%m-%d}"
        )
    der = certificate.public_bytes(serialization.Encoding.DER)
    return ClientCertificate(
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM),
        sha1_thumbprint=hashlib.sha1(der, usedforsecurity=False).hexdigest().upper(),
        not_after=expires,
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def _from_pem(path: Path, data: bytes, password: bytes | None) -> tuple[object, x509.Certificate]:
    if b"PRIVATE KEY-----" not in data:
        raise CertificateError(f"CLIENT_CERTIFICATE_PATH: {path}: no private key in the file")
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except TypeError:
        raise CertificateError(
            f"CLIENT_CERTIFICATE_PATH: {path}: the private key is encrypted; "
            "set CLIENT_CERTIFICATE_PASSWORD"
        ) from None
    except ValueError:
        raise CertificateError(
            f"CLIENT_CERTIFICATE_PATH: {path}: the private key cannot be read "
            "(wrong CLIENT_CERTIFICATE_PASSWORD, or not PEM)"
        ) from None
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CertificateError(
            f"CLIENT_CERTIFICATE_PATH: {path}: no certificate in the file "
            "(put the key and the certificate in one PEM file)"
        ) from None
    return key, certificate


def _from_pkcs12(
    path: Path, data: bytes, password: bytes | None
) -> tuple[object, x509.Certificate]:
    try:
        key, certificate, _chain = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        raise CertificateError(
            f"CLIENT_CERTIFICATE_PATH: {path}: cannot be opened "
            "(wrong CLIENT_CERTIFICATE_PASSWORD, or not PKCS#12)"
        ) from None
    if key is None:
        raise CertificateError(f"CLIENT_CERTIFICATE_PATH: {path}: no private key in the file")
    if certificate is None:
        raise CertificateError(f"CLIENT_CERTIFICATE_PATH: {path}: no certificate in the file")
    return key, certificate
