"""What a warm answer costs in Graph calls, and which of them go out together.

Each call costs a round trip, so a warm answer reads only what no cache may
answer (the app, its grants and, where the answer depends on it, the app's
request in Entra with its users' requests inline) and reads them together:
a sandbox that refuses one read still sees the others, which only happens
when they were sent at the same time, not one after the other.
"""

from __future__ import annotations

from typing import Any

from sandbox.seed_apps import CARERIX_APP_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig
from tests.integration.diagnosis_rig import (
    ADELE,
    LYNNE,
    PATTI,
    ask,
    diagnosis_bot,
    pending_request_for,
    personal_message,
)

__all__ = ["diagnosis_bot"]  # fixture

APP = "GET /servicePrincipals(appId='{appId}')"
GRANTS = "GET /oauth2PermissionGrants"
REQUESTS = "GET /identityGovernance/appConsent/appConsentRequests"
USERS = "GET /identityGovernance/appConsent/appConsentRequests/{requestId}/userConsentRequests"
DELTA = "GET /servicePrincipals/delta()"


def _routes(sandbox: SandboxHandle) -> dict[str, int]:
    routes: dict[str, int] = sandbox.tenant.calls.snapshot()["routes"]
    return routes


async def _warm_then_count(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, question: str
) -> tuple[dict[str, int], Any]:
    """Adele asks (the bot learns what answers about the app need); Lynne's answer is counted."""
    await ask(bot, connector, question, ADELE)
    sandbox.tenant.calls.reset()
    answer = await ask(bot, connector, question, LYNNE)
    return _routes(sandbox), answer


async def test_an_app_others_requested_costs_one_read_of_its_request_not_two(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    """Patti asked for Zeliq in Entra: whether Lynne did too is read with the app's request,
    its users' requests inline, not by a second call once the first has answered."""
    sandbox.tenant.create_request("Zeliq", PATTI.upn, "Sequences for the spring campaign")
    routes, answer = await _warm_then_count(
        diagnosis_bot, sandbox, connector, "why can't I connect Zeliq?"
    )
    assert answer.next_step == "submit_request"
    assert routes == {APP: 1, REQUESTS: 1}, routes  # not in the tenant: no grants to read


async def test_a_warm_answer_in_the_tenant_reads_the_app_its_grants_and_its_request(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    sandbox.tenant.create_request("Pipeline CRM Sidebar", PATTI.upn, "CRM in Outlook")
    routes, answer = await _warm_then_count(
        diagnosis_bot, sandbox, connector, "why can't I connect Pipeline CRM Sidebar?"
    )
    assert answer.next_step == "submit_request"
    assert routes == {APP: 1, GRANTS: 2, REQUESTS: 1}, routes
    assert USERS not in routes


async def test_an_answer_that_needs_no_request_reads_none_once_warm(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    """The app's request is read ahead only where the last answer about the app needed it."""
    routes, answer = await _warm_then_count(
        diagnosis_bot, sandbox, connector, "why is Quick PDF Converter Online blocked?"
    )
    assert answer.next_step == "ask_to_unblock"
    assert routes == {APP: 1, GRANTS: 2}, routes


async def test_waiting_for_a_request_filed_in_entra_costs_one_read_of_it(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    await pending_request_for(sandbox.tenant, diagnosis_bot, LYNNE, "Zeliq")
    routes, answer = await _warm_then_count(
        diagnosis_bot, sandbox, connector, "why can't I connect Zeliq?"
    )
    assert answer.next_step == "wait"
    assert routes == {APP: 1, REQUESTS: 1}, routes


async def test_the_apps_request_is_read_while_the_app_is(
    diagnosis_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    """With the app's own read refused, Entra's request was read all the same: it went out
    with the app's reads, not after them."""
    question = "why can't I connect Pipeline CRM Sidebar?"
    await ask(diagnosis_bot, connector, question, ADELE)
    sandbox.tenant.set_faults(unavailable_paths=["servicePrincipals(appId="], retry_after_seconds=0)
    sandbox.tenant.calls.reset()
    await diagnosis_bot.post_activity(personal_message(question, connector.url, LYNNE))
    routes = _routes(sandbox)
    assert routes[APP] >= 1, routes  # refused (and retried): the answer is an apology
    assert routes.get(REQUESTS) == 1, routes


async def test_an_unknown_id_is_read_while_the_index_catches_up(
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
) -> None:
    """The catch-up says what the id is called; the app's facts do not wait for it."""
    await ask(diagnosis_bot, connector, "why can't I connect Pipeline CRM Sidebar?", ADELE)
    sandbox.tenant.set_app("Carerix", service_principal="present")
    clock.advance(seconds=5)
    sandbox.tenant.set_faults(unavailable_paths=["servicePrincipals/delta"], retry_after_seconds=0)
    sandbox.tenant.calls.reset()
    await diagnosis_bot.post_activity(personal_message(CARERIX_APP_ID, connector.url, ADELE))
    routes = _routes(sandbox)
    assert routes[DELTA] >= 1, routes  # refused: the answer is an apology
    assert routes.get(APP) == 1, routes
