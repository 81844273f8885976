"""OpenID discovery documents (v2 and v1) and the JWKS, with this server's own addresses.

MSAL reads ``authorization_endpoint`` and ``token_endpoint`` (and, if present,
``device_authorization_endpoint``) from the v2 document before any token
request; the bot's SSO validation reads ``issuer`` and ``jwks_uri``. Endpoints
keep the tenant segment the caller used; the issuer always names the tenant id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.identity.platform import IdentityPlatform

_CLAIMS = [
    "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
    "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username",
    "name", "tid", "ver", "at_hash", "c_hash", "email",
]  # fmt: skip


def openid_configuration(
    platform: IdentityPlatform, base: str, tenant: str, *, v2: bool = True
) -> dict[str, Any]:
    root = f"{base}/{tenant}"
    oauth = f"{root}/oauth2/v2.0" if v2 else f"{root}/oauth2"
    document: dict[str, Any] = {
        "token_endpoint": f"{oauth}/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{root}/discovery/v2.0/keys" if v2 else f"{root}/discovery/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": platform.issuer(base) if v2 else f"{base}/{platform.tenant_id}/",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{base}/oidc/userinfo",
        "authorization_endpoint": f"{oauth}/authorize",
        "device_authorization_endpoint": f"{oauth}/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{oauth}/logout",
        "claims_supported": _CLAIMS,
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }
    return document


def jwks(platform: IdentityPlatform) -> dict[str, Any]:
    return {"keys": [platform.key.jwk()]}
