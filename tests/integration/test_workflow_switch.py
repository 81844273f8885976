"""Switching the admin consent request workflow on from chat, against the sandbox over HTTP.

The service is built as app.py builds its Graph objects (a real GraphConnection,
GraphGateway and GraphJson on the sandbox's URL) with a migrated SQLite store.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.admin.workflow_switch import WorkflowSwitch
from bot.graph import GraphGateway
from bot.graph.json_reads import GraphJson
from bot.graph.policy_writes import PolicyWrites
from bot.graph.reviewer_lookup import ReviewerLookup
from bot.graph.tenant_consent import TenantConsentReader
from bot.infra.graph_auth import SandboxTokenProvider
from bot.store import audit_trail
from bot.store.database import create_engine, migrate, session_factory
from bot.store.tables import AuditRow
from cards.workflow_switch import (
    DURATION_INPUT_ID,
    GROUPS_INPUT_ID,
    NOTIFY_INPUT_ID,
    REMINDERS_INPUT_ID,
    ROLES_INPUT_ID,
    USERS_INPUT_ID,
)
from domain.types import Actor
from sandbox.seed import CONSENT_REVIEWERS_GROUP_ID, MEGAN_ID
from sandbox.server import SandboxHandle
from tests.card_checks import by_id, shown_texts, validate_card
from tests.conftest import ManualClock

ALEX = Actor("00000000-0000-0000-0000-000000000020", "Alex Wilber", "en-US")
ADELE = Actor("00000000-0000-0000-0000-000000000022", "Adele Vance", "en-US")
CLOUD_APP_ADMIN = "158c047a-c907-4556-b7ef-446551a6b5f7"
PUT = "PUT /policies/adminConsentRequestPolicy"
PATCH = "PATCH /policies/adminConsentRequestPolicy"


@dataclass
class Rig:
    switch: WorkflowSwitch
    graph: GraphGateway
    consent: TenantConsentReader
    sandbox: SandboxHandle
    sessions: Any

    def policy(self) -> dict[str, Any]:
        return copy.deepcopy(self.sandbox.tenant.policies.request_policy.to_json())

    async def audit(self) -> list[AuditRow]:
        async with self.sessions() as session:
            return list(await audit_trail.audit_log(session))


@pytest.fixture
async def rig(sandbox: SandboxHandle, clock: ManualClock, tmp_path: Path) -> AsyncIterator[Rig]:
    sandbox.tenant.policies.request_policy.is_enabled = False  # situation 3
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    await migrate(engine)
    sessions = session_factory(engine)
    tokens = SandboxTokenProvider(sandbox.url)
    graph_json = GraphJson(sandbox.url, tokens)
    graph = GraphGateway(graph_json, clock=clock)
    writes = PolicyWrites(graph_json)
    consent = TenantConsentReader(graph_json, graph, clock)
    switch = WorkflowSwitch(
        graph, ReviewerLookup(graph_json), writes, sessions, clock, on_saved=consent.forget
    )
    try:
        yield Rig(switch, graph, consent, sandbox, sessions)
    finally:
        await graph_json.close()
        await graph.close()
        await engine.dispose()


def form(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        USERS_INPUT_ID: "meganb@example.com",
        GROUPS_INPUT_ID: "Consent Reviewers",
        ROLES_INPUT_ID: CLOUD_APP_ADMIN,
        DURATION_INPUT_ID: "14",
        NOTIFY_INPUT_ID: "true",
        REMINDERS_INPUT_ID: "false",
    }
    data.update(fields)
    return data


async def test_alex_switches_requests_on_with_a_user_a_group_and_a_role(rig: Rig) -> None:
    before = rig.policy()
    assert before["isEnabled"] is False
    # Warm every cache the diagnosis reads from: the change must still be seen next time.
    assert (await rig.graph.consent_request_policy()).is_enabled is False
    assert (await rig.consent.settings()).requests_enabled is False

    shown = await rig.switch.show(ALEX)
    validate_card(shown)
    facts = {f["title"]: f["value"] for f in by_id(shown, "workflow-current")["facts"]}
    assert facts["Requests"] == "Off"
    assert facts["Reviewers"] == ("Alex Wilber, Consent Reviewers, Cloud Application Administrator")

    rig.sandbox.tenant.calls.reset()
    card = await rig.switch.confirm(ALEX, form())
    validate_card(card)
    assert by_id(card, "workflow-saved")
    assert "up to an hour" in "\n".join(shown_texts(card))

    documented = {
        "isEnabled": True,
        "notifyReviewers": True,
        "remindersEnabled": False,
        "requestDurationInDays": 14,
        "reviewers": [
            {"query": f"/users/{MEGAN_ID}", "queryType": "MicrosoftGraph"},
            {
                "query": f"/groups/{CONSENT_REVIEWERS_GROUP_ID}"
                "/transitiveMembers/microsoft.graph.user",
                "queryType": "MicrosoftGraph",
            },
            {
                "query": "/beta/roleManagement/directory/roleAssignments"
                f"?$filter=roleDefinitionId eq '{CLOUD_APP_ADMIN}'",
                "queryType": "MicrosoftGraph",
            },
        ],
    }
    after = rig.policy()
    assert after.pop("version") == before["version"] + 1
    for reviewer in after["reviewers"]:
        assert reviewer.pop("queryRoot") is None  # the sandbox's echo of the unset property
    assert after == documented

    routes = rig.sandbox.tenant.calls.routes
    assert routes[PUT] == 1
    assert PATCH not in routes

    # The next diagnosis sees the change: both caches were dropped.
    policy = await rig.graph.consent_request_policy()
    assert policy.is_enabled is True
    assert policy.request_duration_days == 14
    settings = await rig.consent.settings()
    assert settings.requests_enabled is True
    assert set(settings.reviewers) == {
        "Megan Bowen",
        "Consent Reviewers",
        "Cloud Application Administrator",
    }

    [row] = await rig.audit()
    assert (row.action, row.result, row.actor_id, row.request_id) == (
        "enable_requests",
        "succeeded",
        ALEX.user_id,
        None,
    )
    assert "Megan Bowen" in (row.detail or "")


async def test_adele_is_refused_and_nothing_is_sent(rig: Rig) -> None:
    before = rig.policy()
    shown = await rig.switch.show(ADELE)
    validate_card(shown)
    assert by_id(shown, "workflow-refused")
    rig.sandbox.tenant.calls.reset()
    card = await rig.switch.confirm(ADELE, form())
    validate_card(card)
    assert by_id(card, "workflow-refused")
    assert rig.policy() == before
    assert PUT not in rig.sandbox.tenant.calls.routes
    rows = await rig.audit()
    assert [(r.action, r.result, r.actor_id) for r in rows] == [
        ("enable_requests", "refused", ADELE.user_id),
        ("enable_requests", "refused", ADELE.user_id),
    ]


async def test_megan_as_cloud_application_administrator_may_switch_it_on(rig: Rig) -> None:
    megan = Actor(MEGAN_ID, "Megan Bowen", "fr-FR")
    card = await rig.switch.confirm(megan, form(**{GROUPS_INPUT_ID: "", ROLES_INPUT_ID: ""}))
    validate_card(card)
    assert by_id(card, "workflow-saved")
    assert card["lang"] == "fr"
    assert rig.policy()["isEnabled"] is True


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({USERS_INPUT_ID: "nobody@example.com"}, "users", "No such user: nobody@example.com."),
        ({GROUPS_INPUT_ID: "No Such Group"}, "groups", "No such group: No Such Group."),
        (
            {GROUPS_INPUT_ID: "00000000-0000-0000-0000-00000000dead"},
            "groups",
            "No such group: 00000000-0000-0000-0000-00000000dead.",
        ),
        (
            {USERS_INPUT_ID: "", GROUPS_INPUT_ID: "", ROLES_INPUT_ID: ""},
            "reviewers",
            "Pick at least one reviewer: a user, a group or a role.",
        ),
        (
            {DURATION_INPUT_ID: "0"},
            "duration",
            "The request duration must be a whole number of days from 1 to 30.",
        ),
        (
            {DURATION_INPUT_ID: "31"},
            "duration",
            "The request duration must be a whole number of days from 1 to 30.",
        ),
    ],
)
async def test_bad_input_saves_nothing_and_names_the_field(
    rig: Rig, fields: dict[str, str], field: str, message: str
) -> None:
    before = rig.policy()
    rig.sandbox.tenant.calls.reset()
    data = form(**fields)
    card = await rig.switch.confirm(ALEX, data)
    validate_card(card)
    assert by_id(card, f"error-{field}")["text"] == message
    assert by_id(card, "workflow-not-saved")
    # The form comes back with what was typed.
    assert by_id(card, USERS_INPUT_ID)["value"] == data[USERS_INPUT_ID]
    assert by_id(card, GROUPS_INPUT_ID)["value"] == data[GROUPS_INPUT_ID]
    assert rig.policy() == before
    assert PUT not in rig.sandbox.tenant.calls.routes
    [row] = await rig.audit()
    assert (row.action, row.result) == ("enable_requests", "invalid")
    assert field in (row.detail or "")


async def test_graphs_refusal_comes_back_with_its_message(rig: Rig) -> None:
    """A reviewer deleted between lookup and PUT: Entra's message is shown, nothing saved."""
    before = rig.policy()
    real_group = ReviewerLookup.group

    async def deleted_after_lookup(self: ReviewerLookup, key: str) -> Any:
        found = await real_group(self, key)
        rig.sandbox.tenant.directory.groups.pop(CONSENT_REVIEWERS_GROUP_ID, None)
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ReviewerLookup, "group", deleted_after_lookup)
        card = await rig.switch.confirm(ALEX, form())
    validate_card(card)
    assert by_id(card, "workflow-not-saved")
    assert "Entra did not accept the setting" in "\n".join(shown_texts(card))
    assert rig.policy() == before
    [row] = await rig.audit()
    assert row.result == "failed"
    assert (row.detail or "").startswith("PUT 404")
