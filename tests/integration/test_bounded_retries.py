"""Every retry ends: a send that keeps failing is given up, counted, listed and retryable.

The recording connector refuses on demand over real HTTP. A conversation that
always answers 502 is tried a bounded number of times, then the row is marked
failed, ``/readyz`` counts it and ``failed messages`` lists it for admins, whose
retry button sends it once the conversation works again. ``Retry-After: 0``
never becomes a hot loop, and a ``Retry-After`` date is honoured.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from multidict import CIMultiDict
from sqlalchemy import select

from bot.hosting.delivery import MAX_ATTEMPTS
from bot.infra.retry_after import retry_after_seconds
from bot.review.decision_worker import GAVE_UP
from bot.review.decision_worker import MAX_ATTEMPTS as DECISION_MAX_ATTEMPTS
from bot.store.outbox import OutboxStatus
from bot.store.tables import ConsentRequestRow, DecisionRow, OutboxRow
from sandbox.seed import ALEX_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot
from tests.integration.diagnosis_rig import ALEX, LYNNE, card_click


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        answer = await rig.post_activity(channel_message("review here", connector.url))
        assert answer.status in {200, 202}
        await rig.services.delivery.run_due()
        yield rig


async def outbox_rows(bot: BotRig) -> list[OutboxRow]:
    async with bot.services.sessions() as session:
        return list((await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all())


async def status_of(bot: BotRig, row_id: int) -> str:
    [row] = [row for row in await outbox_rows(bot) if row.id == row_id]
    return row.status


async def drain_for(bot: BotRig, clock: ManualClock, rounds: int) -> None:
    """Let time pass (an hour a round: past any backoff) and deliver what is due."""
    for _ in range(rounds):
        clock.advance(hours=1)
        await bot.services.delivery.run_due()


async def test_a_conversation_that_always_fails_is_given_up_listed_and_retried(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    connector.refuse_all_status = 502
    sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
    await bot.tick()
    await drain_for(bot, clock, rounds=3 * MAX_ATTEMPTS)

    assert connector.refusals == MAX_ATTEMPTS
    [card_row] = [row for row in await outbox_rows(bot) if row.kind == "post_card"]
    assert card_row.status == OutboxStatus.FAILED
    assert "gave up after" in (card_row.last_error or "")
    async with bot.http.get(f"{bot.url}/readyz") as ready:
        assert (await ready.json())["failed_messages"] == 1

    connector.refuse_all_status = None  # the cause is fixed; the admin looks at what was lost
    listed = await bot.post_activity(channel_message("failed messages", connector.url))
    assert listed.status in {200, 202}
    sent = len(connector.calls)
    failed_card = connector.card_of(connector.calls[-1])
    assert "OneCal" in json.dumps(failed_card)
    [retry] = failed_card["actions"]

    # Someone who is not an admin cannot requeue anything.
    click = card_click(retry["verb"], retry["data"], connector.url, LYNNE)
    refused = await bot.post_activity(click)
    assert refused.status == 200
    assert "Only admins" in refused.text
    assert await status_of(bot, card_row.id) == OutboxStatus.FAILED

    click["from"] = {"id": f"29:{ALEX_ID}", "name": "Alex Wilber", "aadObjectId": ALEX_ID}
    answer = await bot.post_activity(click)
    assert answer.status == 200
    await bot.services.delivery.run_due()
    posted = [c for c in connector.calls[sent:] if "Admin consent request: OneCal" in str(c.body)]
    assert len(posted) == 1
    async with bot.http.get(f"{bot.url}/readyz") as ready:
        assert (await ready.json())["failed_messages"] == 0


async def test_retry_after_zero_never_loops_and_the_tries_are_bounded(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    connector.refuse_all_status = 429
    connector.retry_after = "0"
    sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
    await bot.tick()
    for _ in range(5):  # no time passes: nothing is due again, however often the worker runs
        await bot.services.delivery.run_due()
    assert connector.refusals == 1

    for _ in range(3 * MAX_ATTEMPTS):
        clock.advance(seconds=1)
        await bot.services.delivery.run_due()
    assert connector.refusals == MAX_ATTEMPTS
    [card_row] = [row for row in await outbox_rows(bot) if row.kind == "post_card"]
    assert card_row.status == OutboxStatus.FAILED


async def test_a_retry_after_date_is_honoured(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    connector.refuse_all_status = 503
    connector.retry_after = format_datetime(clock.now + timedelta(seconds=120), usegmt=True)
    sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
    await bot.tick()
    [card_row] = [row for row in await outbox_rows(bot) if row.kind == "post_card"]
    assert card_row.next_attempt_at == clock.now + timedelta(seconds=120)


def test_retry_after_reads_seconds_and_dates_and_ignores_the_rest() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(minutes=5), usegmt=True)
    earlier = format_datetime(now - timedelta(minutes=5), usegmt=True)
    assert retry_after_seconds(CIMultiDict({"Retry-After": "7"}), now) == 7.0
    assert retry_after_seconds(CIMultiDict({"Retry-After": "-3"}), now) == 0.0
    assert retry_after_seconds(CIMultiDict({"Retry-After": later}), now) == 300.0
    assert retry_after_seconds(CIMultiDict({"Retry-After": earlier}), now) == 0.0
    assert retry_after_seconds(CIMultiDict({"Retry-After": "soon"}), now) is None
    assert retry_after_seconds(CIMultiDict(), now) is None


async def test_a_decision_graph_keeps_refusing_is_given_up_and_the_request_reopens(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    created = sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
    await bot.tick()
    request_id = str(created["appConsentRequestId"])
    approve = card_click("approve", {"request_id": request_id}, connector.url, ALEX)
    answer = await bot.post_activity(approve)
    assert "Approving" in answer.text
    # Retry-After: 1, not 0: the Graph SDK reads 0 as "no header" and backs off 3 s and more.
    sandbox.tenant.set_faults(throttle_ratio=1.0, retry_after_seconds=1)

    tries = 0
    for _ in range(3 * DECISION_MAX_ATTEMPTS):
        tries += await bot.services.decision_worker.run_due()
        clock.advance(minutes=10)  # past any backoff
    sandbox.tenant.set_faults(throttle_ratio=0.0)
    await bot.services.delivery.run_due()

    assert tries <= DECISION_MAX_ATTEMPTS
    assert await bot.services.decision_worker.run_due() == 0
    async with bot.services.sessions() as session:
        [decision] = (
            await session.scalars(select(DecisionRow).where(DecisionRow.request_id == request_id))
        ).all()
        request = await session.get(ConsentRequestRow, request_id)
    assert decision.state == "failed"
    assert request is not None
    assert request.status == "pending"
    assert [g for g in sandbox.tenant.grants() if g["clientDisplayName"] == "OneCal"] == []
    last_card = json.dumps(connector.card_of(connector.updates()[-1]))
    assert GAVE_UP in last_card
    assert '"verb": "approve"' in last_card  # the reviewer can try again
