"""The sandbox's $filter support: what it accepts, what it refuses, how it evaluates."""

from __future__ import annotations

from typing import Any

import pytest
from multidict import CIMultiDict

from sandbox.errors import BadRequest
from sandbox.graph.filters import FilterSpec, apply_filter
from sandbox.graph.odata import GraphRequest

REQUESTS = FilterSpec.of(
    "appConsentRequest", "userConsentRequests any", "userConsentRequests/status eq"
)
APPS = FilterSpec.of(
    "servicePrincipal",
    "appId eq",
    "displayName eq",
    "displayName startswith",
    advanced=["appOwnerOrganizationId ne"],
)
SPS: list[dict[str, Any]] = [
    {
        "appId": "a1",
        "displayName": "OneCal",
        "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
    },
    {
        "appId": "a2",
        "displayName": "O'Brien Notes",
        "appOwnerOrganizationId": "11111111-2222-3333-4444-555555555555",
    },
    {"appId": "a3", "displayName": "Office 365 Exchange Online", "appOwnerOrganizationId": "x"},
]


def request(text: str, *, count: bool = False, eventual: bool = False) -> GraphRequest:
    query = {"$filter": text}
    if count:
        query["$count"] = "true"
    headers: CIMultiDict[str] = CIMultiDict()
    if eventual:
        headers["ConsistencyLevel"] = "eventual"
    return GraphRequest("GET", "v1.0", "/x", query, headers)


def run(
    spec: FilterSpec, text: str, items: list[dict[str, Any]], **kwargs: bool
) -> list[dict[str, Any]]:
    return apply_filter(request(text, **kwargs), spec, items, lambda item: item)


def test_any_lambda_keeps_items_with_a_matching_member() -> None:
    items: list[dict[str, Any]] = [
        {"id": "1", "userConsentRequests": [{"status": "Expired"}, {"status": "InProgress"}]},
        {"id": "2", "userConsentRequests": [{"status": "Completed"}]},
        {"id": "3", "userConsentRequests": []},
    ]
    found = run(REQUESTS, "userConsentRequests/any(u:u/status eq 'InProgress')", items)
    assert [i["id"] for i in found] == ["1"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("displayName eq 'onecal'", ["OneCal"]),
        ("displayName eq 'O''Brien Notes'", ["O'Brien Notes"]),
        ("startswith(displayName,'O')", ["OneCal", "O'Brien Notes", "Office 365 Exchange Online"]),
        ("appId eq 'a1' or appId eq 'a3'", ["OneCal", "Office 365 Exchange Online"]),
        ("(appId eq 'a1') and displayName eq 'OneCal'", ["OneCal"]),
        ("appId eq 'zz'", []),
    ],
)
def test_comparisons_ignore_case_and_combine(text: str, names: list[str]) -> None:
    assert [i["displayName"] for i in run(APPS, text, SPS)] == names


def test_advanced_clause_needs_consistency_level_and_count() -> None:
    text = "appOwnerOrganizationId ne f8cdef31-a31e-4b4a-93e4-5f571e91255a"
    for flags in ({}, {"count": True}, {"eventual": True}):
        with pytest.raises(BadRequest) as refused:
            run(APPS, text, SPS, **flags)
        assert refused.value.code == "Request_UnsupportedQuery"
    found = run(APPS, text, SPS, count=True, eventual=True)
    assert [i["appId"] for i in found] == ["a2", "a3"]


@pytest.mark.parametrize(
    "text",
    [
        "publisherName eq 'x'",
        "appId ne 'a1'",
        "endswith(displayName,'x')",
        "not (appId eq 'a1')",
        "tags/any(t:t eq 'x')",
    ],
)
def test_clauses_the_route_does_not_declare_are_refused(text: str) -> None:
    with pytest.raises(BadRequest) as refused:
        run(APPS, text, SPS)
    assert refused.value.status == 400
    assert "Unsupported or invalid query filter clause" in refused.value.message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "appId eq",
        "appId equals 'x'",
        "appId eq 'unterminated",
        "startswith(displayName 'x')",
        "userConsentRequests/any(u u/status eq 'x')",
        "appId eq 'a' trailing",
        "appId eq 'a' $",
    ],
)
def test_malformed_filters_are_bad_requests(text: str) -> None:
    with pytest.raises(BadRequest) as refused:
        run(APPS, text, SPS)
    assert refused.value.code == "BadRequest"


def test_no_filter_returns_everything() -> None:
    plain = GraphRequest("GET", "v1.0", "/x", {}, CIMultiDict())
    assert apply_filter(plain, APPS, SPS, lambda item: item) == SPS
