"""The facts behind "risk at a glance", read from the tenant as intake records a request.

Pipeline CRM Sidebar is in the seeded tenant with two users' own grants (they
consented to an earlier version); the reviewer card must say so, mark the
permission the admins listed as high risk, and say it keeps offline access.
"""

from __future__ import annotations

import json
from pathlib import Path

from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import channel_message, running_bot
from tests.integration.channel_chat import say
from tests.integration.diagnosis_rig import ALEX


async def test_the_card_shows_who_already_granted_the_app_and_the_listed_permission(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.post_activity(channel_message("review here", connector.url))
        await say(bot, connector, "high risk scopes Mail.*", ALEX)
        sandbox.tenant.create_request("Pipeline CRM Sidebar", "adelev@example.com", "deals")
        await bot.tick()
        [post] = [
            c for c in connector.posts() if "Admin consent request: Pipeline CRM" in str(c.body)
        ]
        card = json.dumps(connector.card_of(post), ensure_ascii=False)
        assert "Already granted by" in card
        assert "2 people in your organisation" in card
        assert "Mail.Read is on your high-risk list" in card
        assert "On your high-risk list" in card
        assert "keeps access to the data while the user is away" in card
