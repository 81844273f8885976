"""Which Microsoft Graph application permissions each feature needs, as data.

The table mirrors README Deployment step 2, which stays the source for people
granting permissions. An admin who grants only part of it gets a bot that
runs with some features off; ``features_off`` says which, and for lack of
what, so the start-up log names the gap instead of a 403 surfacing later on a
card. A requirement lists the permissions that each satisfy it, the one the
README names first (broader permissions such as ``Directory.Read.All`` also
cover reads).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Requirement:
    """One permission the feature needs; any of ``satisfied_by`` will do."""

    satisfied_by: tuple[str, ...]

    @property
    def name(self) -> str:
        """The permission to grant, as the README names it."""
        return self.satisfied_by[0]

    def met_by(self, roles: frozenset[str]) -> bool:
        return any(permission.lower() in roles for permission in self.satisfied_by)


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    requirements: tuple[Requirement, ...]


class FeatureOff(NamedTuple):
    feature: str
    missing: tuple[str, ...]


def _needs(*satisfied_by: str) -> Requirement:
    return Requirement(satisfied_by)


CONSENT_REQUEST_READ = _needs("ConsentRequest.Read.All", "ConsentRequest.ReadWrite.All")
APPLICATION_READ = _needs("Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All")
APPLICATION_WRITE = _needs("Application.ReadWrite.All")
POLICY_READ = _needs("Policy.Read.All")
GRANT_READ = _needs(
    "DelegatedPermissionGrant.Read.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.Read.All",
)
GRANT_WRITE = _needs("DelegatedPermissionGrant.ReadWrite.All")
USER_NAMES = _needs("User.ReadBasic.All", "User.Read.All", "Directory.Read.All")
ROLE_READ = _needs(
    "RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory", "Directory.Read.All"
)
GROUP_MEMBERS = _needs("GroupMember.Read.All", "Group.Read.All", "Directory.Read.All")
TEAMS_INSTALL = _needs(
    "TeamsAppInstallation.ReadWriteSelfForUser.All", "TeamsAppInstallation.ReadWriteForUser.All"
)
CONSENT_POLICY_WRITE = _needs("Policy.ReadWrite.ConsentRequest")

FEATURES: tuple[Feature, ...] = (
    Feature("intake", (CONSENT_REQUEST_READ,)),
    Feature("reviewer cards", (APPLICATION_READ, POLICY_READ)),
    Feature("approve", (APPLICATION_WRITE, GRANT_WRITE)),
    Feature("block", (APPLICATION_WRITE,)),
    Feature("requester notices", (TEAMS_INSTALL,)),
    Feature("requests on", (CONSENT_POLICY_WRITE,)),
    Feature("reviewer checks", (ROLE_READ, GROUP_MEMBERS)),
    Feature("diagnosis", (APPLICATION_READ, POLICY_READ, GRANT_READ, USER_NAMES)),
)


DELEGATED_FEATURES = frozenset({"approve", "block"})
"""Made with the reviewer's own rights in delegated approval mode: no application permission."""


def app_only_features(*, delegated_approvals: bool) -> tuple[Feature, ...]:
    """The features that rely on the bot's application permissions in this approval mode."""
    if not delegated_approvals:
        return FEATURES
    return tuple(feature for feature in FEATURES if feature.name not in DELEGATED_FEATURES)


def features_off(roles: Iterable[str], features: Iterable[Feature] = FEATURES) -> list[FeatureOff]:
    """Every feature some requirement of which no granted role meets, with what is missing."""
    granted = frozenset(role.lower() for role in roles)
    off = []
    for feature in features:
        missing = tuple(need.name for need in feature.requirements if not need.met_by(granted))
        if missing:
            off.append(FeatureOff(feature.name, missing))
    return off
