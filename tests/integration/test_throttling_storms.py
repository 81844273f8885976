"""Decisions and diagnosis under a Graph throttling storm end with the right result.

30% of Graph calls answer 429 with ``Retry-After: 0`` (Graph's own header,
honoured as given). An approval still grants exactly once and its card says
so; a "why can't I connect?" answer is either the right one or a clear "try
again", never a wrong diagnosis. (Intake's storm test is in
``test_intake_storm.py``.)
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.seed_apps import ONECAL_APP_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot
from tests.integration.diagnosis_rig import ADELE, ALEX, Reading, card_click, personal_message

STORM = {"throttle_ratio": 0.3, "retry_after_seconds": 0, "seed": 1}
TRY_AGAIN = "Something went wrong on my side. Please try again in a moment."


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        await rig.post_activity(channel_message("review here", connector.url))
        yield rig


async def test_an_approval_in_a_storm_grants_once_and_says_so(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    created = sandbox.tenant.create_request("OneCal", ADELE.upn, "calendar")
    await bot.tick()
    request_id = str(created["appConsentRequestId"])
    sandbox.tenant.set_faults(**STORM)

    answer = await bot.post_activity(
        card_click("approve", {"request_id": request_id}, connector.url, ALEX)
    )
    assert answer.status == 200
    for _ in range(20):
        await bot.services.decision_worker.run_due()
        clock.advance(minutes=5)  # past any backoff of the decision queue
    sandbox.tenant.set_faults(throttle_ratio=0.0)
    await bot.services.delivery.run_due()
    assert sandbox.tenant.faults.injected[429] > 0

    grants = [
        grant
        for grant in sandbox.tenant.grants()
        if grant["consentType"] == "AllPrincipals" and grant["clientDisplayName"] == "OneCal"
    ]
    assert len(grants) == 1
    assert sorted(grants[0]["scope"].split()) == [
        "Calendars.ReadWrite",
        "User.Read",
        "offline_access",
    ]
    last = json.dumps(connector.card_of(connector.updates()[-1]))
    assert "Approved by Alex Wilber, " in last


async def test_answers_in_a_storm_are_right_or_say_try_again(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    calm = await _ask(bot, connector)
    assert calm["kind"] == "card"
    sandbox.tenant.set_faults(**STORM)

    answers = [await _ask(bot, connector) for _ in range(8)]

    assert sandbox.tenant.faults.injected[429] > 0
    assert all(a == calm or a == {"kind": "text", "text": TRY_AGAIN} for a in answers), answers
    assert calm in answers  # the client's own retries carry most answers through


async def _ask(bot: BotRig, connector: RecordingConnector) -> dict[str, object]:
    """The headline and causes of the answer card, or the text of a plain reply."""
    before = len(connector.calls)
    question = personal_message(f"why can't I connect {ONECAL_APP_ID}", connector.url, ADELE)
    sent = await bot.post_activity(question)
    assert sent.status in {200, 202}, sent.text
    [reply] = [call for call in connector.calls[before:] if call.method == "POST"]
    activity = reply.body.get("activity", reply.body)
    if not activity.get("attachments"):
        return {"kind": "text", "text": activity.get("text")}
    reading = Reading(connector.card_of(reply))
    return {
        "kind": "card",
        "headline": reading.headline,
        "causes": sorted(reading.causes),
        "next": reading.next_step,
    }
