"""The App Service managed identity endpoint (``IDENTITY_ENDPOINT``/``IDENTITY_HEADER``).

MSAL's ``ManagedIdentityClient`` calls it with ``GET ?api-version=2019-08-01
&resource=...[&client_id=...]`` and the ``X-IDENTITY-HEADER`` secret, and
expects ``expires_on`` as epoch seconds (a string, as App Service sends it).
Errors are App Service's ``{"statusCode", "message"}``, not Entra's shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sandbox.identity import claims

if TYPE_CHECKING:
    from sandbox.identity.clients import ManagedIdentity
    from sandbox.identity.platform import IdentityPlatform

GRANT = "managed_identity"


class ManagedIdentityRefusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"statusCode": self.status, "message": self.message}


def _identity(
    platform: IdentityPlatform, header: str | None, client_id: str | None
) -> ManagedIdentity:
    if not header:
        raise ManagedIdentityRefusal(400, "Required header X-IDENTITY-HEADER is missing.")
    if client_id:
        identity = platform.managed_identities.get(client_id.casefold())
        candidates = [identity] if identity is not None else []
    else:
        candidates = list(platform.managed_identities.values())[:1]
    if not candidates:
        raise ManagedIdentityRefusal(
            400, "Unable to load the proper Managed Identity. No identity matches the request."
        )
    identity = candidates[0]
    if header != identity.identity_header:
        raise ManagedIdentityRefusal(401, "The X-IDENTITY-HEADER value is invalid.")
    return identity


def token(
    platform: IdentityPlatform, query: Mapping[str, str], header: str | None, base: str
) -> dict[str, Any]:
    identity = _identity(platform, header, query.get("client_id"))
    resource = (query.get("resource") or "").strip()
    if not resource:
        raise ManagedIdentityRefusal(400, "Required query parameter 'resource' is missing.")
    audience = resource.removesuffix("/.default")
    issue = platform.issue(base)
    access_token = platform.sign(
        claims.app_token(
            issue,
            audience,
            identity.client_id,
            platform.app_object_id(identity.client_id),
            identity.app_roles,
        )
    )
    platform.record(GRANT, identity.client_id)
    return {
        "access_token": access_token,
        "expires_on": str(issue.now + issue.lifetime),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": identity.client_id,
    }
