"""Which Microsoft Graph permissions each feature needs: the one source of truth.

Each requirement lists, from the Graph documentation page of the calls behind
it, the permissions that allow them, the least privileged first. From this
table come the README's permission table (``permission_table``, checked by a
test), the start-up self-check (``features_off``: an admin who grants only part
of it gets a bot that runs with some features off, and the log names the gap
instead of a 403 surfacing later on a card) and the sandbox's default grant.
A test runs the bot with exactly ``least_privilege`` and every feature works.

``OPTIONAL_FEATURES`` stay outside ``least_privilege``: proactive help is off
until an admin switches it on, and the read it needs (``Directory.Read.All``)
covers most of the directory reads the table keeps narrower. The table lists
them apart, and the self-check names what they miss without counting them as
features off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Requirement:
    """One need of a feature; any of ``satisfied_by`` meets it (the first is the least)."""

    satisfied_by: tuple[str, ...]
    why: str
    docs: str | None = None
    """The Graph documentation page listing these permissions, shown in the README table."""

    @property
    def name(self) -> str:
        """The permission to grant when nothing granted already meets the need."""
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


CONSENT_REQUEST_READ = Requirement(
    ("ConsentRequest.Read.All", "ConsentRequest.ReadWrite.All"),
    "reading admin consent requests and who asked; in the diagnosis, requests filed since "
    "the last poll (appConsentRequests)",
)
APPLICATION_WRITE = Requirement(
    ("Application.ReadWrite.All",),
    "adding the app to the tenant on Approve, disabling it on Block (servicePrincipals)",
)
GRANT_WRITE = Requirement(
    ("DelegatedPermissionGrant.ReadWrite.All",),
    "creating or extending the tenant-wide grant on Approve (oauth2PermissionGrants)",
)
APPLICATION_READ = Requirement(
    # Not Application.ReadWrite.All: the delegatedPermissionClassifications page omits it.
    ("Application.Read.All", "Directory.Read.All"),
    "publisher, verification and permission descriptions; apps, assignments and low-risk "
    "classifications in the diagnosis, kept current with the delta query "
    "(servicePrincipals, servicePrincipals/delta)",
)
POLICY_READ = Requirement(
    ("Policy.Read.All",),
    "request expiry and the workflow's reviewers; the user consent setting "
    "(adminConsentRequestPolicy, authorizationPolicy)",
)
GRANT_READ = Requirement(
    ("Directory.Read.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All"),
    "the diagnosis: what is already approved for everyone or by the user (oauth2PermissionGrants; "
    "the documented least privilege is Directory.Read.All, or the grant write of app-only mode)",
)
USER_READ = Requirement(
    ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All"),
    "names of the people who click and configure, as the directory spells them; a reviewer's "
    "role and group memberships (users, transitiveMemberOf, checkMemberGroups)",
)
ROLE_READ = Requirement(
    ("RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory", "Directory.Read.All"),
    "reading a reviewer's directory roles in full: without it Graph returns them with only "
    "id and type, and nobody may approve (transitiveMemberOf, roleAssignments)",
)
GROUP_MEMBERS = Requirement(
    ("GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"),
    "reviewers and admins named through a group (groups, transitiveMembers, checkMemberGroups)",
)
TEAMS_INSTALL = Requirement(
    (
        "TeamsAppInstallation.ReadWriteSelfForUser.All",
        "TeamsAppInstallation.ReadWriteForUser.All",
    ),
    "telling requesters who never talked to the bot; 1:1 chats of people named with `review by` "
    "(users/{id}/teamwork/installedApps)",
)
CATALOG_READ = Requirement(
    ("AppCatalog.Read.All", "AppCatalog.ReadWrite.All"),
    "finding the bot's own app in the organisation's Teams catalog before installing it for "
    "someone (appCatalogs/teamsApps)",
)
CONSENT_POLICY_WRITE = Requirement(
    ("Policy.ReadWrite.ConsentRequest",),
    "`requests on`: switching the request workflow on (optional)",
)

FEATURES: tuple[Feature, ...] = (
    # The writes first: in app-only mode they also meet the grant read of the diagnosis.
    Feature("approve", (APPLICATION_WRITE, GRANT_WRITE)),
    Feature("block", (APPLICATION_WRITE,)),
    Feature("intake", (CONSENT_REQUEST_READ,)),
    Feature("reviewer cards", (APPLICATION_READ, POLICY_READ)),
    Feature("reviewer checks", (USER_READ, ROLE_READ, GROUP_MEMBERS)),
    Feature("requester notices", (TEAMS_INSTALL, CATALOG_READ)),
    Feature("requests on", (CONSENT_POLICY_WRITE,)),
    Feature(
        "diagnosis", (APPLICATION_READ, POLICY_READ, GRANT_READ, USER_READ, CONSENT_REQUEST_READ)
    ),
)

SIGN_IN_LOG_DOCS = "https://learn.microsoft.com/graph/api/signin-list"
AUDIT_LOG_READ = Requirement(
    ("AuditLog.Read.All",),
    "proactive help: reading the attempts consent stopped in Entra's sign-in log "
    "(auditLogs/signIns)",
    SIGN_IN_LOG_DOCS,
)
LICENCE_READ = Requirement(
    ("Directory.Read.All",),
    "proactive help: Graph checks the tenant's Entra ID P1/P2 licence through it before it "
    "serves the sign-in log (auditLogs/signIns)",
    SIGN_IN_LOG_DOCS,
)

OPTIONAL_FEATURES: tuple[Feature, ...] = (
    Feature("proactive help", (AUDIT_LOG_READ, LICENCE_READ)),
)
"""Features off until an admin switches them on, whose permissions ``least_privilege`` leaves
out; granted or not, every other feature works the same."""

DELEGATED_FEATURES = frozenset({"approve", "block"})
"""Made with the reviewer's own rights in delegated approval mode: no application permission."""

DELEGATED_SCOPES = (
    Requirement(GRANT_WRITE.satisfied_by, "Approve, made as the reviewer"),
    Requirement(APPLICATION_WRITE.satisfied_by, "Approve and Block, made as the reviewer"),
)
"""The delegated permissions delegated mode asks reviewers for (admin-consented)."""


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


def optional_features_off(roles: Iterable[str]) -> list[FeatureOff]:
    """The optional features the granted ``roles`` leave unable to work if switched on."""
    return features_off(roles, OPTIONAL_FEATURES)


def least_privilege(*, delegated_approvals: bool) -> tuple[str, ...]:
    """The application permissions to grant so every feature of the mode is on, and no more."""
    return tuple(_chosen(app_only_features(delegated_approvals=delegated_approvals)))


def _chosen(features: Iterable[Feature]) -> dict[str, list[Requirement]]:
    """Each permission to grant, with the needs it meets.

    Needs are taken in order; one already met by a permission chosen for an
    earlier need adds nothing (the grant write of app-only mode also reads grants).
    """
    chosen: dict[str, list[Requirement]] = {}
    for feature in features:
        for need in feature.requirements:
            meeting = next(
                (name for name in chosen if need.met_by(frozenset({name.lower()}))), None
            )
            needs = chosen.setdefault(meeting or need.name, [])
            if need not in needs:
                needs.append(need)
    return chosen


def permission_table() -> str:
    """The README's permission table (Deployment step 2), rendered from the features above."""
    app_only = _chosen(app_only_features(delegated_approvals=False))
    delegated = _chosen(app_only_features(delegated_approvals=True))
    rows = ["| permission | type | needed for |", "|---|---|---|"]
    for name in dict.fromkeys([*app_only, *delegated]):
        if name in app_only and name in delegated:
            kind = "application"
        elif name in app_only:
            kind = "application, **app-only mode**"
        else:
            kind = "application, **delegated mode**"
        needs = dict.fromkeys(
            need.why for need in [*app_only.get(name, []), *delegated.get(name, [])]
        )
        rows.append(f"| `{name}` | {kind} | {'; '.join(needs)} |")
    for feature in OPTIONAL_FEATURES:
        for need in feature.requirements:
            docs = f" ([Graph documentation]({need.docs}))" if need.docs else ""
            rows.append(f"| `{need.name}` | application, **optional** | {need.why}{docs} |")
    for scope in DELEGATED_SCOPES:
        rows.append(f"| `{scope.name}` | delegated, **delegated mode** | {scope.why} |")
    return "\n".join(rows)
