"""App role assignments: which users an enterprise app is assigned to.

When a service principal has ``appRoleAssignmentRequired`` set, only assigned
users may sign in (everyone else gets AADSTS50105), so the bot reads these to
tell "you are not assigned" apart from a consent problem. Third-party apps in
the sandbox define no app roles, so every assignment uses the default-access
role id (all zeros), as Entra does for apps without roles. Graph lists the same
assignment from both ends: ``servicePrincipals/{id}/appRoleAssignedTo`` and
``users/{id}/appRoleAssignments``. A group may be assigned too; it lets in its
direct members only (Entra does not follow nested groups for app access).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.clock import Clock, graph_time
from sandbox.ids import assignment_id
from sandbox.state.apps import ServicePrincipal
from sandbox.state.directory import Directory, Group, User

DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class AppRoleAssignment:
    id: str
    principal_id: str
    principal_display_name: str
    resource_id: str
    resource_display_name: str
    created: datetime
    app_role_id: str = DEFAULT_ACCESS_ROLE_ID
    principal_type: str = "User"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "deletedDateTime": None,
            "appRoleId": self.app_role_id,
            "createdDateTime": graph_time(self.created),
            "principalDisplayName": self.principal_display_name,
            "principalId": self.principal_id,
            "principalType": self.principal_type,
            "resourceDisplayName": self.resource_display_name,
            "resourceId": self.resource_id,
        }


Principal = User | Group


class Assignments:
    """User and group assignments to service principals, keyed by (principal, app)."""

    def __init__(self, clock: Clock, directory: Directory) -> None:
        self._clock = clock
        self._directory = directory
        self.items: dict[str, AppRoleAssignment] = {}

    def assign(self, sp: ServicePrincipal, principal: Principal) -> AppRoleAssignment:
        """Idempotent: assigning an assigned principal keeps the original assignment."""
        key = assignment_id(principal.id, sp.id)
        if key not in self.items:
            kind = "Group" if isinstance(principal, Group) else "User"
            self.items[key] = AppRoleAssignment(
                key,
                principal.id,
                principal.display_name,
                sp.id,
                sp.app.display_name,
                self._clock(),
                principal_type=kind,
            )
        return self.items[key]

    def unassign(self, sp: ServicePrincipal, principal: Principal) -> None:
        self.items.pop(assignment_id(principal.id, sp.id), None)

    def is_assigned(self, sp: ServicePrincipal, user: User) -> bool:
        """Directly, or through a group the user is a direct member of."""
        return any(a.resource_id == sp.id for a in self.of_user(user.id))

    def to_resource(self, sp_id: str) -> list[AppRoleAssignment]:
        return [a for a in self.items.values() if a.resource_id == sp_id]

    def of_user(self, user_id: str) -> list[AppRoleAssignment]:
        """The user's own assignments and those of groups they are a direct member of.

        This is what ``users/{id}/appRoleAssignments`` lists.
        """
        groups = {g.id for g in self._directory.groups.values() if user_id in g.member_ids}
        return [a for a in self.items.values() if a.principal_id in groups | {user_id}]

    def remove_resource(self, sp_id: str) -> None:
        """A deleted service principal takes its assignments with it."""
        for key in [k for k, a in self.items.items() if a.resource_id == sp_id]:
            del self.items[key]
