"""Entra's sign-in log in the sandbox: what each attempt writes, and when Graph may serve it.

Entries are the ``signIn`` resource of Graph's v1.0 metadata, with the outcome's
AADSTS code in ``status/errorCode``; they show only after the log's lag, on the
tenant's clock, and for 30 days.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.errors import BadRequest
from sandbox.graph.audit_logs import SIGN_IN_FILTER
from sandbox.graph.contract import check
from sandbox.graph.filter_parser import Parser
from sandbox.graph.metadata import GraphMetadata
from sandbox.seed import TENANT_ID, seeded_tenant
from sandbox.seed_apps import ONECAL_APP_ID
from sandbox.state.sign_in_log import ERROR_CODES
from sandbox.state.sign_in_log import SignInLog as Log
from sandbox.tenant import SandboxTenant
from tests.conftest import ManualClock

ADELE, MEGAN = "adelev@example.com", "meganb@example.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


@pytest.fixture
def tenant(clock: ManualClock) -> SandboxTenant:
    return seeded_tenant(clock)


def _nothing(tenant: SandboxTenant) -> None:
    return None


def _legacy(tenant: SandboxTenant) -> None:
    tenant.set_consent_settings(user_consent="legacy")


def _workflow_off(tenant: SandboxTenant) -> None:
    tenant.set_consent_settings(requests_enabled=False)


def _requested(tenant: SandboxTenant) -> None:
    tenant.create_request("OneCal", ADELE, "Sync my calendar")


# (setup, app, outcome, errorCode): one row per outcome of the simulator.
ROWS: list[tuple[Callable[[SandboxTenant], None], str, str, int]] = [
    (_nothing, "OneCal", "approval_required", 90095),
    (_requested, "OneCal", "request_pending", 90095),
    (_workflow_off, "OneCal", "need_admin_approval", 90094),
    (_legacy, "OneCal", "consent_prompt", 65001),
    (_nothing, "Quick PDF Converter Online", "app_disabled", 7000112),
    (_nothing, "Northwind Expenses", "user_not_assigned", 50105),
    (_nothing, "Wingtip Whiteboard", "signed_in", 0),
]


@pytest.mark.parametrize(("setup", "app", "outcome", "code"), ROWS, ids=[r[2] for r in ROWS])
def test_each_attempt_writes_an_entry_with_its_error_code(
    tenant: SandboxTenant,
    setup: Callable[[SandboxTenant], None],
    app: str,
    outcome: str,
    code: int,
) -> None:
    setup(tenant)
    result = tenant.attempt_sign_in(app, ADELE)
    assert result["outcome"] == outcome
    [entry] = tenant.sign_in_log.visible()
    body = entry.to_json()
    assert body["id"] == result["signInId"]
    assert body["status"]["errorCode"] == code
    assert (body["appId"], body["appDisplayName"]) == (result["appId"], app)
    assert body["userPrincipalName"] == ADELE
    assert body["userId"] == tenant.users[ADELE].id
    assert (body["status"]["failureReason"] is None) == (code == 0)
    assert body["createdDateTime"] == "2026-11-23T09:00:00Z"


def test_every_outcome_has_an_error_code() -> None:
    from sandbox.state.sign_in import OUTCOMES

    assert set(ERROR_CODES) == set(OUTCOMES)


def test_the_entry_carries_the_error_pages_request_and_correlation_ids(
    tenant: SandboxTenant,
) -> None:
    result = tenant.attempt_sign_in("OneCal", ADELE)
    [entry] = tenant.sign_in_log.visible()
    assert entry.id == result["trace"]["requestId"]
    assert entry.correlation_id == result["trace"]["correlationId"]
    assert entry.id in result["errorText"]
    assert entry.to_json()["resourceId"] == GRAPH_APP_ID
    assert entry.to_json()["resourceDisplayName"] == "Microsoft Graph"
    assert entry.to_json()["resourceTenantId"] == TENANT_ID


def _undeclared(metadata: GraphMetadata, kind: str, body: dict[str, Any], at: str) -> list[str]:
    """Names not spelled as in the metadata, and enum values it does not declare."""
    members = {m.name: m for m in metadata.members(kind).values()}
    problems = []
    for key, value in body.items():
        member = members.get(key)
        if member is None:
            problems.append(f"{at}{key}")
            continue
        enum = metadata.enum_of(member.type.name)
        if enum is not None and value not in enum.members:
            problems.append(f"{at}{key}={value}")
        if isinstance(value, dict):
            problems += _undeclared(metadata, member.type.name, value, f"{at}{key}/")
    return problems


def test_entries_use_only_the_metadatas_names_and_enum_values(tenant: SandboxTenant) -> None:
    tenant.attempt_sign_in("OneCal", ADELE)
    [entry] = tenant.sign_in_log.visible()
    metadata = GraphMetadata.load()
    assert _undeclared(metadata, "microsoft.graph.signIn", entry.to_json(), "") == []


def test_an_entry_shows_only_after_the_lag(tenant: SandboxTenant, clock: ManualClock) -> None:
    tenant.sign_in_log.configure(lag_seconds=120)
    tenant.attempt_sign_in("OneCal", ADELE)
    assert tenant.sign_in_log.visible() == []
    clock.advance(seconds=119)
    assert tenant.sign_in_log.visible() == []
    clock.advance(seconds=1)
    [entry] = tenant.sign_in_log.visible()
    assert entry.created == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_new_lag_applies_to_entries_written_after_it(
    tenant: SandboxTenant, clock: ManualClock
) -> None:
    tenant.sign_in_log.configure(lag_seconds=600)
    tenant.attempt_sign_in("OneCal", ADELE)
    tenant.sign_in_log.configure(lag_seconds=0)
    tenant.attempt_sign_in("OneCal", MEGAN)
    assert [e.user.user_principal_name for e in tenant.sign_in_log.visible()] == [MEGAN]
    clock.advance(minutes=10)
    assert len(tenant.sign_in_log.visible()) == 2


def test_jitter_makes_entries_arrive_out_of_order_reproducibly(clock: ManualClock) -> None:
    def arrivals(seed: int) -> list[timedelta]:
        tenant = seeded_tenant(clock)
        tenant.sign_in_log.configure(lag_seconds=60, jitter_seconds=300, seed=seed)
        for _ in range(8):
            tenant.attempt_sign_in("OneCal", ADELE)
        return [e.visible_at - e.created for e in tenant.sign_in_log.entries]

    first = arrivals(7)
    assert first == arrivals(7)
    assert all(timedelta(seconds=60) <= lag <= timedelta(seconds=360) for lag in first)
    assert len(set(first)) > 1


def test_entries_older_than_thirty_days_are_not_served(
    tenant: SandboxTenant, clock: ManualClock
) -> None:
    tenant.attempt_sign_in("OneCal", ADELE)
    clock.advance(days=30)
    assert len(tenant.sign_in_log.visible()) == 1
    clock.advance(seconds=1)
    assert tenant.sign_in_log.visible() == []
    assert tenant.sign_in_log.snapshot()["entries"][0]["logState"] == "expired"


def test_newest_first_with_ties_broken_by_writing_order(
    tenant: SandboxTenant, clock: ManualClock
) -> None:
    tenant.attempt_sign_in("OneCal", ADELE)
    tenant.attempt_sign_in("OneCal", MEGAN)
    clock.advance(seconds=5)
    tenant.attempt_sign_in("Zeliq", ADELE)
    order = [(e.app_display_name, e.user.user_principal_name) for e in tenant.sign_in_log.visible()]
    assert order == [("Zeliq", ADELE), ("OneCal", MEGAN), ("OneCal", ADELE)]


def test_settings_are_checked_and_reported(tenant: SandboxTenant) -> None:
    log: Log = tenant.sign_in_log
    assert log.settings.to_json() == {
        "lag_seconds": 0,
        "jitter_seconds": 0,
        "premium_licence": True,
        "retention_days": 30,
    }
    with pytest.raises(BadRequest):
        log.configure(lag_seconds=-1)
    assert log.configure(premium_licence=False)["premium_licence"] is False


def test_reset_empties_the_log_and_restores_its_settings(tenant: SandboxTenant) -> None:
    tenant.checkpoint()
    tenant.sign_in_log.configure(lag_seconds=30, premium_licence=False)
    tenant.attempt_sign_in("OneCal", ADELE)
    tenant.reset()
    assert tenant.sign_in_log.entries == []
    assert tenant.sign_in_log.settings.lag_seconds == 0
    assert tenant.sign_in_log.settings.premium_licence is True
    tenant.attempt_sign_in("OneCal", ADELE)
    assert len(tenant.sign_in_log.visible()) == 1


def test_the_filter_parser_reads_datetimeoffset_literals() -> None:
    node = Parser("createdDateTime ge 2026-12-01T00:00:00Z").parse()
    assert node.value == datetime(2026, 12, 1, tzinfo=UTC)
    offset = Parser("createdDateTime lt 2026-12-01T01:30:00.1234567+01:00").parse()
    assert offset.value == datetime(2026, 12, 1, 0, 30, 0, 123456, tzinfo=UTC)
    with pytest.raises(BadRequest):
        Parser("createdDateTime ge 2026-13-01T00:00:00Z").parse()
    with pytest.raises(BadRequest):
        Parser("createdDateTime ge 2026-12-01").parse()


def test_sign_in_records_under_the_first_scopes_resource(tenant: SandboxTenant) -> None:
    result = tenant.attempt_sign_in("OneCal", ADELE, scopes=["User.Read"])
    [entry] = tenant.sign_in_log.visible()
    assert result["appId"] == ONECAL_APP_ID
    assert entry.resource_id == GRAPH_APP_ID


def test_every_filter_clause_the_log_accepts_names_a_property_graph_has() -> None:
    refused = {}
    for term in SIGN_IN_FILTER.allowed:
        path, _, operator = term.rpartition(" ")
        text = f"{operator}({path},'x')" if operator == "startswith" else f"{path} {operator} 1"
        found = check("GET", "/auditLogs/signIns", {"$filter": text}, None)
        if found.violations:
            refused[term] = found.violations
    assert len(SIGN_IN_FILTER.allowed) >= 7
    assert refused == {}
