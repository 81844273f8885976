"""The identity platform attached to a sandbox tenant (``tenant.identity``).

It owns what outlives a ``tenant.reset()``: the signing key, the registered
clients and managed identities, and the log of tokens served. Time comes from
``clock`` (epoch seconds, the machine's by default) rather than the tenant's
clock, because tokens cross into code that reads the real time (MSAL's cache,
PyJWT in the bot); a test that wants an expired token asks for one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.identity import claims
from sandbox.identity.clients import ConfidentialClient, ManagedIdentity
from sandbox.identity.keys import InvalidSignature, SigningKey
from sandbox.ids import stable_id

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

DEFAULT_LIFETIME = 3599
CLOCK_SKEW = 300  # Entra and Graph tolerate five minutes


@dataclass(frozen=True)
class TokenRequest:
    """One token served: by which grant (or ``managed_identity``) to which client."""

    grant_type: str
    client_id: str


class TokenRejected(Exception):
    """A token this platform cannot vouch for; ``expired`` tells time from forgery."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.expired = expired


class IdentityPlatform:
    def __init__(self, tenant: SandboxTenant) -> None:
        self._tenant = tenant
        self.clients: dict[str, ConfidentialClient] = {}
        self.managed_identities: dict[str, ManagedIdentity] = {}
        self.token_requests: list[TokenRequest] = []
        self.token_lifetime_seconds = DEFAULT_LIFETIME
        self.clock: Callable[[], float] = time.time
        self._issuer_bases: set[str] = set()
        self._key: SigningKey | None = None

    @property
    def tenant_id(self) -> str:
        return self._tenant.tenant_id

    @property
    def key(self) -> SigningKey:
        """Generated on first use: most tenants in unit tests never issue a token."""
        if self._key is None:
            self._key = SigningKey.generate()
        return self._key

    def register_client(
        self,
        client_id: str,
        *,
        secret: str | None = None,
        certificate_pem: bytes | None = None,
        app_roles: Iterable[str] = (),
        delegated_scopes: Iterable[str] = (),
    ) -> None:
        """Register (or replace) a confidential client and what the tenant granted it."""
        self.clients[client_id.casefold()] = ConfidentialClient.build(
            client_id,
            secret=secret,
            certificate_pem=certificate_pem,
            app_roles=app_roles,
            delegated_scopes=delegated_scopes,
        )

    def enable_managed_identity(
        self, client_id: str, *, identity_header: str, app_roles: Iterable[str] = ()
    ) -> None:
        """An App Service managed identity; the first one enabled is the system-assigned one."""
        self.managed_identities[client_id.casefold()] = ManagedIdentity.build(
            client_id, identity_header, app_roles
        )

    def client(self, client_id: str) -> ConfidentialClient | None:
        return self.clients.get(client_id.casefold())

    def knows_tenant(self, segment: str) -> bool:
        folded = segment.casefold()
        return folded in (self.tenant_id.casefold(), self._tenant.default_domain.casefold())

    def issuer(self, base_url: str) -> str:
        return f"{base_url}/{self.tenant_id}/v2.0"

    def is_own_issuer(self, issuer: object, base_url: str) -> bool:
        """Whether ``issuer`` is this platform's, under any address it has issued from."""
        bases = {*self._issuer_bases, base_url}
        return isinstance(issuer, str) and issuer in {self.issuer(b) for b in bases}

    def issue(self, base_url: str, *, lifetime: int | None = None) -> claims.Issue:
        self._issuer_bases.add(base_url)
        return claims.Issue(
            self.issuer(base_url),
            self.tenant_id,
            int(self.clock()),
            self.token_lifetime_seconds if lifetime is None else lifetime,
        )

    def sign(self, token_claims: dict[str, Any]) -> str:
        return self.key.sign(token_claims)

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a token signed here and valid now; raises ``TokenRejected``."""
        try:
            found = self.key.verify(token)
        except InvalidSignature as failure:
            raise TokenRejected(str(failure)) from None
        now = self.clock()
        if not isinstance(found.get("exp"), int) or found["exp"] + CLOCK_SKEW < now:
            raise TokenRejected("expired", expired=True)
        if isinstance(found.get("nbf"), int) and found["nbf"] - CLOCK_SKEW > now:
            raise TokenRejected("not yet valid", expired=True)
        return found

    def person(self, key: str) -> claims.Person | None:
        user = self._tenant.users.find(key)
        if user is None:
            return None
        return claims.Person(user.id, user.user_principal_name, user.display_name)

    def app_object_id(self, app_id: str) -> str:
        """The app's service principal id in this tenant, or a stable stand-in."""
        sp = self._tenant.apps.sp_for_app(app_id)
        return sp.id if sp is not None else stable_id("app-principal", app_id.casefold())

    def app_name(self, app_id: str) -> str:
        definition = self._tenant.apps.registry.get(app_id.casefold())
        return definition.display_name if definition is not None else app_id

    def sso_token(self, user: str, client_id: str, *, base_url: str, expired: bool = False) -> str:
        """The token Teams SSO gives the app ``client_id`` for a signed-in ``user``."""
        person = self.person(user)
        if person is None:
            raise KeyError(user)
        issue = self.issue(base_url, lifetime=3600)
        if expired:
            issue = claims.Issue(issue.issuer, issue.tenant_id, issue.now - 7200, 3600)
        return self.sign(claims.sso_token(issue, client_id, person))

    def summary(self) -> dict[str, Any]:
        """What is registered, without secrets, for the control surface."""
        return {
            "tenantId": self.tenant_id,
            "clients": {
                c.client_id: {
                    "client_id": c.client_id,
                    "secret": c.secret is not None,
                    "certificates": [cert.x5t for cert in c.certificates],
                    "app_roles": list(c.app_roles),
                    "delegated_scopes": list(c.delegated_scopes),
                }
                for c in self.clients.values()
            },
            "managedIdentities": [
                {"client_id": m.client_id, "app_roles": list(m.app_roles)}
                for m in self.managed_identities.values()
            ],
            "tokenRequests": [
                {"grant_type": r.grant_type, "client_id": r.client_id} for r in self.token_requests
            ],
        }

    def record(self, grant_type: str, client_id: str) -> None:
        self.token_requests.append(TokenRequest(grant_type, client_id))
