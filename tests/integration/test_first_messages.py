"""Two first messages from the same person at once: both answered, one chat remembered."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select

from bot.store.tables import UserChatRow
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import running_bot
from tests.integration.diagnosis_rig import LYNNE, personal_message


async def test_concurrent_first_messages_do_not_fail(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        bodies = [personal_message("help", connector.url, LYNNE, "fr-FR") for _ in range(20)]
        answers = await asyncio.gather(*(bot.post_activity(b) for b in bodies))
        assert {a.status for a in answers} <= {200, 202}
        cards = [connector.card_of(call) for call in connector.posts()]
        assert len(cards) == 20  # each message got the help card, not an apology
        async with bot.services.sessions() as session:
            rows = await session.scalar(select(func.count()).select_from(UserChatRow))
            chat = await session.get(UserChatRow, LYNNE.id)
        assert rows == 1
        assert chat is not None
        assert chat.locale == "fr-FR"
