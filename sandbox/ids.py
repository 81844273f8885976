"""Identifiers that look like the ones Graph returns and stay stable across runs.

Seeded objects get name-derived ids (uuid5) so documentation, tests and demos
can quote them. Objects created at run time draw from a seeded generator, so
two runs of the same script produce the same ids. Grant, app role assignment
and Teams installation ids mimic Graph's own encodings (base64 of the key
parts) because code that treats every id as a GUID is a bug the sandbox should
surface.
"""

from __future__ import annotations

import base64
import hashlib
import random
import uuid

_NAMESPACE = uuid.UUID("3f0c9d8e-5b1a-4c2e-9a70-5a6e2c1d0b44")


def stable_id(*parts: str) -> str:
    """A GUID derived from names, identical on every run."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


class IdFactory:
    """Deterministic random-looking GUIDs for objects created while running."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)

    def new(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


def _key_bytes(value: str) -> bytes:
    # Seeded Playground user ids are not valid GUIDs; hash them instead.
    try:
        return uuid.UUID(value).bytes_le
    except ValueError:
        return hashlib.sha256(value.encode()).digest()[:16]


def grant_id(client_id: str, resource_id: str, principal_id: str | None = None) -> str:
    """Graph's grant id is the base64url of clientId + resourceId (+ principalId)."""
    parts = [client_id, resource_id] + ([principal_id] if principal_id else [])
    raw = b"".join(_key_bytes(p) for p in parts)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def assignment_id(principal_id: str, resource_id: str) -> str:
    """App role assignment ids are base64url strings, not GUIDs (here: principal + resource)."""
    raw = _key_bytes(principal_id) + _key_bytes(resource_id)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def installation_id(user_id: str, catalog_app_id: str) -> str:
    """Teams installation ids are base64 of ``{userId}##{teamsAppId}``."""
    return base64.urlsafe_b64encode(f"{user_id}##{catalog_app_id}".encode()).decode()
