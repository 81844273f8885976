"""Proactive help over real HTTP: a sandbox tenant whose sign-in log the bot may read.

The bot is granted what the README's table asks for plus the two optional
permissions of proactive help, a review channel gives it a Bot Connector URL
for chats it opens itself, and an admin switches the feature on. A person's
sign-in is played by the sandbox's simulator, which writes the log entry;
the pass is run by hand and delivery drained, so nothing waits on a timer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.outreach.job import PassReport
from cards.outreach import teams_user_id
from sandbox.seed import BOT_APPLICATION_PERMISSIONS
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot
from tests.integration.channel_chat import say
from tests.integration.diagnosis_rig import ALEX, Person, Reading

SIGN_IN_LOG_PERMISSIONS = frozenset({"AuditLog.Read.All", "Directory.Read.All"})


def grant_sign_in_log(sandbox: SandboxHandle) -> None:
    sandbox.tenant.set_bot_permissions(BOT_APPLICATION_PERMISSIONS | SIGN_IN_LOG_PERMISSIONS)


async def switched_on(bot: BotRig, connector: RecordingConnector) -> str:
    """A review channel (where chats get their Bot Connector URL), then ``proactive help on``."""
    answer = await bot.post_activity(channel_message("review here", connector.url))
    assert answer.status in (200, 202)
    return await say(bot, connector, "proactive help on", ALEX)


@pytest.fixture
async def helping_bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    """The bot with the sign-in log readable and proactive help switched on."""
    grant_sign_in_log(sandbox)
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        await switched_on(rig, connector)
        yield rig


def blocked_sign_in(sandbox: SandboxHandle, app: str, who: Person, outcome: str) -> str:
    """``who`` tries to connect ``app`` and Entra stops them with ``outcome``; the log entry id."""
    attempt = sandbox.tenant.attempt_sign_in(app, who.upn)
    assert attempt["outcome"] == outcome, attempt
    return str(attempt["signInId"])


async def run_pass(bot: BotRig) -> PassReport:
    """One proactive help pass, then deliver what it queued."""
    report = await bot.services.proactive_help.run_once()
    await bot.services.delivery.run_due()
    return report


def help_cards(connector: RecordingConnector, who: Person) -> list[Reading]:
    """Cards offering help unasked that reached ``who``'s 1:1 chat, in order."""
    found = []
    for call in connector.posts():
        activity: dict[str, Any] = call.body.get("activity", call.body)
        for attachment in activity.get("attachments") or []:
            card = attachment.get("content", {})
            if teams_user_id(who.id) in card.get("refresh", {}).get("userIds", []):
                assert who.id in call.path, "sent to someone else's chat"
                found.append(Reading(card))
    return found
