"""A tenant that changes while the bot runs, warm: the next question sees the change.

Each test warms the bot first (its app index and caches are filled by a
question), then changes the sandbox tenant as an admin or a user would, lets
a few seconds pass, and asks. Caches may make answers faster, never less
true: an app added a minute ago, or a request filed a moment ago, is found.
"""

from __future__ import annotations

import pytest

from sandbox.seed_apps import CARERIX_APP_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig
from tests.integration.diagnosis_rig import ADELE, PATTI, ask, diagnosis_bot

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
