"""Why can't I connect? Every tenant/app situation, asked over real HTTP, against the sandbox.

Each row sets the sandbox tenant up, lets the sandbox's sign-in simulator say
what Entra would show the user (an independent model of Entra's rules), hands
the bot what the user would paste (the app's name, its id, the consent URL or
the error text) and checks the answer: the headline, the precise causes and
the next step. The simulator's outcome and the bot's headline must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from sandbox.seed_apps import ONECAL_APP_ID
from sandbox.server import SandboxHandle
from sandbox.tenant import SandboxTenant
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig
from tests.integration.diagnosis_rig import (
    ADELE,
    LYNNE,
    PATTI,
    Person,
    ask,
    diagnosis_bot,
    pending_request_for,
)

__all__ = ["diagnosis_bot"]  # fixture

# What the sandbox's sign-in simulator shows, and the headline the bot must give for it.
HEADLINE_FOR_OUTCOME = {
    "consent_prompt": "1",
    "approval_required": "2",
    "request_pending": "2",
    "need_admin_approval": "3",
    "app_disabled": "blocked",
    "signed_in": "approved",
    "user_not_assigned": "2",
}


def _nothing(_: SandboxTenant) -> None:
    return None


@dataclass(frozen=True)
class Situation:
    name: str
    app: str
    via: str  # name | id | url | error
    headline: str
    causes: frozenset[str]
    next_step: str
    setup: Callable[[SandboxTenant], None] = _nothing
    user: Person = ADELE
    outcome: str | None = None  # the simulator's outcome when it differs from the headline map
    absent: frozenset[str] = field(default_factory=frozenset)


def consent(mode: str, *, requests: bool = True, step_up: bool = True) -> Callable[..., None]:
    def setup(tenant: SandboxTenant) -> None:
        tenant.set_consent_settings(
            user_consent=mode, requests_enabled=requests, risky_step_up=step_up
        )

    return setup


def both(*steps: Callable[[SandboxTenant], None]) -> Callable[[SandboxTenant], None]:
    def setup(tenant: SandboxTenant) -> None:
        for step in steps:
            step(tenant)

    return setup


def app(name: str, **changes: object) -> Callable[[SandboxTenant], None]:
    def setup(tenant: SandboxTenant) -> None:
        tenant.set_app(name, **changes)  # type: ignore[arg-type]

    return setup


def classify_low(*scopes: str) -> Callable[[SandboxTenant], None]:
    def setup(tenant: SandboxTenant) -> None:
        for scope in scopes:
            tenant.classify_scope(scope)

    return setup


SITUATIONS = [
    Situation(
        "request workflow on, user consent off, app new to the tenant",
        "OneCal",
        "url",
        "2",
        frozenset({"new_to_tenant", "user_consent_off"}),
        "submit_request",
        absent=frozenset({"scopes_not_known"}),
    ),
    Situation(
        "requests switched off",
        "Zeliq",
        "error",
        "3",
        frozenset({"user_consent_off", "requests_off"}),
        "ask_reviewers",
        setup=consent("off", requests=False),
    ),
    Situation(
        "free consent: legacy policy, user-type scopes, verified publisher",
        "Zeliq",
        "url",
        "1",
        frozenset({"user_may_consent"}),
        "consent",
        setup=both(consent("legacy"), app("Zeliq", service_principal="present")),
    ),
    Situation(
        "low-risk policy, verified app, scopes not classified low",
        "Zeliq",
        "url",
        "2",
        frozenset({"unclassified_scopes"}),
        "submit_request",
        setup=both(consent("low"), app("Zeliq", service_principal="present")),
        absent=frozenset({"unverified_publisher"}),
    ),
    Situation(
        "low-risk policy, verified app, every scope classified low",
        "OneCal",
        "url",
        "1",
        frozenset({"user_may_consent"}),
        "consent",
        setup=both(
            consent("low"),
            app("OneCal", service_principal="present"),
            classify_low("Calendars.ReadWrite", "User.Read", "offline_access"),
        ),
    ),
    Situation(
        "low-risk policy, unverified CRM sidebar with an admin-only scope",
        "Pipeline CRM Sidebar",
        "url",
        "2",
        frozenset({"unverified_publisher", "admin_scopes"}),
        "submit_request",
        setup=consent("low"),
        user=LYNNE,
    ),
    Situation(
        "legacy policy: risk-based step-up stops an unverified app asking for mail",
        "Pipeline CRM Sidebar",
        "url",
        "2",
        frozenset({"risky_step_up", "admin_scopes"}),
        "submit_request",
        setup=consent("legacy"),
        user=LYNNE,
        absent=frozenset({"unverified_publisher"}),
    ),
    Situation(
        "legacy policy with step-up off: only the admin-only scope needs an admin",
        "Pipeline CRM Sidebar",
        "url",
        "2",
        frozenset({"admin_scopes"}),
        "submit_request",
        setup=consent("legacy", step_up=False),
        user=LYNNE,
        absent=frozenset({"risky_step_up"}),
    ),
    Situation(
        "app blocked in the organisation",
        "Quick PDF Converter Online",
        "error",
        "blocked",
        frozenset({"app_blocked"}),
        "ask_to_unblock",
    ),
    Situation(
        "assignment required and the user is not assigned",
        "Northwind Expenses",
        "error",
        "2",
        frozenset({"assignment_required", "user_not_assigned"}),
        "submit_request",
        setup=consent("legacy"),
    ),
    Situation(
        "assignment required, user assigned: still no user consent",
        "Northwind Expenses",
        "url",
        "2",
        frozenset({"assignment_required"}),
        "submit_request",
        setup=both(
            consent("legacy"), app("Northwind Expenses", assign_users=["adelev@example.com"])
        ),
        absent=frozenset({"user_not_assigned"}),
    ),
    Situation(
        "already approved for everyone",
        "Wingtip Whiteboard",
        "url",
        "approved",
        frozenset({"already_approved"}),
        "try_again",
    ),
    Situation(
        "a scope no API defines",
        "Tailspin Meeting Notes",
        "url",
        "2",
        frozenset({"unknown_scopes"}),
        "submit_request",
        setup=consent("legacy"),
    ),
    Situation(
        "a scope two APIs define (ambiguous)",
        "Litware Cloud Cost Monitor",
        "id",
        "2",
        frozenset({"user_consent_off"}),
        "submit_request",
    ),
    Situation(
        "SharePoint scopes under the low-risk policy",
        "Fabrikam Docs for SharePoint",
        "url",
        "2",
        frozenset({"unclassified_scopes"}),
        "submit_request",
        setup=both(
            consent("low"),
            app("Fabrikam Docs for SharePoint", service_principal="present"),
            classify_low("User.Read", "offline_access"),
        ),
    ),
    Situation(
        "requests off and the app is new: nothing can be requested",
        "Carerix",
        "id",
        "3",
        frozenset({"new_to_tenant", "user_consent_off", "requests_off"}),
        "ask_reviewers",
        setup=consent("off", requests=False),
    ),
    Situation(
        "free consent, but the user typed the name: the permissions are not known",
        "Carerix",
        "name",
        "1",
        frozenset({"user_may_consent", "scopes_not_known"}),
        "consent",
        setup=both(consent("legacy"), app("Carerix", service_principal="present")),
    ),
]


def _message(situation: Situation, tenant: SandboxTenant) -> tuple[str, str]:
    """What the user pastes, and what Entra showed them (the simulator's outcome)."""
    attempt = tenant.attempt_sign_in(situation.app, situation.user.upn)
    if situation.via == "name":
        return f"why can't I connect {situation.app}?", attempt["outcome"]
    if situation.via == "id":
        return attempt["appId"], attempt["outcome"]
    if situation.via == "url":
        return attempt["consentUrl"], attempt["outcome"]
    assert attempt["errorText"], f"{situation.app}: no error page for {attempt['outcome']}"
    return attempt["errorText"], attempt["outcome"]


def test_the_table_covers_fifteen_situations_and_every_input_form() -> None:
    assert len(SITUATIONS) >= 15
    assert {s.via for s in SITUATIONS} == {"name", "id", "url", "error"}
    assert {s.headline for s in SITUATIONS} == {"1", "2", "3", "approved", "blocked"}


@pytest.mark.parametrize("situation", SITUATIONS, ids=lambda s: s.name)
async def test_situation(
    situation: Situation,
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
) -> None:
    situation.setup(sandbox.tenant)
    text, outcome = _message(situation, sandbox.tenant)
    answer = await ask(diagnosis_bot, connector, text, situation.user)
    assert answer.headline == situation.headline, answer.text
    assert HEADLINE_FOR_OUTCOME[situation.outcome or outcome] == answer.headline
    assert situation.causes <= answer.causes, answer.causes
    assert not (situation.absent & answer.causes), answer.causes
    assert answer.next_step == situation.next_step


async def test_own_pending_request_shows_when_and_where_it_waits(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    await pending_request_for(sandbox.tenant, diagnosis_bot, ADELE, "OneCal")
    attempt = sandbox.tenant.attempt_sign_in("OneCal", ADELE.upn)
    assert attempt["outcome"] == "request_pending"
    answer = await ask(diagnosis_bot, connector, attempt["errorText"], ADELE)
    assert answer.headline == "2"
    assert "request_pending" in answer.causes
    assert answer.next_step == "wait"
    facts = {f["title"]: f["value"] for f in answer.element("request-facts")["facts"]}
    assert facts["Reviewed in"] == "My Team / General"
    assert "Alex Wilber" in facts["Reviewers"]
    assert "Consent Reviewers" in facts["Reviewers"]
    assert "(in 30 days)" in facts["Expires"]


async def test_a_colleague_learns_others_already_asked(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    await pending_request_for(sandbox.tenant, diagnosis_bot, ADELE, "OneCal")
    answer = await ask(diagnosis_bot, connector, "why can't I connect OneCal", PATTI)
    assert {"others_waiting", "user_consent_off"} <= answer.causes
    assert answer.next_step == "submit_request"
    assert "1 colleague has already requested this app." in answer.text


async def test_denied_request_gives_the_reason_and_a_way_forward(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    from tests.integration.diagnosis_rig import ALEX, card_click

    await pending_request_for(sandbox.tenant, diagnosis_bot, ADELE, "Carerix")
    request_id = next(
        r["id"] for r in sandbox.tenant.summary()["requests"] if r["app"] == "Carerix"
    )
    deny = card_click(
        "deny",
        {"request_id": request_id, "reason": "Use the HR calendar instead"},
        connector.url,
        ALEX,
    )
    assert (await diagnosis_bot.post_activity(deny)).status == 200
    answer = await ask(diagnosis_bot, connector, "Carerix", ADELE)
    assert "request_denied" in answer.causes
    assert "Use the HR calendar instead" in answer.element("cause-request_denied")["text"]
    assert "Alex Wilber" in answer.element("cause-request_denied")["text"]
    assert answer.next_step == "submit_request"


async def test_after_approval_the_next_asker_is_told_it_is_approved(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    """Product scenario: a reviewer approves, a second user asking is told to try again."""
    from tests.integration.diagnosis_rig import ALEX, card_click

    await pending_request_for(sandbox.tenant, diagnosis_bot, ADELE, "OneCal")
    request_id = next(r["id"] for r in sandbox.tenant.summary()["requests"])
    approve = card_click("approve", {"request_id": request_id}, connector.url, ALEX)
    assert (await diagnosis_bot.post_activity(approve)).status == 200
    await diagnosis_bot.services.decision_worker.run_due()
    assert sandbox.tenant.attempt_sign_in("OneCal", PATTI.upn)["outcome"] == "signed_in"
    answer = await ask(diagnosis_bot, connector, "why can't I connect OneCal?", PATTI)
    assert answer.headline == "approved"
    assert answer.next_step == "try_again"
    assert ONECAL_APP_ID in answer.text
