"""The single place where Graph calls are authenticated.

For now any non-empty bearer token is accepted: the sandbox stands in for
Graph during development and tests, where tokens are local. Real validation
(signature, audience, roles) would be added here and nowhere else.
"""

from __future__ import annotations

from sandbox.errors import Unauthorized
from sandbox.graph.odata import GraphRequest

WWW_AUTHENTICATE = (
    'Bearer realm="", '
    'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'client_id="00000003-0000-0000-c000-000000000000"'
)


def authenticate(req: GraphRequest) -> str:
    """The caller's token, or the 401 Graph sends when there is none."""
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if not header.strip():
        raise Unauthorized("Access token is empty.")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Access token validation failure. Invalid audience.")
    return token.strip()
