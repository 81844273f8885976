"""Self-signed certificates made on the spot, for tests of certificate credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def self_signed(
    key: rsa.RSAPrivateKey, *, name: str = "consent-desk-test", valid_days: int = 30
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    start = now - timedelta(days=2) if valid_days > 0 else now - timedelta(days=10)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + timedelta(days=valid_days))
        .sign(key, hashes.SHA256())
    )


def key_pem(key: rsa.RSAPrivateKey, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def write_pem(
    path: Path, key: rsa.RSAPrivateKey, certificate: x509.Certificate, password: bytes | None = None
) -> Path:
    path.write_bytes(key_pem(key, password) + certificate_pem(certificate))
    return path


def write_pfx(
    path: Path, key: rsa.RSAPrivateKey, certificate: x509.Certificate, password: bytes
) -> Path:
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"consent-desk", key, certificate, None, serialization.BestAvailableEncryption(password)
        )
    )
    return path
