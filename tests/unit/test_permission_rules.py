"""The documented Graph permissions of the sandbox's routes: complete, well formed, as published."""

from __future__ import annotations

import re

import pytest

from sandbox.graph.permission_rules import (
    BATCH,
    RULES,
    TYPE_READERS,
    PermissionRule,
    allows,
    readable_types,
    rule_for,
)
from sandbox.graph_routes import build_router

CONSENT = "/identityGovernance/appConsent/appConsentRequests"
INSTALLED = "/users/{userId}/teamwork/installedApps"

# What the bot calls with its own (application) token, in either approval mode.
BOT_CALLS = (
    ("GET", CONSENT),
    ("GET", CONSENT + "/{requestId}/userConsentRequests"),
    ("GET", "/servicePrincipals"),
    ("GET", "/servicePrincipals(appId='{appId}')"),
    ("GET", "/servicePrincipals/{id}"),
    ("POST", "/servicePrincipals"),
    ("PATCH", "/servicePrincipals/{id}"),
    ("GET", "/servicePrincipals/{id}/delegatedPermissionClassifications"),
    ("GET", "/servicePrincipals/{id}/appRoleAssignedTo"),
    ("GET", "/oauth2PermissionGrants"),
    ("POST", "/oauth2PermissionGrants"),
    ("PATCH", "/oauth2PermissionGrants/{id}"),
    ("GET", "/policies/authorizationPolicy"),
    ("GET", "/policies/adminConsentRequestPolicy"),
    ("PUT", "/policies/adminConsentRequestPolicy"),
    ("GET", "/users/{id}"),
    ("GET", "/users/{id}/transitiveMemberOf/microsoft.graph.directoryRole"),
    ("POST", "/users/{id}/checkMemberGroups"),
    ("GET", "/groups/{id}"),
    ("GET", "/groups/{id}/transitiveMembers/microsoft.graph.user"),
    ("GET", "/roleManagement/directory/roleAssignments"),
    ("GET", "/appCatalogs/teamsApps"),
    ("GET", INSTALLED),
    ("POST", INSTALLED),
    ("GET", INSTALLED + "/{installationId}/chat"),
)
PERMISSION = re.compile(r"^[A-Z][A-Za-z-]*(\.[A-Za-z]+)+$")
ALL_TYPES = frozenset(TYPE_READERS)


def routes() -> list[tuple[str, str]]:
    return [(route.method, route.template) for route in build_router().routes]


def documented(method: str, template: str) -> PermissionRule:
    rule = rule_for(method, template)
    assert rule is not None, f"{method} {template}"
    return rule


def test_every_route_has_exactly_one_rule() -> None:
    for method, template in routes():
        matching = [r for r in RULES if (r.method, r.template) == (method, template)]
        if (method, template) == BATCH:
            # Checked per inner request: the envelope has no permission of its own.
            assert matching == []
            assert rule_for(method, template) is None
        else:
            assert len(matching) == 1, f"{method} {template}"
            assert rule_for(method, template) is matching[0]


def test_every_rule_names_a_route_once() -> None:
    served = set(routes())
    keys = [(rule.method, rule.template) for rule in RULES]
    assert len(keys) == len(set(keys))
    assert set(keys) <= served


def test_lookup_ignores_case_of_method_and_path() -> None:
    rule = documented("get", "/SERVICEPRINCIPALS")
    assert rule.template == "/servicePrincipals"
    assert rule_for("GET", "/nowhere") is None


def test_docs_are_microsoft_learn_pages() -> None:
    for rule in RULES:
        assert rule.doc.startswith("https://learn.microsoft.com/graph/"), rule


def test_permission_names_are_well_formed_and_listed_once() -> None:
    for rule in RULES:
        for options in (rule.application, rule.delegated):
            assert len(options) == len({o.casefold() for o in options}), rule
            for option in options:
                for name in option.split(" and "):
                    assert PERMISSION.match(name), (rule.template, name)


@pytest.mark.parametrize(("method", "template"), BOT_CALLS)
def test_calls_of_an_app_only_bot_have_application_permissions(method: str, template: str) -> None:
    rule = documented(method, template)
    assert not rule.refused
    assert rule.application


def test_only_refused_calls_lack_application_permissions() -> None:
    for rule in RULES:
        if rule.refused:
            assert rule.application == (), rule
            assert rule.delegated == (), rule
        else:
            assert rule.application, rule
    stage = CONSENT + "/{requestId}/userConsentRequests/{userRequestId}/approval/{steps}/{stageId}"
    refused = {(r.method, r.template) for r in RULES if r.refused}
    assert refused == {("PATCH", "/policies/adminConsentRequestPolicy"), ("PATCH", stage)}


def test_documented_special_cases() -> None:
    grants = documented("POST", "/oauth2PermissionGrants")
    assert grants.application[0] == "DelegatedPermissionGrant.ReadWrite.All"
    assert grants.delegated[0] == "DelegatedPermissionGrant.ReadWrite.All"
    assert documented("GET", CONSENT).application[0] == "ConsentRequest.Read.All"
    assert documented("GET", "/policies/adminConsentRequestPolicy").application[0] == (
        "Policy.Read.All"
    )
    assert documented("PUT", "/policies/adminConsentRequestPolicy").application[0] == (
        "Policy.ReadWrite.ConsentRequest"
    )
    installs = documented("POST", INSTALLED).application
    assert installs[0] == "TeamsAppInstallation.ReadWriteSelfForUser.All"
    assert "TeamsAppInstallation.ReadWriteForUser.All" in installs
    # Teams installation permissions do not reach the app catalog.
    assert not allows(documented("GET", "/appCatalogs/teamsApps").application, installs)


def test_names_missing_from_the_pages_are_not_invented() -> None:
    # The pages' application rows leave these out (README Deployment step 2 names them).
    grant_reads = documented("GET", "/oauth2PermissionGrants").application
    assert not allows(grant_reads, {"DelegatedPermissionGrant.Read.All"})
    assert not allows(documented("GET", "/users/{id}").application, {"User.ReadBasic.All"})
    assert not allows(
        documented("GET", "/policies/permissionGrantPolicies").application, {"Policy.Read.All"}
    )


def test_check_member_groups_needs_both_halves_of_a_pair() -> None:
    options = documented("POST", "/users/{id}/checkMemberGroups").application
    assert not allows(options, {"GroupMember.Read.All"})
    assert not allows(options, {"User.ReadBasic.All"})
    assert allows(options, {"User.ReadBasic.All", "GroupMember.Read.All"})
    assert allows(options, {"directory.read.all"})


def test_limited_information_marks_directory_object_collections() -> None:
    limited = {r.template for r in RULES if r.limited_types}
    assert limited == {
        "/users/{id}/transitiveMemberOf",
        "/users/{id}/transitiveMemberOf/microsoft.graph.directoryRole",
        "/users/{id}/transitiveMemberOf/microsoft.graph.group",
        "/groups/{id}/transitiveMembers",
        "/groups/{id}/transitiveMembers/microsoft.graph.user",
    }


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (frozenset(), frozenset()),
        (frozenset({"User.Read.All"}), frozenset({"microsoft.graph.user"})),
        (frozenset({"GroupMember.Read.All"}), frozenset({"microsoft.graph.group"})),
        (frozenset({"group.read.all"}), frozenset({"microsoft.graph.group"})),
        (
            frozenset({"RoleManagement.Read.Directory"}),
            frozenset({"microsoft.graph.directoryRole"}),
        ),
        (
            frozenset({"Application.Read.All"}),
            frozenset({"microsoft.graph.servicePrincipal", "microsoft.graph.application"}),
        ),
        (
            frozenset({"User.Read.All", "RoleManagement.Read.Directory"}),
            frozenset({"microsoft.graph.user", "microsoft.graph.directoryRole"}),
        ),
        (frozenset({"User.ReadBasic.All", "Policy.Read.All"}), frozenset()),
        (frozenset({"Directory.Read.All"}), ALL_TYPES),
        (frozenset({"DIRECTORY.READWRITE.ALL"}), ALL_TYPES),
    ],
)
def test_readable_types(roles: frozenset[str], expected: frozenset[str]) -> None:
    assert readable_types(roles) == expected


def test_every_type_a_limited_collection_returns_has_a_reader() -> None:
    assert {
        "microsoft.graph.user",
        "microsoft.graph.group",
        "microsoft.graph.directoryRole",
        "microsoft.graph.administrativeUnit",
        "microsoft.graph.servicePrincipal",
    } <= ALL_TYPES
