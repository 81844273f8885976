"""A tenant that changes while the bot runs, warm: the next question sees the change.

Each test warms the bot first (its app index and caches are filled by a
question), then changes the sandbox tenant as an admin or a user would, lets
a few seconds pass, and asks. Caches may make answers faster, never less
true: an app added a minute ago, or a request filed a moment ago, is found.
"""

from __future__ import annotations

import json

import pytest

from domain.i18n import Messages
from sandbox.seed_apps import CARERIX_APP_ID
from sandbox.server import SandboxHandle
from sandbox.tenant import SandboxTenant
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig
from tests.integration.diagnosis_rig import ADELE, ALEX, PATTI, ask, diagnosis_bot

__all__ = ["diagnosis_bot"]  # fixture

DELTA = "GET /servicePrincipals/delta()"


async def _warm(bot: BotRig, connector: RecordingConnector) -> None:
    """A first question fills the app index and the tenant's settings."""
    answer = await ask(bot, connector, "why can't I connect Pipeline CRM Sidebar?", ADELE)
    assert answer.element("app-name")["text"] == "Pipeline CRM Sidebar"


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("why can't I connect Carerix?", "en-US"),
        ("pourquoi je ne peux pas connecter Carerix ?", "fr-FR"),
        ("Carerix に接続できない", "ja-JP"),
        (CARERIX_APP_ID, "en-US"),
    ],
)
async def test_an_app_added_after_the_bot_warmed_up_is_found(
    text: str,
    locale: str,
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
) -> None:
    await _warm(diagnosis_bot, connector)
    sandbox.tenant.set_app("Carerix", service_principal="present")
    clock.advance(seconds=5)
    answer = await ask(diagnosis_bot, connector, text, ADELE, locale)
    assert answer.element("app-name")["text"] == "Carerix"
    assert "choose-none" not in answer.ids()


async def test_a_misspelt_name_of_a_new_app_finds_it_or_offers_it(
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
) -> None:
    await _warm(diagnosis_bot, connector)
    sandbox.tenant.set_app("Carerix", service_principal="present")
    clock.advance(seconds=5)
    answer = await ask(diagnosis_bot, connector, "why can't I connect carerx", ADELE)
    assert "Carerix" in answer.text
    assert "choose-none" not in answer.ids()


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("why can't I connect Zeliq?", "en-US"),
        ("pourquoi je ne peux pas connecter Zeliq", "fr-FR"),
        ("Zeliq に接続できない", "ja-JP"),
    ],
)
async def test_an_app_someone_requested_a_moment_ago_is_found_before_the_next_poll(
    text: str,
    locale: str,
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
) -> None:
    """Graph cannot look another tenant's app up by name; Entra's pending requests can."""
    await _warm(diagnosis_bot, connector)
    sandbox.tenant.create_request("Zeliq", PATTI.upn, "Sequences for the spring campaign")
    clock.advance(seconds=5)
    answer = await ask(diagnosis_bot, connector, text, ADELE, locale)  # no intake poll since
    assert answer.element("app-name")["text"] == "Zeliq"


async def test_a_deleted_app_is_answered_as_gone_not_from_the_index(
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
) -> None:
    sandbox.tenant.set_app("Carerix", service_principal="present")
    first = await ask(diagnosis_bot, connector, "why can't I connect Carerix?", ADELE)
    assert first.element("app-name")["text"] == "Carerix"
    sandbox.tenant.set_app("Carerix", service_principal="absent")
    clock.advance(seconds=5)
    again = await ask(diagnosis_bot, connector, CARERIX_APP_ID, ADELE)
    assert "new_to_tenant" not in first.causes
    assert "new_to_tenant" in again.causes


async def test_a_burst_of_misses_costs_one_catch_up_and_a_hit_none(
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
) -> None:
    await _warm(diagnosis_bot, connector)
    clock.advance(seconds=5)
    sandbox.tenant.calls.reset()
    for _ in range(3):
        answer = await ask(diagnosis_bot, connector, "why can't I connect Quux Frobnicator?", ADELE)
        assert "choose-none" in answer.ids()  # still unknown after catching up: say so
    routes = sandbox.tenant.calls.snapshot()["routes"]
    assert routes.get(DELTA) == 1, routes
    assert routes.get("GET /identityGovernance/appConsent/appConsentRequests") == 1, routes
    sandbox.tenant.calls.reset()
    await ask(diagnosis_bot, connector, "why can't I connect Pipeline CRM Sidebar?", ADELE)
    assert DELTA not in sandbox.tenant.calls.snapshot()["routes"]


@pytest.mark.parametrize("locale", ["en-US", "fr-FR", "ja-JP"])
async def test_a_pasted_error_that_contradicts_the_cached_settings_is_believed(
    locale: str,
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
) -> None:
    """Requests switched off a moment ago: Entra shows 90094, no request form, and the bot
    says so and offers to ask the reviewers, not to fill in a form that is gone."""
    before = sandbox.tenant.attempt_sign_in("Zeliq", ADELE.upn)
    first = await ask(diagnosis_bot, connector, before["errorText"], ADELE, locale)
    assert first.headline == "2"  # the request form exists: the settings are now cached
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    after = sandbox.tenant.attempt_sign_in("Zeliq", ADELE.upn)
    assert after["aadsts"] == "AADSTS90094"
    answer = await ask(diagnosis_bot, connector, after["errorText"], ADELE, locale)
    assert answer.headline == "3"
    assert answer.next_step == "ask_reviewers"


async def test_without_evidence_the_settings_are_at_most_a_minute_old(
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
) -> None:
    question = "why can't I connect Zeliq?"
    sandbox.tenant.create_request("Zeliq", PATTI.upn, "Sequences for the spring campaign")
    assert (await ask(diagnosis_bot, connector, question, ADELE)).headline == "2"
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    clock.advance(seconds=61)
    assert (await ask(diagnosis_bot, connector, question, ADELE)).headline == "3"


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("why can't I connect Zeliq?", "en-US"),
        ("pourquoi je ne peux pas connecter Zeliq", "fr-FR"),
        ("Zeliq に接続できない", "ja-JP"),
    ],
)
async def test_a_request_filed_a_moment_ago_is_reported_pending_before_the_next_poll(
    text: str,
    locale: str,
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
) -> None:
    await _warm(diagnosis_bot, connector)
    sandbox.tenant.create_request("Zeliq", ADELE.upn, "Sequences for the spring campaign")
    answer = await ask(diagnosis_bot, connector, text, ADELE, locale)  # no intake poll since
    assert "request_pending" in answer.causes
    assert answer.next_step == "wait"


@pytest.mark.parametrize(("approve", "expected"), [(False, "request_denied"), (True, None)])
async def test_a_request_decided_in_the_entra_portal_is_reported_as_decided_before_the_next_poll(
    approve: bool,
    expected: str | None,
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
) -> None:
    created = sandbox.tenant.create_request("Zeliq", ADELE.upn, "Sequences for the campaign")
    await diagnosis_bot.tick()  # the store knows Adele's request, pending
    waiting = await ask(diagnosis_bot, connector, "why can't I connect Zeliq?", ADELE)
    assert waiting.next_step == "wait"
    sandbox.tenant.complete_request(str(created["appConsentRequestId"]), approve, ALEX.upn)
    answer = await ask(diagnosis_bot, connector, "why can't I connect Zeliq?", ADELE)
    assert answer.next_step != "wait"
    if expected is not None:
        assert expected in answer.causes
    else:  # approved for everyone: the grant is read live, sign in again
        assert answer.next_step == "try_again"


async def test_a_permission_classified_low_risk_since_the_last_answer_is_seen_within_a_minute(
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
) -> None:
    sandbox.tenant.set_consent_settings(user_consent="low")
    url = sandbox.tenant.attempt_sign_in("OneCal", ADELE.upn)["consentUrl"]
    before = await ask(diagnosis_bot, connector, url, ADELE)
    assert "unclassified_scopes" in before.causes
    sandbox.tenant.classify_scope("Calendars.ReadWrite", "Microsoft Graph", low=True)
    clock.advance(seconds=61)
    after = await ask(diagnosis_bot, connector, url, ADELE)
    assert "unclassified_scopes" not in after.causes
    assert after.headline == "1"
    assert after.next_step == "consent"


def _block(tenant: SandboxTenant) -> None:
    tenant.set_app("Carerix", enabled=False)


def _require_assignment(tenant: SandboxTenant) -> None:
    tenant.set_app("Carerix", assignment_required=True)


def _consent_for_everyone(tenant: SandboxTenant) -> None:
    tenant.grant_admin_consent("Carerix")


CHANGES = {
    "blocked": (_block, "app_blocked", "ask_to_unblock"),
    "assignment required": (_require_assignment, "user_not_assigned", None),
    "approved for everyone": (_consent_for_everyone, None, "try_again"),
}


def _question(form: str, tenant: SandboxTenant) -> str:
    if form == "name":
        return "why can't I connect Carerix?"
    if form == "app id":
        return CARERIX_APP_ID
    return str(tenant.attempt_sign_in("Carerix", ADELE.upn)["consentUrl"])


@pytest.mark.parametrize("form", ["name", "app id", "consent URL"])
@pytest.mark.parametrize("change", list(CHANGES))
async def test_an_app_changed_by_an_admin_since_the_last_answer_is_answered_as_it_is_now(
    change: str,
    form: str,
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
) -> None:
    apply, cause, step = CHANGES[change]
    sandbox.tenant.set_app("Carerix", service_principal="present")
    question = _question(form, sandbox.tenant)
    before = await ask(diagnosis_bot, connector, question, ADELE)
    assert before.element("app-name")["text"] == "Carerix"
    apply(sandbox.tenant)
    after = await ask(diagnosis_bot, connector, question, ADELE)  # no time passes
    if cause is not None:
        assert cause in after.causes
    if step is not None:
        assert after.next_step == step
    assert after.text != before.text


async def test_a_request_that_expired_in_entra_since_the_last_poll_is_reported_expired(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    created = sandbox.tenant.create_request("Zeliq", ADELE.upn, "Sequences for the campaign")
    await diagnosis_bot.tick()
    waiting = await ask(diagnosis_bot, connector, "why can't I connect Zeliq?", ADELE)
    assert waiting.next_step == "wait"
    sandbox.tenant.expire_request(str(created["appConsentRequestId"]))
    answer = await ask(diagnosis_bot, connector, "why can't I connect Zeliq?", ADELE)
    assert "request_expired" in answer.causes
    assert answer.next_step == "submit_request"


@pytest.mark.parametrize("locale", ["en-US", "fr-FR", "ja-JP"])
async def test_microsofts_recommended_setting_is_explained_not_taken_for_a_custom_policy(
    locale: str,
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
) -> None:
    """A tenant created since 2025 lets Microsoft manage user consent; a calendar app is
    then an admin's decision, for a reason the answer and the message for IT both name."""
    url = str(sandbox.tenant.attempt_sign_in("OneCal", ADELE.upn)["consentUrl"])
    await ask(diagnosis_bot, connector, url, ADELE, locale)  # warm, with user consent off
    sandbox.tenant.set_consent_settings(user_consent="recommended")
    clock.advance(seconds=61)
    answer = await ask(diagnosis_bot, connector, url, ADELE, locale)
    assert "managed_policy_scopes" in answer.causes
    assert "custom_policy" not in answer.causes
    assert "Calendars.ReadWrite" in answer.element("cause-managed_policy_scopes")["text"]
    assert answer.headline == "2"
    assert answer.next_step == "submit_request"
    it_message = json.dumps(answer.card, ensure_ascii=False)
    assert Messages.for_locale(locale).t("it.kind.managed") in it_message


async def test_under_the_recommended_setting_basic_permissions_need_no_admin(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    sandbox.tenant.set_consent_settings(user_consent="recommended")
    attempt = sandbox.tenant.attempt_sign_in("OneCal", ADELE.upn, scopes=["User.Read"])
    assert attempt["outcome"] == "consent_prompt"  # Entra's own answer, for comparison
    answer = await ask(diagnosis_bot, connector, str(attempt["consentUrl"]), ADELE)
    assert answer.headline == "1"
    assert answer.next_step == "consent"


async def test_the_reviewer_card_says_which_permissions_microsofts_settings_kept_for_admins(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    sandbox.tenant.set_consent_settings(user_consent="recommended")
    sandbox.tenant.create_request("OneCal", PATTI.upn, "Team calendars")
    await diagnosis_bot.tick()
    [card] = [
        RecordingConnector.card_of(call)
        for call in connector.posts()
        if "Admin consent request: OneCal" in json.dumps(call.body)
    ]
    rows = json.dumps(card, ensure_ascii=False)
    kept = Messages.for_locale("en-US").t("reviewer.scope_managed")
    assert rows.count(kept) == 1  # Calendars.ReadWrite; User.Read and offline_access are not
    assert rows.index("Calendars.ReadWrite") < rows.index("User.Read")  # riskiest first
