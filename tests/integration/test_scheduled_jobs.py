"""The bot on its own schedule: nothing runs a pass by hand here.

Every other integration test drives intake, the decision worker and delivery
itself, to stay deterministic. This one starts the bot with its jobs, as
``python app.py`` does, and checks that the scheduler, the outbox bell and the
decision worker's wake carry a request from Entra to a card, and an Approve
click to a grant and the edited cards, with no help.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from cards import verbs
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import GENERAL_CHANNEL, channel_message, new_cards_in, running_bot
from tests.integration.decision_clicks import ALEX, click, press, tenant_wide


async def _eventually(condition: Callable[[], bool], what: str) -> None:
    for _ in range(300):  # 30 s: far above a poll interval, far below a hung test
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


async def test_a_new_request_becomes_a_card_and_an_approval_a_grant_on_the_bots_own_schedule(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(
        graph_url=sandbox.url,
        data_dir=tmp_path,
        clock=clock,
        start_jobs=True,
        poll_interval_seconds=0.5,
        delivery_interval_seconds=3600,  # only the outbox bell can wake delivery in time
    ) as bot:
        await bot.post_activity(channel_message("review here", connector.url))
        created = sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
        request_id = str(created["appConsentRequestId"])
        await _eventually(
            lambda: new_cards_in(connector, GENERAL_CHANNEL, "OneCal") == 1, "the card is posted"
        )

        edits_before = len(connector.updates())
        answer = await press(bot, click(verbs.APPROVE, request_id, ALEX, connector.url))
        assert "Approving" in answer or "Approved" in answer
        await _eventually(lambda: bool(tenant_wide(sandbox, "OneCal")), "the consent is granted")
        await _eventually(
            lambda: len(connector.updates()) > edits_before, "the card copies are edited"
        )
