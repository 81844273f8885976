"""The asker's request as Entra holds it, from one read of the app's request (users inline).

A fake JSON reader plays Graph: it answers the app's requests with their
users' requests expanded, or refuses the expansion, or pages it, and records
what was asked, so each test says which reads an answer costs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from bot.diagnosis.request_state import EntraRequests, needs_entra
from bot.graph.json_reads import GraphJson, GraphReadError, NotInGraph
from domain.diagnosis.analysis import NextStep
from domain.diagnosis.facts import (
    AppFacts,
    AskedFacts,
    AskedStatus,
    DiagnosisFacts,
    ScopeSource,
    TenantConsentFacts,
    UserConsentMode,
)

APP = "8a4e6c2b-1f3d-4e5a-b7c9-3d2e1f0a9b84"
ME, OTHER = "00000000-0000-0000-0000-000000000022", "00000000-0000-0000-0000-000000000024"
ASKED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BASE = "/identityGovernance/appConsent/appConsentRequests"


def _user(user_id: str, status: str, at: datetime, result: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": f"u-{user_id[-2:]}-{at.day}",
        "status": status,
        "createdDateTime": at.isoformat().replace("+00:00", ".1234567Z"),
        "createdBy": {"user": {"id": user_id}},
    }
    if result:
        item["approval"] = {"stages": [{"reviewResult": result}]}
    return item


class FakeGraph:
    """Answers ``items`` like Graph; ``refuse_expand`` plays a Graph without the expansion."""

    def __init__(self, requests: list[dict[str, Any]], *, refuse_expand: bool = False) -> None:
        self.requests = requests
        self.refuse_expand = refuse_expand
        self.asked: list[tuple[str, dict[str, str] | None]] = []

    async def items(self, path: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        self.asked.append((path, params))
        if path == BASE:
            if params and "$expand" in params:
                if self.refuse_expand:
                    raise GraphReadError(400, "Could not find a property named 'x'.")
                return self.requests
            return [{k: v for k, v in r.items() if not k.startswith("user")} for r in self.requests]
        for request in self.requests:
            if path == f"{BASE}/{request['id']}/userConsentRequests":
                return list(request.get("userConsentRequests") or [])
        raise NotInGraph(path)


def _facts(asked: AskedFacts | None = None) -> DiagnosisFacts:
    tenant = TenantConsentFacts(UserConsentMode.OFF, True, 30, True)
    return DiagnosisFacts(
        tenant=tenant,
        app=AppFacts(APP, "Zeliq", in_tenant=False),
        scopes=(),
        scope_source=ScopeSource.NONE,
        asked=asked,
    )


def _entra(graph: FakeGraph) -> EntraRequests:
    return EntraRequests(cast(GraphJson, graph))


def _request(users: list[dict[str, Any]], request_id: str = "r-1") -> dict[str, Any]:
    return {"id": request_id, "appId": APP, "userConsentRequests": users}


async def test_a_request_filed_since_is_read_with_the_apps_request_in_one_call() -> None:
    graph = FakeGraph(
        [_request([_user(OTHER, "InProgress", ASKED_AT), _user(ME, "InProgress", ASKED_AT)])]
    )
    facts = await _entra(graph).current(_facts(), ME, NextStep.SUBMIT_REQUEST, ("General",))
    assert facts.asked is not None
    assert facts.asked.status is AskedStatus.PENDING
    assert facts.asked.request_id == "r-1"
    assert facts.asked.asked_at == ASKED_AT.replace(microsecond=123456)
    assert facts.asked.expires_at == facts.asked.asked_at + timedelta(days=30)
    assert facts.asked.review_places == ("General",)
    assert [path for path, _ in graph.asked] == [BASE]


async def test_the_users_latest_decided_request_says_how_it_ended() -> None:
    later = ASKED_AT + timedelta(days=2)
    graph = FakeGraph(
        [
            _request(
                [_user(ME, "Completed", ASKED_AT, "Approve"), _user(ME, "Completed", later, "Deny")]
            )
        ]
    )
    facts = await _entra(graph).current(_facts(), ME, NextStep.SUBMIT_REQUEST, ())
    assert facts.asked is not None
    assert facts.asked.status is AskedStatus.DENIED


async def test_without_a_request_or_the_users_own_nothing_changes() -> None:
    nobody = await _entra(FakeGraph([])).current(_facts(), ME, NextStep.SUBMIT_REQUEST, ())
    assert nobody.asked is None
    others = FakeGraph([_request([_user(OTHER, "InProgress", ASKED_AT)])])
    assert (await _entra(others).current(_facts(), ME, NextStep.SUBMIT_REQUEST, ())).asked is None


async def test_a_graph_without_the_expansion_is_read_per_request_from_then_on() -> None:
    graph = FakeGraph([_request([_user(ME, "InProgress", ASKED_AT)])], refuse_expand=True)
    entra = _entra(graph)
    for _ in range(2):
        facts = await entra.current(_facts(), ME, NextStep.SUBMIT_REQUEST, ())
        assert facts.asked is not None
        assert facts.asked.status is AskedStatus.PENDING
    paths = [(path, "$expand" in (params or {})) for path, params in graph.asked]
    users = f"{BASE}/r-1/userConsentRequests"
    # The refusal is remembered: the second answer does not ask for the expansion again.
    assert paths == [(BASE, True), (BASE, False), (users, False), (BASE, False), (users, False)]


async def test_a_paged_expansion_is_read_in_full_by_the_requests_id() -> None:
    request = _request([_user(OTHER, "InProgress", ASKED_AT)])
    request["userConsentRequests@odata.nextLink"] = "https://graph.microsoft.com/next"
    graph = FakeGraph([request])
    graph.requests[0]["userConsentRequests"].append(_user(ME, "InProgress", ASKED_AT))
    facts = await _entra(graph).current(_facts(), ME, NextStep.SUBMIT_REQUEST, ())
    assert facts.asked is not None
    assert [path for path, _ in graph.asked] == [BASE, f"{BASE}/r-1/userConsentRequests"]


async def test_a_pending_request_decided_in_the_portal_is_found_among_the_apps_requests() -> None:
    known = AskedFacts("r-2", AskedStatus.PENDING, ASKED_AT, None)
    graph = FakeGraph(
        [
            _request([_user(ME, "Completed", ASKED_AT, "Approve")], "r-1"),
            _request([_user(ME, "Expired", ASKED_AT)], "R-2"),
        ]
    )
    facts = await _entra(graph).current(_facts(known), ME, NextStep.WAIT, ())
    assert facts.asked is not None
    assert facts.asked.status is AskedStatus.EXPIRED
    assert [path for path, _ in graph.asked] == [BASE]


async def test_a_pending_request_the_app_no_longer_lists_is_read_by_its_id() -> None:
    known = AskedFacts("r-9", AskedStatus.PENDING, ASKED_AT, None)
    graph = FakeGraph([_request([_user(ME, "InProgress", ASKED_AT)], "r-1")])
    facts = await _entra(graph).current(_facts(known), ME, NextStep.WAIT, ())
    assert facts.asked == known  # gone from Graph (404): what the store knows stands
    assert [path for path, _ in graph.asked] == [BASE, f"{BASE}/r-9/userConsentRequests"]


async def test_requests_read_ahead_are_used_instead_of_reading_again() -> None:
    graph = FakeGraph([_request([_user(ME, "InProgress", ASKED_AT)])])
    entra = _entra(graph)
    ahead = await entra.of_app(APP)
    facts = await entra.current(_facts(), ME, NextStep.SUBMIT_REQUEST, (), ahead)
    assert facts.asked is not None
    assert len(graph.asked) == 1


@pytest.mark.parametrize(
    ("asked", "user_id", "step", "needed"),
    [
        (None, ME, NextStep.SUBMIT_REQUEST, True),
        (None, None, NextStep.SUBMIT_REQUEST, False),
        (AskedFacts("r", AskedStatus.PENDING, ASKED_AT, None), ME, NextStep.SUBMIT_REQUEST, False),
        (AskedFacts("r", AskedStatus.DENIED, ASKED_AT, None), ME, NextStep.SUBMIT_REQUEST, True),
        (AskedFacts("r", AskedStatus.PENDING, ASKED_AT, None), ME, NextStep.WAIT, True),
        (
            AskedFacts("r", AskedStatus.PENDING, ASKED_AT, None, through_bot=True),
            ME,
            NextStep.WAIT,
            False,
        ),
        (None, ME, NextStep.CONSENT, False),
    ],
)
def test_which_answers_depend_on_entras_request(
    asked: AskedFacts | None, user_id: str | None, step: NextStep, needed: bool
) -> None:
    assert needs_entra(_facts(asked), user_id, step) is needed
