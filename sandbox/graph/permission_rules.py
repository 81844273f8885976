"""The documented Microsoft Graph permissions of every route the sandbox serves, as data.

One rule per ``(method, template)`` of the sandbox router, with the template
spelled exactly as the route registers it. Each rule lists, from the
endpoint's v1.0 reference page (``doc``), the permissions that allow the call
for the application and the delegated (work or school account) permission
types: the one the page marks "least privileged" first, then the page's
"higher privileged" ones in the page's order. "Not supported." is an empty
tuple.

A few pages require two permissions together ("User.Read.All and
GroupMember.Read.All"); such an entry keeps the page's spelling, names joined
by `` and ``, and :func:`allows` reads it as "all of these". Permission names
are compared case-insensitively.

``POST /$batch`` has no rule: the batching page gives the envelope no
permission of its own, and every inner request is answered (403 included) as
if sent alone, so each inner request is checked against its own rule
(:data:`BATCH`, :data:`BATCH_DOC`).

``limited_types`` marks the directoryObject collections to which Graph applies
"limited information": objects of a type the caller may not read come back
with only ``id`` and ``@odata.type``. :func:`readable_types` says which types
an app may read in full. The pages say, word for word: "When an application
queries a relationship that returns a directoryObject type collection, if it
doesn't have permission to read a certain resource type, members of that type
are returned but with limited information. For example, only the @odata.type
property for the object type and the id is returned, while other properties
are indicated as null. With this behavior, applications can request the least
privileged permissions they need, rather than rely on the set of Directory.*
permissions." (https://learn.microsoft.com/graph/permissions-overview#limited-information-returned-for-inaccessible-member-objects)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

LEARN = "https://learn.microsoft.com/graph/api/"
BATCH = ("POST", "/$batch")
BATCH_DOC = "https://learn.microsoft.com/graph/json-batching"
LIMITED_INFORMATION_DOC = (
    "https://learn.microsoft.com/graph/permissions-overview"
    "#limited-information-returned-for-inaccessible-member-objects"
)

_CONSENT = "/identityGovernance/appConsent/appConsentRequests"
_STAGE = _CONSENT + "/{requestId}/userConsentRequests/{userRequestId}/approval/{steps}/{stageId}"
_INSTALLED = "/users/{userId}/teamwork/installedApps"
_REQUEST_POLICY = "/policies/adminConsentRequestPolicy"


@dataclass(frozen=True)
class PermissionRule:
    method: str
    template: str
    application: tuple[str, ...]
    delegated: tuple[str, ...]
    doc: str
    limited_types: bool = False
    refused: bool = False
    """Graph refuses this call (405) whatever the caller holds; both tuples are empty."""
    audit_log: bool = False
    """An audit log endpoint: a missing permission gets the reporting API's own 403 codes
    (``Authentication_MSGraphPermissionMissing``; see ``sandbox.graph.authorization``)."""


def _rule(
    method: str,
    template: str,
    page: str,
    application: tuple[str, ...],
    delegated: tuple[str, ...],
    *,
    limited_types: bool = False,
    audit_log: bool = False,
) -> PermissionRule:
    doc = page if page.startswith("https://") else LEARN + page
    return PermissionRule(
        method, template, application, delegated, doc, limited_types, audit_log=audit_log
    )


def _refused(method: str, template: str, doc: str) -> PermissionRule:
    return PermissionRule(method, template, (), (), doc, refused=True)


# Tables shared by several routes (same page, or the same permissions on sibling pages).
_CONSENT_READ = ("ConsentRequest.Read.All", "ConsentRequest.ReadWrite.All")
_SP_READ_APP = (
    "Application.Read.All",
    "Application.ReadWrite.OwnedBy",
    "Application.ReadWrite.All",
    "Directory.Read.All",
)
_SP_READ_DELEGATED = (
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)
_CLASSIFICATIONS_APP = (
    "Application.Read.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.Read.All",
)
_CLASSIFICATIONS_DELEGATED = ("Application.Read.All", "Directory.Read.All")
_ASSIGNED_TO_APP = (
    "Application.Read.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.Read.All",
    "Application.ReadWrite.All",
    "Directory.ReadWrite.All",
)
_ASSIGNED_TO_DELEGATED = (
    "Application.Read.All",
    "Directory.Read.All",
    "Application.ReadWrite.All",
    "Directory.ReadWrite.All",
)
# The grant pages name DelegatedPermissionGrant.ReadWrite.All but not the narrower
# DelegatedPermissionGrant.Read.All that the permissions reference also defines.
_GRANT_READ = (
    "Directory.Read.All",
    "DelegatedPermissionGrant.ReadWrite.All",
    "Directory.ReadWrite.All",
)
_GRANT_WRITE = ("DelegatedPermissionGrant.ReadWrite.All", "Directory.ReadWrite.All")
_GRANT_POLICY_READ = ("Policy.Read.PermissionGrant", "Policy.ReadWrite.PermissionGrant")
# "Permissions for another user's memberships" (the signed-in user's table covers /me only).
_MEMBER_OF = (
    "User.Read.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Group.Read.All",
    "GroupMember.Read.All",
)
# The current generated table names GroupMember.ReadBasic.All least privileged; the older
# published table started at GroupMember.Read.All. Both are kept.
_TRANSITIVE_MEMBERS = (
    "GroupMember.ReadBasic.All",
    "GroupMember.Read.All",
    "Directory.Read.All",
    "Group.Read.All",
    "Group.ReadBasic.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
)
_ROLE_ASSIGNMENTS = (
    "RoleManagement.Read.Directory",
    "RoleManagement.Read.All",
    "Directory.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Directory.ReadWrite.All",
)
_CATALOG_APP = ("AppCatalog.Read.All", "AppCatalog.ReadWrite.All")
# The sign-in pages list the pair as least privileged, with no higher one. The page's
# known issue: Directory.Read.All is what lets Graph check the tenant's licence.
_SIGN_IN_READ = ("AuditLog.Read.All and Directory.Read.All",)
_CATALOG_DELEGATED = (
    "AppCatalog.Submit",
    "AppCatalog.Read.All",
    "AppCatalog.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
)

RULES: tuple[PermissionRule, ...] = (
    # --- Admin consent requests (read only: Graph has no approve or deny for them) ---
    _rule("GET", _CONSENT, "appconsentapprovalroute-list-appconsentrequests",
          _CONSENT_READ, _CONSENT_READ),
    _rule("GET", _CONSENT + "/{requestId}", "appconsentrequest-get",
          _CONSENT_READ, _CONSENT_READ),
    _rule("GET", _CONSENT + "/{requestId}/userConsentRequests",
          "appconsentrequest-list-userconsentrequests", _CONSENT_READ, _CONSENT_READ),
    _rule("GET", _CONSENT + "/{requestId}/userConsentRequests/{userRequestId}",
          "userconsentrequest-get", _CONSENT_READ, _CONSENT_READ),
    # No page of their own: the approval is a relationship of the userConsentRequest.
    _rule("GET", _CONSENT + "/{requestId}/userConsentRequests/{userRequestId}/approval",
          "resources/userconsentrequest", _CONSENT_READ, _CONSENT_READ),
    _rule("GET", _CONSENT + "/{requestId}/userConsentRequests/{userRequestId}/approval/{steps}",
          "resources/userconsentrequest", _CONSENT_READ, _CONSENT_READ),
    # "At this time, there aren't any methods available to programmatically approve or deny".
    _refused("PATCH", _STAGE, LEARN + "resources/consentrequests-overview"),
    # --- Service principals ---
    _rule("GET", "/servicePrincipals", "serviceprincipal-list", _SP_READ_APP, _SP_READ_DELEGATED),
    *(
        _rule("GET", template, "serviceprincipal-delta",
              ("Application.ReadWrite.OwnedBy", "Application.Read.All",
               "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"),
              ("Directory.Read.All", "Application.Read.All", "Application.ReadWrite.All",
               "Directory.ReadWrite.All"))
        for template in ("/servicePrincipals/delta()", "/servicePrincipals/delta")
    ),
    # The agent-identity permissions the page also lists create agent identities only.
    _rule("POST", "/servicePrincipals", "serviceprincipal-post-serviceprincipals",
          ("Application.ReadWrite.OwnedBy", "Application.ReadWrite.All",
           "Directory.ReadWrite.All"),
          ("Application.ReadWrite.All", "Directory.ReadWrite.All")),
    _rule("GET", "/servicePrincipals(appId='{appId}')", "serviceprincipal-get",
          _SP_READ_APP, _SP_READ_DELEGATED),
    _rule("GET", "/servicePrincipals/{id}", "serviceprincipal-get",
          _SP_READ_APP, _SP_READ_DELEGATED),
    # OwnedBy only reaches service principals the app owns.
    _rule("PATCH", "/servicePrincipals/{id}", "serviceprincipal-update",
          ("Application.ReadWrite.OwnedBy", "Application.ReadWrite.All",
           "Directory.ReadWrite.All"),
          ("Application.ReadWrite.All", "Directory.ReadWrite.All")),
    _rule("GET", "/servicePrincipals/{id}/delegatedPermissionClassifications",
          "serviceprincipal-list-delegatedpermissionclassifications",
          _CLASSIFICATIONS_APP, _CLASSIFICATIONS_DELEGATED),
    _rule("GET", "/servicePrincipals(appId='{appId}')/delegatedPermissionClassifications",
          "serviceprincipal-list-delegatedpermissionclassifications",
          _CLASSIFICATIONS_APP, _CLASSIFICATIONS_DELEGATED),
    _rule("GET", "/servicePrincipals/{id}/oauth2PermissionGrants",
          "serviceprincipal-list-oauth2permissiongrants", _GRANT_READ, _GRANT_READ),
    # --- App role assignments ---
    _rule("GET", "/servicePrincipals/{id}/appRoleAssignedTo",
          "serviceprincipal-list-approleassignedto", _ASSIGNED_TO_APP, _ASSIGNED_TO_DELEGATED),
    _rule("GET", "/servicePrincipals(appId='{appId}')/appRoleAssignedTo",
          "serviceprincipal-list-approleassignedto", _ASSIGNED_TO_APP, _ASSIGNED_TO_DELEGATED),
    _rule("GET", "/users/{id}/appRoleAssignments", "user-list-approleassignments",
          ("Directory.Read.All", "AppRoleAssignment.ReadWrite.All"),
          ("AppRoleAssignment.ReadWrite.All", "Directory.Read.All")),
    # --- Delegated permission grants ---
    _rule("GET", "/oauth2PermissionGrants", "oauth2permissiongrant-list",
          _GRANT_READ, _GRANT_READ),
    _rule("GET", "/oauth2PermissionGrants/{id}", "oauth2permissiongrant-get",
          _GRANT_READ, _GRANT_READ),
    # Delegated: the signed-in user also needs a role that may grant tenant-wide consent.
    _rule("POST", "/oauth2PermissionGrants", "oauth2permissiongrant-post",
          _GRANT_WRITE, _GRANT_WRITE),
    _rule("PATCH", "/oauth2PermissionGrants/{id}", "oauth2permissiongrant-update",
          _GRANT_WRITE, _GRANT_WRITE),
    _rule("DELETE", "/oauth2PermissionGrants/{id}", "oauth2permissiongrant-delete",
          _GRANT_WRITE, _GRANT_WRITE),
    # --- Consent policies ---
    _rule("GET", "/policies/authorizationPolicy", "authorizationpolicy-get",
          ("Policy.Read.All", "Policy.ReadWrite.Authorization"),
          ("Policy.Read.All", "Policy.ReadWrite.Authorization")),
    _rule("GET", _REQUEST_POLICY, "adminconsentrequestpolicy-get",
          ("Policy.Read.All", "Policy.ReadWrite.ConsentRequest", "Directory.Read.All",
           "Directory.ReadWrite.All"),
          ("Policy.Read.All", "Policy.ReadWrite.ConsentRequest", "Directory.Read.All",
           "Directory.ReadWrite.All")),
    _rule("PUT", _REQUEST_POLICY, "adminconsentrequestpolicy-update",
          ("Policy.ReadWrite.ConsentRequest", "Directory.ReadWrite.All"),
          ("Policy.ReadWrite.ConsentRequest", "Directory.ReadWrite.All")),
    # The update page documents PUT only; Graph answers PATCH with 405.
    _refused("PATCH", _REQUEST_POLICY, LEARN + "adminconsentrequestpolicy-update"),
    _rule("GET", "/policies/permissionGrantPolicies", "permissiongrantpolicy-list",
          _GRANT_POLICY_READ, _GRANT_POLICY_READ),
    _rule("GET", "/policies/permissionGrantPolicies/{id}", "permissiongrantpolicy-get",
          _GRANT_POLICY_READ, _GRANT_POLICY_READ),
    # --- Users, groups, roles, organization ---
    # The application rows of both user pages leave out User.ReadBasic.All.
    _rule("GET", "/users", "user-list",
          ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All",
           "Directory.ReadWrite.All"),
          ("User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All",
           "Directory.ReadWrite.All")),
    # Delegated User.Read and User.ReadWrite reach the signed-in user only.
    _rule("GET", "/users/{id}", "user-get",
          ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All",
           "Directory.ReadWrite.All"),
          ("User.Read", "User.ReadWrite", "User.ReadBasic.All", "User.Read.All",
           "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")),
    _rule("GET", "/users/{id}/transitiveMemberOf", "user-list-transitivememberof",
          _MEMBER_OF, _MEMBER_OF, limited_types=True),
    _rule("GET", "/users/{id}/transitiveMemberOf/microsoft.graph.directoryRole",
          "user-list-transitivememberof", _MEMBER_OF, _MEMBER_OF, limited_types=True),
    _rule("GET", "/users/{id}/transitiveMemberOf/microsoft.graph.group",
          "user-list-transitivememberof", _MEMBER_OF, _MEMBER_OF, limited_types=True),
    # "Group memberships for other users": pairs, both permissions needed.
    _rule("POST", "/users/{id}/checkMemberGroups", "directoryobject-checkmembergroups",
          ("User.ReadBasic.All and GroupMember.Read.All",
           "User.Read.All and GroupMember.Read.All", "User.Read.All and Group.Read.All",
           "Directory.Read.All"),
          ("User.ReadBasic.All and GroupMember.Read.All",
           "User.Read.All and GroupMember.Read.All", "User.ReadBasic.All and Group.Read.All",
           "User.Read.All and Group.Read.All", "Directory.Read.All")),
    # The current generated table also names Group.ManageProtection.All and (as "least
    # privileged") Group-NestingSupport.ReadWrite.All; kept last.
    _rule("GET", "/groups", "group-list",
          ("GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Group.ReadWrite.All",
           "Directory.ReadWrite.All", "Group.ManageProtection.All",
           "Group-NestingSupport.ReadWrite.All"),
          ("GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Group.ReadWrite.All",
           "Directory.ReadWrite.All", "Group.ManageProtection.All",
           "Group-NestingSupport.ReadWrite.All")),
    _rule("GET", "/groups/{id}", "group-get",
          ("GroupMember.Read.All", "Group.ReadWrite.All", "Directory.Read.All",
           "Directory.ReadWrite.All", "Group.Read.All"),
          ("GroupMember.Read.All", "Group.ReadWrite.All", "Directory.Read.All",
           "Directory.ReadWrite.All", "Group.Read.All")),
    _rule("GET", "/groups/{id}/transitiveMembers/microsoft.graph.user",
          "group-list-transitivemembers", _TRANSITIVE_MEMBERS, _TRANSITIVE_MEMBERS,
          limited_types=True),
    _rule("GET", "/groups/{id}/transitiveMembers", "group-list-transitivemembers",
          _TRANSITIVE_MEMBERS, _TRANSITIVE_MEMBERS, limited_types=True),
    _rule("GET", "/directoryRoles", "directoryrole-list",
          ("RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory",
           "Directory.Read.All", "Directory.ReadWrite.All"),
          ("RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory",
           "Directory.Read.All", "Directory.ReadWrite.All")),
    # The directory (Microsoft Entra ID) provider's table.
    _rule("GET", "/roleManagement/directory/roleAssignments",
          "rbacapplication-list-roleassignments", _ROLE_ASSIGNMENTS, _ROLE_ASSIGNMENTS),
    _rule("GET", "/organization", "organization-list",
          ("Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All",
           "Directory.ReadWrite.All"),
          ("User.Read", "Organization.Read.All", "Directory.Read.All",
           "Organization.ReadWrite.All", "Directory.ReadWrite.All")),
    # --- Sign-in log (delegated: the user also needs a report-reading role) ---
    _rule("GET", "/auditLogs/signIns", "signin-list", _SIGN_IN_READ, _SIGN_IN_READ,
          audit_log=True),
    _rule("GET", "/auditLogs/signIns/{id}", "signin-get", _SIGN_IN_READ, _SIGN_IN_READ,
          audit_log=True),
    # --- Teams app catalog and personal installations ---
    _rule("GET", "/appCatalogs/teamsApps", "appcatalogs-list-teamsapps",
          _CATALOG_APP, _CATALOG_DELEGATED),
    # No v1.0 page for one catalog entry (teamsapp-get is a channel's enabled app): the list's.
    _rule("GET", "/appCatalogs/teamsApps/{id}", "appcatalogs-list-teamsapps",
          _CATALOG_APP, _CATALOG_DELEGATED),
    _rule("GET", _INSTALLED, "userteamwork-list-installedapps",
          ("TeamsAppInstallation.ReadForUser.All", "TeamsAppInstallation.ReadWriteSelfForUser.All",
           "TeamsAppInstallation.ManageSelectedForUser.All",
           "TeamsAppInstallation.ReadWriteAndConsentForUser.All",
           "TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All",
           "TeamsAppInstallation.ReadWriteForUser.All",
           "TeamsAppInstallation.ReadWriteSelectedForUser.All"),
          ("TeamsAppInstallation.ReadForUser", "TeamsAppInstallation.ReadWriteSelfForUser",
           "TeamsAppInstallation.ManageSelectedForUser",
           "TeamsAppInstallation.ReadWriteAndConsentForUser",
           "TeamsAppInstallation.ReadWriteAndConsentSelfForUser",
           "TeamsAppInstallation.ReadWriteForUser",
           "TeamsAppInstallation.ReadWriteSelectedForUser")),
    _rule("POST", _INSTALLED, "userteamwork-post-installedapps",
          ("TeamsAppInstallation.ReadWriteSelfForUser.All",
           "TeamsAppInstallation.ReadWriteAndConsentForUser.All",
           "TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All",
           "TeamsAppInstallation.ReadWriteForUser.All",
           "TeamsAppInstallation.ReadWriteSelectedForUser.All"),
          ("TeamsAppInstallation.ReadWriteSelfForUser",
           "TeamsAppInstallation.ReadWriteAndConsentForUser",
           "TeamsAppInstallation.ReadWriteAndConsentSelfForUser",
           "TeamsAppInstallation.ReadWriteForUser",
           "TeamsAppInstallation.ReadWriteSelectedForUser")),
    _rule("GET", _INSTALLED + "/{installationId}", "userteamwork-get-installedapps",
          ("TeamsAppInstallation.ReadForUser.All", "TeamsAppInstallation.ReadWriteSelfForUser.All",
           "TeamsAppInstallation.ManageSelectedForUser.All", "TeamsAppInstallation.Read.All",
           "TeamsAppInstallation.Read.User",
           "TeamsAppInstallation.ReadWriteAndConsentForUser.All",
           "TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All",
           "TeamsAppInstallation.ReadWriteForUser.All",
           "TeamsAppInstallation.ReadWriteSelectedForUser.All"),
          ("TeamsAppInstallation.ReadForUser", "TeamsAppInstallation.ReadWriteSelfForUser",
           "TeamsAppInstallation.ManageSelectedForUser",
           "TeamsAppInstallation.ReadWriteAndConsentForUser",
           "TeamsAppInstallation.ReadWriteAndConsentSelfForUser",
           "TeamsAppInstallation.ReadWriteForUser",
           "TeamsAppInstallation.ReadWriteSelectedForUser")),
    _rule("DELETE", _INSTALLED + "/{installationId}", "userteamwork-delete-installedapps",
          ("TeamsAppInstallation.ReadWriteSelfForUser.All",
           "TeamsAppInstallation.ReadWriteAndConsentForUser.All",
           "TeamsAppInstallation.ReadWriteAndConsentSelfForUser.All",
           "TeamsAppInstallation.ReadWriteForUser.All"),
          ("TeamsAppInstallation.ReadWriteSelfForUser",
           "TeamsAppInstallation.ReadWriteAndConsentForUser",
           "TeamsAppInstallation.ReadWriteAndConsentSelfForUser",
           "TeamsAppInstallation.ReadWriteForUser")),
    _rule("GET", _INSTALLED + "/{installationId}/chat", "userscopeteamsappinstallation-get-chat",
          ("TeamsAppInstallation.ReadForUser.All", "TeamsAppInstallation.Read.All",
           "TeamsAppInstallation.Read.User", "TeamsAppInstallation.ReadWriteForUser.All",
           "TeamsAppInstallation.ReadWriteSelectedForUser.All",
           "TeamsAppInstallation.ReadWriteSelfForUser.All"),
          ("TeamsAppInstallation.ReadForUser", "TeamsAppInstallation.ReadWriteForUser",
           "TeamsAppInstallation.ReadWriteSelectedForUser",
           "TeamsAppInstallation.ReadWriteSelfForUser")),
)  # fmt: skip

_BY_ROUTE = {(rule.method, rule.template.casefold()): rule for rule in RULES}


def rule_for(method: str, template: str) -> PermissionRule | None:
    """The rule of a sandbox route template; None for ``POST /$batch`` and unknown routes."""
    return _BY_ROUTE.get((method.upper(), template.casefold()))


def allows(options: Iterable[str], held: Iterable[str]) -> bool:
    """Whether ``held`` satisfies one of ``options``; an "A and B" option needs both."""
    granted = {name.casefold() for name in held}
    return any(
        all(part.strip().casefold() in granted for part in option.split(" and "))
        for option in options
    )


# Which application permissions read each directoryObject type in full: the application row
# of that type's Get page (user-get, group-get, directoryrole-get, serviceprincipal-get,
# application-get, administrativeunit-get, device-get, orgcontact-get under
# https://learn.microsoft.com/graph/api/). Directory.Read.All and Directory.ReadWrite.All read
# every type. See the limited-information section of
# https://learn.microsoft.com/graph/permissions-overview
# #limited-information-returned-for-inaccessible-member-objects
# whose example reads users with User.Read.All and groups with Group.Read.All.
EVERY_TYPE = frozenset({"Directory.Read.All", "Directory.ReadWrite.All"})
TYPE_READERS: Mapping[str, frozenset[str]] = {
    "microsoft.graph.user": frozenset({"User.Read.All", "User.ReadWrite.All"}),
    "microsoft.graph.group": frozenset(
        {"GroupMember.Read.All", "Group.Read.All", "Group.ReadWrite.All"}
    ),
    "microsoft.graph.directoryRole": frozenset(
        {"RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory"}
    ),
    "microsoft.graph.servicePrincipal": frozenset(
        {"Application.Read.All", "Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"}
    ),
    "microsoft.graph.application": frozenset(
        {"Application.Read.All", "Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"}
    ),
    "microsoft.graph.administrativeUnit": frozenset(
        {"AdministrativeUnit.Read.All", "AdministrativeUnit.ReadWrite.All"}
    ),
    "microsoft.graph.device": frozenset({"Device.Read.All"}),
    "microsoft.graph.orgContact": frozenset({"OrgContact.Read.All"}),
}


def readable_types(roles: frozenset[str]) -> frozenset[str]:
    """The directoryObject types an app holding ``roles`` reads in full in a limited collection.

    Objects of any other type come back with only ``id`` and ``@odata.type``.
    """
    held = {role.casefold() for role in roles}
    if any(name.casefold() in held for name in EVERY_TYPE):
        return frozenset(TYPE_READERS)
    return frozenset(
        kind
        for kind, readers in TYPE_READERS.items()
        if any(name.casefold() in held for name in readers)
    )
