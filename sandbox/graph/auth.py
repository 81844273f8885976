"""The single place where Graph calls are authenticated and grant writes authorised.

Tokens this sandbox's identity platform issued (its issuer in ``iss``) are
checked as Graph checks them: signature, lifetime, a Graph audience. The fixed
``sandbox-local-token``, which the bot uses in sandbox mode, is the bot's own
app registration holding the application permissions the tenant granted it
(``tenant.bot_permissions``), so every endpoint checks them as Graph would. Any
other bearer token is the all-powerful local caller, so development and older
tests need no identity set-up.

Writing ``oauth2PermissionGrants`` needs, app-only, the application
permission ``DelegatedPermissionGrant.ReadWrite.All``; delegated, the same
scope *and* a signed-in user holding a role that may grant tenant-wide consent
to delegated permissions. Graph answers 403 ``Authorization_RequestDenied``
otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sandbox.errors import Forbidden, Unauthorized
from sandbox.graph.caller import LOCAL_CALLER, Caller
from sandbox.graph.odata import GraphRequest
from sandbox.identity.keys import unverified_claims
from sandbox.identity.platform import TokenRejected
from sandbox.state.directory import (
    APPLICATION_ADMINISTRATOR,
    CLOUD_APPLICATION_ADMINISTRATOR,
    GLOBAL_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
)

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

LOCAL_TOKEN = "sandbox-local-token"  # noqa: S105 (a fixed local token, not a secret)
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRANT_PERMISSION = "DelegatedPermissionGrant.ReadWrite.All"
# Roles that may consent for the whole organisation to delegated permissions. (Cloud and
# Application Administrators may not grant Microsoft Graph *app roles*; delegated is fine.)
CONSENT_ROLES = frozenset(
    {
        GLOBAL_ADMINISTRATOR,
        PRIVILEGED_ROLE_ADMINISTRATOR,
        CLOUD_APPLICATION_ADMINISTRATOR,
        APPLICATION_ADMINISTRATOR,
    }
)
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}

WWW_AUTHENTICATE = (
    'Bearer realm="", '
    'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'client_id="00000003-0000-0000-c000-000000000000"'
)


def _bearer(req: GraphRequest) -> str:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if not header.strip():
        raise Unauthorized("Access token is empty.")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Access token validation failure. Invalid audience.")
    return token.strip()


def _graph_audience(audience: object, base_url: str) -> bool:
    """Graph's app id, a Graph host, or this sandbox's own address (any path)."""
    if not isinstance(audience, str):
        return False
    if audience.casefold() == GRAPH_APP_ID:
        return True
    url, here = urlsplit(audience), urlsplit(base_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        return False
    if "graph" in url.hostname:
        return True
    same_host = url.hostname == here.hostname or {url.hostname, here.hostname} <= _LOOPBACK
    return same_host and url.port == here.port


def _caller(found: dict[str, Any]) -> Caller:
    app_id = str(found.get("azp") or found.get("appid") or "")
    scp = found.get("scp")
    if isinstance(scp, str) and found.get("idtyp") != "app":
        return Caller("user", str(found.get("oid", "")), app_id, scopes=frozenset(scp.split()))
    roles = found.get("roles")
    role_names = (
        frozenset(r for r in roles if isinstance(r, str))
        if isinstance(roles, list)
        else frozenset()
    )
    return Caller("app", app_id, app_id, roles=role_names)


def authenticate(req: GraphRequest, tenant: SandboxTenant) -> Caller:
    """Who is calling, or the 401 Graph sends for a missing, forged or expired token."""
    token = _bearer(req)
    if token == LOCAL_TOKEN:
        if tenant.bot_app_id is None:
            return LOCAL_CALLER
        return Caller("app", tenant.bot_app_id, tenant.bot_app_id, roles=tenant.bot_permissions)
    found = unverified_claims(token)
    identity = tenant.identity
    if found is None or not identity.is_own_issuer(found.get("iss"), req.base_url):
        return LOCAL_CALLER
    try:
        verified = identity.verify(token)
    except TokenRejected as rejected:
        if rejected.expired:
            raise Unauthorized("Access token has expired or is not yet valid.") from None
        raise Unauthorized("Access token validation failure.") from None
    if not _graph_audience(verified.get("aud"), req.base_url):
        raise Unauthorized("Access token validation failure. Invalid audience.")
    return _caller(verified)


def _denied() -> Forbidden:
    return Forbidden(
        "Insufficient privileges to complete the operation.", code="Authorization_RequestDenied"
    )


def authorize_grant_write(req: GraphRequest, tenant: SandboxTenant) -> str:
    """Check the caller may write delegated grants; returns who to record as the author."""
    caller = req.caller
    if caller.kind == "app" and not caller.has_role(GRANT_PERMISSION):
        raise _denied()
    if caller.kind == "user":
        if not caller.has_scope(GRANT_PERMISSION):
            raise _denied()
        user = tenant.directory.users.find(caller.principal_id)
        held = {r.role_template_id for r in tenant.directory.roles_of(user.id)} if user else set()
        if not held & CONSENT_ROLES:
            raise _denied()
    return caller.granted_by
