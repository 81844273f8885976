"""Credential settings: one kind only, certificate files checked at start, secrets unseen."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from config.credentials import CredentialKind
from config.settings import ApprovalMode, Mode, Settings
from tests.certificates import key_pem, new_key, self_signed, write_pem, write_pfx
from tests.settings import settings_of

KeyAndCertificate = tuple[rsa.RSAPrivateKey, x509.Certificate]
IDS = {"client_id": "11111111-1111-1111-1111-111111111111", "tenant_id": "tenant-1"}


def settings(**values: object) -> Settings:
    return settings_of(**{**IDS, **values})


@pytest.fixture(scope="module")
def key_and_certificate() -> KeyAndCertificate:
    key = new_key()
    return key, self_signed(key)


def test_a_pem_with_key_and_certificate_is_read_with_its_thumbprint(
    tmp_path: Path, key_and_certificate: KeyAndCertificate
) -> None:
    key, certificate = key_and_certificate
    path = write_pem(tmp_path / "bot.pem", key, certificate)
    configured = settings(client_certificate_path=str(path))
    assert configured.mode is Mode.PRODUCTION
    assert configured.credential_kind is CredentialKind.CERTIFICATE
    credential = configured.client_certificate().msal_credential()
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert credential["thumbprint"] == hashlib.sha1(der).hexdigest().upper()  # noqa: S324
    assert "BEGIN CERTIFICATE" in credential["public_certificate"]
    assert "PRIVATE KEY" in credential["private_key"]
    assert "PRIVATE KEY" not in repr(configured.client_certificate())


def test_an_encrypted_pem_and_a_pfx_need_their_password(
    tmp_path: Path, key_and_certificate: KeyAndCertificate
) -> None:
    key, certificate = key_and_certificate
    pem = write_pem(tmp_path / "locked.pem", key, certificate, password=b"open-sesame")
    with pytest.raises(ValidationError, match="encrypted; set CLIENT_CERTIFICATE_PASSWORD"):
        settings(client_certificate_path=str(pem))
    with pytest.raises(ValidationError, match="wrong CLIENT_CERTIFICATE_PASSWORD"):
        settings(client_certificate_path=str(pem), client_certificate_password="nope")
    assert settings(client_certificate_path=str(pem), client_certificate_password="open-sesame")
    pfx = write_pfx(tmp_path / "bot.pfx", key, certificate, b"open-sesame")
    configured = settings(
        client_certificate_path=str(pfx), client_certificate_password="open-sesame"
    )
    assert configured.client_certificate().sha1_thumbprint
    with pytest.raises(ValidationError, match="wrong CLIENT_CERTIFICATE_PASSWORD, or not PKCS#12"):
        settings(client_certificate_path=str(pfx), client_certificate_password="nope")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("certificate only", "no private key in the file"),
        ("key only", "no certificate in the file"),
        ("someone else's key", "the private key does not belong to the certificate"),
        ("expired", "the certificate expired on"),
    ],
)
def test_unusable_certificate_files_are_refused_naming_the_problem(
    tmp_path: Path, key_and_certificate: KeyAndCertificate, content: str, problem: str
) -> None:
    key, certificate = key_and_certificate
    path = tmp_path / "bot.pem"
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    if content == "certificate only":
        path.write_bytes(cert_pem)
    elif content == "key only":
        path.write_bytes(key_pem(key))
    elif content == "someone else's key":
        path.write_bytes(key_pem(new_key()) + cert_pem)
    else:
        write_pem(path, key, self_signed(key, valid_days=-1))
    with pytest.raises(ValidationError, match=f"CLIENT_CERTIFICATE_PATH: {path}: {problem}"):
        settings(client_certificate_path=str(path))


def test_a_missing_certificate_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="CLIENT_CERTIFICATE_PATH: no such file"):
        settings(client_certificate_path=str(tmp_path / "absent.pem"))


def test_managed_identity_needs_no_secret() -> None:
    configured = settings(use_managed_identity="true")
    assert configured.mode is Mode.PRODUCTION
    assert configured.credential_kind is CredentialKind.MANAGED_IDENTITY


def test_two_credentials_at_once_are_refused(
    tmp_path: Path, key_and_certificate: KeyAndCertificate
) -> None:
    key, certificate = key_and_certificate
    path = write_pem(tmp_path / "bot.pem", key, certificate)
    with pytest.raises(
        ValidationError, match="CLIENT_SECRET and CLIENT_CERTIFICATE_PATH are both set"
    ):
        settings(client_secret="s3cr3t-value", client_certificate_path=str(path))
    with pytest.raises(ValidationError, match="CLIENT_SECRET and USE_MANAGED_IDENTITY"):
        settings(client_secret="s3cr3t-value", use_managed_identity=True)


def test_delegated_approvals_cannot_use_a_managed_identity() -> None:
    with pytest.raises(ValidationError, match="managed identity cannot act on behalf"):
        settings(use_managed_identity=True, approval_mode="delegated")
    assert settings(client_secret="s3cr3t-value", approval_mode="delegated").approval_mode is (
        ApprovalMode.DELEGATED
    )


def test_an_unknown_approval_mode_is_refused() -> None:
    with pytest.raises(ValidationError, match="approval_mode"):
        settings(client_secret="s3cr3t-value", approval_mode="maybe")


def test_the_certificate_password_never_shows(
    tmp_path: Path, key_and_certificate: KeyAndCertificate
) -> None:
    key, certificate = key_and_certificate
    path = write_pem(tmp_path / "locked.pem", key, certificate, password=b"open-sesame")
    configured = settings(
        client_certificate_path=str(path), client_certificate_password="open-sesame"
    )
    assert "open-sesame" not in repr(configured)
