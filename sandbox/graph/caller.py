"""Who is calling Graph, as far as the authorisation rules care.

Three kinds: the local all-powerful caller (the fixed sandbox token, or any
token this sandbox did not issue, as in the tests that predate the identity
platform), an app with application permissions (``roles``), and a user
acting through an app with delegated permissions (``scp``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CallerKind = Literal["local", "app", "user"]


@dataclass(frozen=True)
class Caller:
    kind: CallerKind
    principal_id: str  # "sandbox", the app's client id, or the user's object id
    app_id: str | None = None
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()

    @property
    def granted_by(self) -> str:
        """What a write records as its author: user id, client id, or ``sandbox``."""
        return self.principal_id

    def has_role(self, role: str) -> bool:
        return role.casefold() in {r.casefold() for r in self.roles}

    def has_scope(self, scope: str) -> bool:
        return scope.casefold() in {s.casefold() for s in self.scopes}


LOCAL_CALLER = Caller("local", "sandbox")
