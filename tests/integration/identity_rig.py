"""Helpers for the identity platform tests: an https sandbox, MSAL clients, certificates.

MSAL is synchronous, so every call goes through ``asyncio.to_thread`` while the
sandbox serves on the test's event loop. ``REQUESTS_CA_BUNDLE`` must be unset
for MSAL's ``verify=`` to take effect: requests lets that variable override a
session's ``verify`` (psf/requests#3829).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import jwt
import msal
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sandbox.seed import BOT_APP_ID, TENANT_ID, seeded_tenant
from sandbox.server import SandboxHandle, start_sandbox

GRAPH = "https://graph.microsoft.com"
GRANT_PERMISSION = "DelegatedPermissionGrant.ReadWrite.All"
SECRET = "bot-secret-value"


@pytest.fixture
async def https_sandbox(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SandboxHandle]:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    handle = await start_sandbox(tenant=seeded_tenant(), tls=True)
    yield handle
    await handle.close()


@pytest.fixture
async def http(https_sandbox: SandboxHandle) -> AsyncIterator[aiohttp.ClientSession]:
    context = ssl.create_default_context(cafile=https_sandbox.ca_file)
    connector = aiohttp.TCPConnector(ssl=context)
    async with aiohttp.ClientSession(https_sandbox.url, connector=connector) as session:
        yield session


def register_bot(
    sandbox: SandboxHandle,
    *,
    app_roles: tuple[str, ...] = (GRANT_PERMISSION,),
    delegated_scopes: tuple[str, ...] = (GRANT_PERMISSION, "User.Read"),
    certificate_pem: bytes | None = None,
) -> None:
    sandbox.tenant.identity.register_client(
        BOT_APP_ID,
        secret=SECRET,
        certificate_pem=certificate_pem,
        app_roles=app_roles,
        delegated_scopes=delegated_scopes,
    )


def confidential_app(
    sandbox: SandboxHandle, credential: str | dict[str, str] = SECRET, client_id: str = BOT_APP_ID
) -> msal.ConfidentialClientApplication:
    """Built in a worker thread by the caller: the constructor fetches the discovery document."""
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential,
        authority=f"{sandbox.url}/{TENANT_ID}",
        instance_discovery=False,
        verify=sandbox.ca_file,
    )


AppFactory = Callable[..., Awaitable[msal.ConfidentialClientApplication]]


@pytest.fixture
async def msal_apps(https_sandbox: SandboxHandle) -> AsyncIterator[AppFactory]:
    """Make MSAL apps on the https sandbox; their HTTP sessions are closed at teardown."""
    made: list[msal.ConfidentialClientApplication] = []

    async def make(
        credential: str | dict[str, str] = SECRET, client_id: str = BOT_APP_ID
    ) -> msal.ConfidentialClientApplication:
        app = await asyncio.to_thread(confidential_app, https_sandbox, credential, client_id)
        made.append(app)
        return app

    yield make
    for app in made:
        app.http_client.close()


def claims(token: str) -> dict[str, Any]:
    found: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return found


@dataclass(frozen=True)
class ClientCertificate:
    private_key_pem: str
    certificate_pem: str
    sha1_thumbprint: str

    def msal_credential(self, *, sha1: bool = True) -> dict[str, str]:
        credential = {
            "private_key": self.private_key_pem,
            "public_certificate": self.certificate_pem,
        }
        if sha1:
            credential["thumbprint"] = self.sha1_thumbprint
        return credential


def client_certificate(common_name: str = "consent-desk-bot") -> ClientCertificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return ClientCertificate(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        cert.public_bytes(serialization.Encoding.PEM).decode(),
        cert.fingerprint(hashes.SHA1()).hex(),  # noqa: S303 (the x5t thumbprint is SHA-1)
    )


async def sso_token(
    http: aiohttp.ClientSession, user: str, *, client_id: str = BOT_APP_ID, expired: bool = False
) -> str:
    body = {"user": user, "client_id": client_id, "expired": expired}
    async with http.post("/_sandbox/identity/sso-token", json=body) as response:
        assert response.status == 200, await response.text()
        token: str = (await response.json())["token"]
        return token
