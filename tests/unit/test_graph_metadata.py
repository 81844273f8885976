"""Graph's own metadata as the sandbox's grammar: what it accepts and what it refuses.

Every request shape the bot sends, and every route the sandbox serves, must be
one Graph's published v1.0 metadata describes; otherwise a test could pass
against the sandbox and the same call fail against Graph. The refusals show
that the checker actually holds requests to the metadata (unknown segments,
properties, keys, options, body keys and value kinds), in Graph's wording.
"""

from __future__ import annotations

import re

import pytest

from sandbox.graph import apps, assignments, consent, directory, grants, teams
from sandbox.graph.contract import ContractCheck, Violation, check
from sandbox.graph.filters import FilterSpec
from sandbox.graph.metadata import GraphMetadata
from sandbox.graph_routes import build_router

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
SP_ID = "6b2f1a0c-4e53-4d0b-9a38-0f3c2d1e5a77"
USER_ID = "a1d3c0f2-8b7e-4c55-9d21-3e6f4b8a9c10"
GROUP_ID = "0c9e8d7f-1a2b-4c3d-8e5f-6a7b8c9d0e1f"
APP_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
REQUESTS = "/identityGovernance/appConsent/appConsentRequests"
SP = "microsoft.graph.servicePrincipal"
GRANT = "microsoft.graph.oAuth2PermissionGrant"

# Every shape the bot sends, by the code that sends it:
# (method, path, query, body, resolved type, is a collection).
BOT_REQUESTS: dict[str, tuple[str, str, dict[str, str], object, str, bool]] = {
    "gateway.pending_requests": (
        "GET",
        REQUESTS,
        {"$filter": "userConsentRequests/any(u:u/status eq 'InProgress')"},
        None,
        "microsoft.graph.appConsentRequest",
        True,
    ),
    "gateway.user_requests": (
        "GET",
        f"{REQUESTS}/{APP_ID}/userConsentRequests",
        {"$filter": "status eq 'InProgress'"},
        None,
        "microsoft.graph.userConsentRequest",
        True,
    ),
    "gateway.app_profile": (
        "GET",
        f"/servicePrincipals(appId='{APP_ID}')",
        {"$select": "id,appId,displayName,verifiedPublisher,publisherName,homepage,accountEnabled"},
        None,
        SP,
        False,
    ),
    "gateway.graph_scope_catalogue": (
        "GET",
        f"/servicePrincipals(appId='{GRAPH_APP_ID}')",
        {"$select": "id,oauth2PermissionScopes"},
        None,
        SP,
        False,
    ),
    "gateway.directory_role_template_ids": (
        "GET",
        f"/users/{USER_ID}/transitiveMemberOf/graph.directoryRole",
        {"$select": "id,displayName,roleTemplateId"},
        None,
        "microsoft.graph.directoryRole",
        True,
    ),
    "gateway.groups_among": (
        "POST",
        f"/users/{USER_ID}/checkMemberGroups",
        {},
        {"groupIds": [GROUP_ID]},
        "Edm.String",
        True,
    ),
    "gateway.consent_request_policy+reviewer_lookup.policy": (
        "GET",
        "/policies/adminConsentRequestPolicy",
        {},
        None,
        "microsoft.graph.adminConsentRequestPolicy",
        False,
    ),
    "tenant_consent.settings": (
        "GET",
        "/policies/authorizationPolicy",
        {},
        None,
        "microsoft.graph.authorizationPolicy",
        False,
    ),
    "apps.client_principal": (
        "GET",
        f"/servicePrincipals(appId='{APP_ID}')",
        {"$select": "id,appId,accountEnabled"},
        None,
        SP,
        False,
    ),
    "apps.create_principal": (
        "POST",
        "/servicePrincipals",
        {},
        {"@odata.type": f"#{SP}", "accountEnabled": True, "appId": APP_ID},
        SP,
        True,
    ),
    "apps.disable_principal": (
        "PATCH",
        f"/servicePrincipals/{SP_ID}",
        {},
        {"@odata.type": f"#{SP}", "accountEnabled": False},
        SP,
        False,
    ),
    "apps.tenant_wide_grant": (
        "GET",
        "/oauth2PermissionGrants",
        {
            "$filter": f"clientId eq '{SP_ID}' and consentType eq 'AllPrincipals'"
            f" and resourceId eq '{SP_ID}'"
        },
        None,
        GRANT,
        True,
    ),
    "apps.grant.create": (
        "POST",
        "/oauth2PermissionGrants",
        {},
        {
            "clientId": SP_ID,
            "consentType": "AllPrincipals",
            "resourceId": SP_ID,
            "scope": "User.Read Mail.Read",
        },
        GRANT,
        True,
    ),
    "apps.grant.extend": (
        "PATCH",
        f"/oauth2PermissionGrants/{SP_ID}",
        {},
        {"scope": "User.Read Mail.Read Mail.Send"},
        GRANT,
        False,
    ),
    "app_directory.candidates": (
        "GET",
        "/servicePrincipals",
        {"$select": "id,appId,displayName,appRoleAssignmentRequired", "$top": "999"},
        None,
        SP,
        True,
    ),
    "app_directory.read": (
        "GET",
        f"/servicePrincipals(appId='{APP_ID}')",
        {
            "$select": "id,appId,displayName,accountEnabled,appRoleAssignmentRequired,"
            "appOwnerOrganizationId,verifiedPublisher,publisherName,homepage,info"
        },
        None,
        SP,
        False,
    ),
    "app_directory.tenant_wide": (
        "GET",
        "/oauth2PermissionGrants",
        {"$filter": f"clientId eq '{SP_ID}' and consentType eq 'AllPrincipals'"},
        None,
        GRANT,
        True,
    ),
    "app_directory.granted_by": (
        "GET",
        "/oauth2PermissionGrants",
        {"$filter": f"clientId eq '{SP_ID}' and principalId eq '{USER_ID}'"},
        None,
        GRANT,
        True,
    ),
    "app_directory.assigned": (
        "GET",
        f"/servicePrincipals/{SP_ID}/appRoleAssignedTo",
        {"$select": "principalId,principalType"},
        None,
        "microsoft.graph.appRoleAssignment",
        True,
    ),
    "scope_catalogue.resources": (
        "GET",
        "/servicePrincipals",
        {"$select": "id,appId,displayName,oauth2PermissionScopes", "$top": "999"},
        None,
        SP,
        True,
    ),
    "scope_catalogue.low_risk": (
        "GET",
        f"/servicePrincipals/{SP_ID}/delegatedPermissionClassifications",
        {},
        None,
        "microsoft.graph.delegatedPermissionClassification",
        True,
    ),
    "teams.installation": (
        "GET",
        f"/users/{USER_ID}/teamwork/installedApps",
        {"$expand": "teamsApp", "$filter": "teamsApp/externalId eq 'consent-desk-manifest-id'"},
        None,
        "microsoft.graph.userScopeTeamsAppInstallation",
        True,
    ),
    "teams.catalog_id": (
        "GET",
        "/appCatalogs/teamsApps",
        {"$filter": "externalId eq 'consent-desk-manifest-id'"},
        None,
        "microsoft.graph.teamsApp",
        True,
    ),
    "teams.install": (
        "POST",
        f"/users/{USER_ID}/teamwork/installedApps",
        {},
        {
            "@odata.type": "#microsoft.graph.userScopeTeamsAppInstallation",
            "teamsApp@odata.bind": "https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/x",
        },
        "microsoft.graph.userScopeTeamsAppInstallation",
        True,
    ),
    "teams.chat_id": (
        "GET",
        f"/users/{USER_ID}/teamwork/installedApps/{APP_ID}/chat",
        {},
        None,
        "microsoft.graph.chat",
        False,
    ),
    "tenant_consent.reviewer+user_names.name_of": (
        "GET",
        f"/users/{USER_ID}",
        {"$select": "id,displayName"},
        None,
        "microsoft.graph.user",
        False,
    ),
    "tenant_consent.reviewer+reviewer_lookup.group": (
        "GET",
        f"/groups/{GROUP_ID}",
        {"$select": "id,displayName"},
        None,
        "microsoft.graph.group",
        False,
    ),
    "reviewer_lookup.user": (
        "GET",
        "/users/adelev@example.com",
        {"$select": "id,displayName,userPrincipalName"},
        None,
        "microsoft.graph.user",
        False,
    ),
    "reviewer_lookup.group_by_name": (
        "GET",
        "/groups",
        {"$filter": "displayName eq 'Consent ''reviewers'''", "$select": "id,displayName"},
        None,
        "microsoft.graph.group",
        True,
    ),
    "workflow_switch.replace_request_policy": (
        "PUT",
        "/policies/adminConsentRequestPolicy",
        {},
        {
            "isEnabled": True,
            "notifyReviewers": True,
            "remindersEnabled": False,
            "requestDurationInDays": 30,
            "reviewers": [
                {"query": f"/users/{USER_ID}", "queryType": "MicrosoftGraph"},
                {
                    "query": f"/groups/{GROUP_ID}/transitiveMembers/microsoft.graph.user",
                    "queryType": "MicrosoftGraph",
                },
            ],
        },
        "microsoft.graph.adminConsentRequestPolicy",
        False,
    ),
    "connected_apps.apps": (
        "GET",
        "/oauth2PermissionGrants",
        {"$select": "clientId,consentType,principalId,scope", "$top": "999"},
        None,
        GRANT,
        True,
    ),
    "connected_apps.principal": (
        "GET",
        f"/servicePrincipals/{SP_ID}",
        {
            "$select": "id,appId,displayName,publisherName,verifiedPublisher,"
            "appOwnerOrganizationId,accountEnabled"
        },
        None,
        SP,
        False,
    ),
    "readiness.probe": (
        "GET",
        REQUESTS,
        {"$top": "1", "$select": "id"},
        None,
        "microsoft.graph.appConsentRequest",
        True,
    ),
}

# Reviewer queries the bot writes into the policy; Entra resolves them against Graph.
REVIEWER_QUERIES = [
    f"/users/{USER_ID}",
    f"/groups/{GROUP_ID}/transitiveMembers/microsoft.graph.user",
    "/roleManagement/directory/roleAssignments"
    "?$filter=roleDefinitionId eq '62e90394-69f5-4237-9190-012177145e10'",
]


def violations(result: ContractCheck) -> list[tuple[str, str]]:
    return [(v.where, v.name) for v in result.violations]


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "resolved", "collection"),
    list(BOT_REQUESTS.values()),
    ids=list(BOT_REQUESTS),
)
def test_every_request_the_bot_sends_is_one_graph_describes(
    method: str,
    path: str,
    query: dict[str, str],
    body: object,
    resolved: str,
    collection: bool,
) -> None:
    result = check(method, path, query, body)

    assert result.violations == ()
    assert (result.resolved_type, result.is_collection) == (resolved, collection)


def test_the_only_open_property_the_bot_relies_on_is_publisher_name() -> None:
    opened = {
        pair
        for method, path, query, body, _, _ in BOT_REQUESTS.values()
        for pair in check(method, path, query, body).open_properties
    }

    assert opened == {(SP, "publisherName")}


@pytest.mark.parametrize("query", REVIEWER_QUERIES)
def test_reviewer_queries_the_bot_saves_name_real_graph_resources(query: str) -> None:
    path, _, option = query.partition("?")
    key, _, value = option.partition("=")

    assert check("GET", path, {key: value} if key else {}, None).ok


# Values for route placeholders; "{steps}" is "stages" in v1.0 ("steps" is beta's name).
SAMPLES = {"steps": "stages", "appId": GRAPH_APP_ID, "userId": "adelev@example.com"}


def _route_path(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLES.get(m.group(1), SP_ID), template)


def test_every_route_the_sandbox_serves_is_in_the_metadata() -> None:
    routes = build_router().routes
    refused = {
        f"{route.method} {route.template}": check(
            route.method, _route_path(route.template), {}, None
        ).violations
        for route in routes
    }

    assert len(routes) > 40
    assert {route: found for route, found in refused.items() if found} == {}


def _filter_term(term: str) -> str:
    path, _, operator = term.rpartition(" ")
    if operator in ("any", "all"):
        return f"{path}/{operator}()"
    if operator in ("startswith", "endswith", "contains"):
        return f"{operator}({path},'x')"
    return f"{path} {operator} 'x'"


def test_the_sandbox_filters_only_on_properties_graph_has() -> None:
    collections: dict[str, str] = {}
    for route in build_router().routes:
        path = _route_path(route.template)
        found = check(route.method, path, {}, None)
        if route.method == "GET" and found.is_collection and found.resolved_type:
            collections.setdefault(found.resolved_type.lower(), path)
    specs = [
        value
        for module in (apps, assignments, consent, directory, grants, teams)
        for value in vars(module).values()
        if isinstance(value, FilterSpec)
    ]
    refused: dict[str, tuple[Violation, ...]] = {}
    for spec in specs:
        path = collections[f"microsoft.graph.{spec.resource}".lower()]
        for term in spec.allowed | spec.advanced:
            result = check("GET", path, {"$filter": _filter_term(term)}, None)
            if result.violations:
                refused[f"{spec.resource}: {term}"] = result.violations

    assert len(specs) >= 8
    assert refused == {}


def test_a_doubled_slash_is_an_empty_segment() -> None:
    result = check("GET", "//users", {}, None)

    assert result.violations == (Violation("path", "", "Resource not found for the segment ''."),)
    assert result.resolved_type is None


def test_an_unknown_entity_set_or_navigation_is_refused_with_its_own_spelling() -> None:
    assert violations(check("GET", "/servicePrinciples", {}, None)) == [
        ("path", "servicePrinciples")
    ]
    result = check("GET", f"/Users/{USER_ID}/TransitiveMembers", {}, None)
    assert result.violations == (
        Violation(
            "path", "TransitiveMembers", "Resource not found for the segment 'TransitiveMembers'."
        ),
    )


def test_names_match_case_insensitively_as_in_graph() -> None:
    result = check("GET", f"/Users/{USER_ID}/TransitiveMemberOf/Graph.DirectoryRole", {}, None)

    assert result.ok
    assert result.resolved_type == "microsoft.graph.directoryRole"


def test_only_declared_alternate_keys_are_accepted() -> None:
    assert check("GET", f"/applications(appId='{APP_ID}')", {}, None).ok
    assert check("GET", "/users(userPrincipalName='adelev@example.com')", {}, None).ok
    assert check("GET", f"/users('{USER_ID}')", {}, None).ok
    assert violations(check("GET", "/servicePrincipals(foo='x')", {}, None)) == [
        ("path", "servicePrincipals(foo='x')")
    ]
    assert not check("GET", "/users(appId='x')", {}, None).ok


def test_a_cast_must_be_to_a_related_type() -> None:
    path = f"/users/{USER_ID}/transitiveMemberOf/microsoft.graph.oAuth2PermissionGrant"

    assert violations(check("GET", path, {}, None)) == [
        ("path", "microsoft.graph.oAuth2PermissionGrant")
    ]


def test_count_ref_value_and_bound_functions_are_segments_graph_knows() -> None:
    counted = check("GET", "/users/$count", {"$filter": "startswith(displayName,'A')"}, None)
    assert (counted.ok, counted.resolved_type) == (True, "Edm.Int32")
    assert check("POST", f"/groups/{GROUP_ID}/members/$ref", {}, {"@odata.id": "x"}).ok
    assert check("GET", f"/users/{USER_ID}/displayName/$value", {}, None).ok
    delta = check("GET", "/users/delta()", {"$select": "displayName"}, None)
    assert (delta.ok, delta.resolved_type, delta.is_collection) == (
        True,
        "microsoft.graph.user",
        True,
    )
    assert not check("GET", "/users/$ref", {}, None).ok
    assert not check("GET", "/users/delta(nosuch='x')", {}, None).ok


def test_an_unknown_select_property_is_refused_on_a_closed_type() -> None:
    result = check("GET", "/oauth2PermissionGrants", {"$select": "clientId,nosuch"}, None)

    assert result.violations == (
        Violation(
            "$select", "nosuch", f"Could not find a property named 'nosuch' on type '{GRANT}'."
        ),
    )


def test_an_open_type_accepts_any_property_and_says_which() -> None:
    result = check("GET", "/groups", {"$select": "displayName,nosuch"}, None)

    assert result.ok
    assert result.open_properties == (("microsoft.graph.group", "nosuch"),)


def test_derived_type_properties_are_selectable_on_a_base_type_collection() -> None:
    path = f"/users/{USER_ID}/transitiveMemberOf"
    result = check("GET", path, {"$select": "displayName,roleTemplateId,securityEnabled"}, None)

    assert result.ok
    assert result.open_properties == ()
    assert result.resolved_type == "microsoft.graph.directoryObject"


def test_filter_properties_must_exist_even_inside_lambdas_and_functions() -> None:
    refused = check(
        "GET",
        "/oauth2PermissionGrants",
        {"$filter": "startswith(scopes,'User') and clientId eq 'x'"},
        None,
    )
    assert violations(refused) == [("$filter", "scopes")]
    in_lambda = check(
        "GET", REQUESTS, {"$filter": "userConsentRequests/any(u:u/state eq 'InProgress')"}, None
    )
    assert in_lambda.violations == (
        Violation(
            "$filter",
            "state",
            "Could not find a property named 'state' on type 'microsoft.graph.userConsentRequest'.",
        ),
    )
    primitive = check("GET", "/servicePrincipals", {"$filter": "tags/any(t:t eq 'x')"}, None)
    assert primitive.ok
    unknown_function = check("GET", "/groups", {"$filter": "startsWithish(displayName,'a')"}, None)
    assert violations(unknown_function) == [("$filter", "startsWithish")]


def test_orderby_names_properties() -> None:
    assert check("GET", "/oauth2PermissionGrants", {"$orderby": "clientId desc"}, None).ok
    refused = check("GET", "/oauth2PermissionGrants", {"$orderby": "created asc"}, None)
    assert violations(refused) == [("$orderby", "created")]


def test_expand_takes_navigation_properties_and_checks_nested_select() -> None:
    path = f"/users/{USER_ID}/teamwork/installedApps"
    assert check(
        "GET", path, {"$expand": "teamsApp($select=id,externalId),teamsAppDefinition"}, None
    ).ok

    nested = check("GET", path, {"$expand": "teamsApp($select=externalId,manifestId)"}, None)
    assert violations(nested) == [("$expand", "manifestId")]
    structural = check("GET", "/servicePrincipals", {"$expand": "appId"}, None)
    assert structural.violations == (
        Violation(
            "$expand",
            "appId",
            f"Property 'appId' on type '{SP}' is not a navigation property or complex property. "
            "Only navigation properties can be expanded.",
        ),
    )


def test_unknown_system_query_options_are_refused_and_custom_ones_ignored() -> None:
    result = check(
        "GET", "/users", {"$selct": "id", "select": "id", "$top": "ten", "$count": "true"}, None
    )

    assert result.violations == (
        Violation("query", "$selct", "The query parameter '$selct' is not supported."),
        Violation(
            "query",
            "$top",
            "Invalid value 'ten' for $top query option found. "
            "The $top query option requires a non-negative integer value.",
        ),
    )


def test_a_post_body_may_only_name_properties_of_the_type() -> None:
    body = {"clientId": SP_ID, "resourceId": SP_ID, "scopes": "User.Read"}
    result = check("POST", "/oauth2PermissionGrants", {}, body)

    assert result.violations == (
        Violation(
            "body",
            "scopes",
            f"Property 'scopes' does not exist on type '{GRANT}'. Make sure to only use property "
            "names that are defined by the type or mark the type as open type.",
        ),
    )


def test_body_values_must_be_of_the_declared_kind() -> None:
    body = {"accountEnabled": "false", "appId": APP_ID, "tags": "one"}
    result = check("PATCH", f"/servicePrincipals/{SP_ID}", {}, body)

    assert result.violations == (
        Violation(
            "body",
            "accountEnabled",
            "A value of kind 'string' cannot be given for property 'accountEnabled' of type "
            "'Edm.Boolean'.",
        ),
        Violation(
            "body",
            "tags",
            "A value of kind 'string' cannot be given for property 'tags' of type "
            "'Collection(Edm.String)'.",
        ),
    )


def test_a_non_nullable_property_refuses_null() -> None:
    body = {"isEnabled": None, "requestDurationInDays": 30.5}
    result = check("PUT", "/policies/adminConsentRequestPolicy", {}, body)

    assert violations(result) == [("body", "isEnabled"), ("body", "requestDurationInDays")]


def test_enum_values_must_be_declared_members() -> None:
    path = f"/servicePrincipals/{SP_ID}/delegatedPermissionClassifications"
    body = {"classification": "low", "permissionName": "User.Read"}
    assert check("POST", path, {}, body).ok

    refused = check("POST", path, {}, {**body, "classification": "lowest"})
    assert refused.violations == (
        Violation(
            "body",
            "classification",
            "Cannot convert the literal 'lowest' to the expected type "
            "'microsoft.graph.permissionClassificationType'.",
        ),
    )


def test_flags_enums_take_several_members_in_nested_complex_values() -> None:
    path = "/identity/conditionalAccess/policies"
    body = {"displayName": "Risky insiders", "conditions": {"insiderRiskLevels": "minor, elevated"}}
    assert check("POST", path, {}, body).ok

    body["conditions"] = {"insiderRiskLevels": "minor,severe"}
    assert violations(check("POST", path, {}, body)) == [("body", "conditions/insiderRiskLevels")]


def test_action_parameters_are_checked_by_name_and_kind() -> None:
    path = f"/users/{USER_ID}/microsoft.graph.checkMemberGroups"
    assert check("POST", path, {}, {"groupIds": [GROUP_ID]}).ok

    assert violations(check("POST", path, {}, {"groupIdz": [GROUP_ID]})) == [("body", "groupIdz")]
    assert violations(check("POST", path, {}, {"groupIds": GROUP_ID})) == [("body", "groupIds")]


def test_odata_type_in_a_body_must_be_the_type_or_a_derived_one() -> None:
    body = {"@odata.type": "#microsoft.graph.user", "appId": APP_ID}

    assert violations(check("POST", "/servicePrincipals", {}, body)) == [("body", "@odata.type")]


def test_open_type_bodies_record_what_the_metadata_does_not_declare() -> None:
    result = check("PATCH", f"/groups/{GROUP_ID}", {}, {"displayName": "x", "extension_1": "y"})

    assert result.ok
    assert result.open_properties == (("microsoft.graph.group", "extension_1"),)


def test_batch_and_metadata_need_no_further_checks() -> None:
    batch = check("POST", "/$batch", {}, {"requests": []})

    assert (batch.ok, batch.resolved_type) == (True, None)
    assert check("GET", "/$metadata", {}, None).ok
    assert not check("GET", "/$batch/users", {}, None).ok


def test_the_vendored_metadata_is_parsed_once_and_resolves_aliases() -> None:
    metadata = GraphMetadata.load()

    assert GraphMetadata.load() is metadata
    assert metadata.qualify("graph.user") == "microsoft.graph.user"
    assert metadata.keys("graph.servicePrincipal") == (("id",), ("appId",))
    assert metadata.is_open("microsoft.graph.user")
    assert not metadata.is_open(GRANT)
    assert metadata.member("microsoft.graph.user", "DELETEDDATETIME") is not None  # inherited
