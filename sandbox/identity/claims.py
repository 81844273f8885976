"""The claims of each kind of token the platform mints, following Entra's v2 tokens.

Kept apart from the flows so every token (client credentials, managed
identity, on-behalf-of, Teams SSO, id tokens) shares one definition of the
common claims, and the differences between app-only and delegated tokens
(``roles``/``idtyp`` versus ``scp`` and the user's claims) are visible at a glance.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.identity.keys import b64url

# The Teams desktop and web clients are the authorised parties of an SSO token.
TEAMS_CLIENT_ID = "1fec8e78-bce4-4aaf-ab1b-5451cc387264"


@dataclass(frozen=True)
class Issue:
    """When and by whom a token is issued."""

    issuer: str
    tenant_id: str
    now: int
    lifetime: int

    def common(self, audience: str, subject: str) -> dict[str, Any]:
        return {
            "aud": audience,
            "iss": self.issuer,
            "iat": self.now,
            "nbf": self.now,
            "exp": self.now + self.lifetime,
            "tid": self.tenant_id,
            "sub": subject,
            "uti": b64url(uuid.uuid4().bytes),
            "ver": "2.0",
        }


@dataclass(frozen=True)
class Person:
    """The user a delegated token speaks for."""

    object_id: str
    upn: str
    name: str


def pairwise_subject(object_id: str, client_id: str) -> str:
    """Entra's ``sub`` differs per app for the same user; derive it the same way here."""
    return b64url(hashlib.sha256(f"{object_id}|{client_id}".encode()).digest()[:24])


def app_token(
    issue: Issue, audience: str, client_id: str, object_id: str, roles: Sequence[str]
) -> dict[str, Any]:
    """An app-only token; Entra leaves ``roles`` out when the app holds none."""
    claims = issue.common(audience, object_id)
    claims.update(
        {"appid": client_id, "azp": client_id, "azpacr": "1", "idtyp": "app", "oid": object_id}
    )
    if roles:
        claims["roles"] = list(roles)
    return claims


def user_token(
    issue: Issue,
    audience: str,
    client_id: str,
    person: Person,
    scp: Sequence[str],
    *,
    authorized_party: str | None = None,
) -> dict[str, Any]:
    """A delegated token for ``person`` carrying the ``scp`` permissions."""
    claims = issue.common(audience, pairwise_subject(person.object_id, client_id))
    party = authorized_party or client_id
    claims.update(
        {
            "appid": party,
            "azp": party,
            "azpacr": "1",
            "idtyp": "user",
            "oid": person.object_id,
            "upn": person.upn,
            "preferred_username": person.upn,
            "name": person.name,
            "scp": " ".join(scp),
        }
    )
    return claims


def sso_token(issue: Issue, client_id: str, person: Person) -> dict[str, Any]:
    """What Teams hands a bot or tab through ``getAuthToken``: audience the app itself."""
    claims = user_token(
        issue, client_id, client_id, person, ["access_as_user"], authorized_party=TEAMS_CLIENT_ID
    )
    claims["azpacr"] = "0"  # Teams is a public client
    return claims


def id_token(issue: Issue, client_id: str, person: Person) -> dict[str, Any]:
    claims = issue.common(client_id, pairwise_subject(person.object_id, client_id))
    claims.update({"oid": person.object_id, "preferred_username": person.upn, "name": person.name})
    del claims["uti"]
    return claims


def client_info(object_id: str, tenant_id: str) -> str:
    """MSAL's account key (``uid.utid``), sent when the request carries ``client_info=1``."""
    return b64url(json.dumps({"uid": object_id, "utid": tenant_id}).encode())
