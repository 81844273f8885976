"""The README's least-privilege table, proven against a sandbox that enforces Graph's permissions.

The bot runs with a token the sandbox's identity platform signs, carrying
exactly the application permissions of the table (``least_privilege``); the
sandbox checks each call against the permissions its documentation page
lists. (The rest of the suite runs the bot on the sandbox's local token,
which holds the same set, so every feature is exercised with it.) With one
permission taken away, the start-up self-check names the features that go
off, and using one of them tells the user which permission IT must grant:
never a 500, never a silently wrong answer such as "nobody may approve".
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.admin.permissions import features_off, least_privilege
from bot.infra.graph_auth import FixedTokenProvider
from sandbox.identity import claims
from sandbox.seed import BOT_APP_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot
from tests.integration.diagnosis_rig import ADELE, ALEX, card_click

LEAST = least_privilege(delegated_approvals=False)


def signed_app_token(sandbox: SandboxHandle, roles: tuple[str, ...]) -> FixedTokenProvider:
    """An app-only token for the bot, as the sandbox's identity platform issues one."""
    identity = sandbox.tenant.identity
    token = claims.app_token(
        identity.issue(sandbox.url),
        "https://graph.microsoft.com",
        BOT_APP_ID,
        identity.app_object_id(BOT_APP_ID),
        roles,
    )
    return FixedTokenProvider(sandbox.url, identity.sign(token))


@asynccontextmanager
async def bot_granted(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
    roles: tuple[str, ...],
) -> AsyncIterator[BotRig]:
    async with running_bot(
        graph_url=sandbox.url,
        data_dir=tmp_path,
        clock=clock,
        graph_token_source=signed_app_token(sandbox, roles),
    ) as bot:
        answer = await bot.post_activity(channel_message("review here", connector.url))
        assert answer.status in {200, 202}
        yield bot


async def approve_as_alex(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> tuple[int, str]:
    created = sandbox.tenant.create_request("OneCal", ADELE.upn, "calendar")
    await bot.tick()
    click = card_click(
        "approve", {"request_id": str(created["appConsentRequestId"])}, connector.url, ALEX
    )
    answer = await bot.post_activity(click)
    await bot.services.decision_worker.run_due()
    await bot.services.delivery.run_due()
    return answer.status, answer.text


def one_calendar_grant(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    return [g for g in sandbox.tenant.grants() if g["clientDisplayName"] == "OneCal"]


async def test_exactly_the_table_turns_every_feature_on_and_approves(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    async with bot_granted(sandbox, connector, clock, tmp_path, LEAST) as bot:
        async with bot.http.get(f"{bot.url}/readyz") as ready:
            assert (await ready.json())["features_off"] == []
        status, _ = await approve_as_alex(bot, sandbox, connector)
    assert status == 200
    assert len(one_calendar_grant(sandbox)) == 1


@pytest.mark.parametrize("dropped", LEAST)
async def test_each_permission_removed_is_named_by_the_self_check(
    dropped: str,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    roles = tuple(role for role in LEAST if role != dropped)
    caplog.set_level(logging.INFO, logger="consent_desk.permissions")
    async with (
        bot_granted(sandbox, connector, clock, tmp_path, roles) as bot,
        bot.http.get(f"{bot.url}/readyz") as ready,
    ):
        reported = (await ready.json())["features_off"]
    expected = features_off(roles)
    assert expected, f"removing {dropped} must turn something off"
    assert [item["feature"] for item in reported] == [off.feature for off in expected]
    logged = " ".join(r.getMessage() for r in caplog.records if " is off" in r.getMessage())
    for off in expected:
        assert f"{off.feature} is off" in logged


async def test_approving_without_reading_roles_names_the_missing_permission(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    roles = tuple(role for role in LEAST if role != "RoleManagement.Read.Directory")
    async with bot_granted(sandbox, connector, clock, tmp_path, roles) as bot:
        status, text = await approve_as_alex(bot, sandbox, connector)
    assert status == 200
    assert "lacks the Microsoft Graph permission RoleManagement.Read.Directory" in text
    assert "needs the Global" not in text  # not "you may not approve": the bot cannot tell
    assert one_calendar_grant(sandbox) == []


async def test_approving_without_the_write_permission_reopens_the_request_and_says_why(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    roles = tuple(role for role in LEAST if role != "Application.ReadWrite.All")
    async with bot_granted(sandbox, connector, clock, tmp_path, roles) as bot:
        status, _ = await approve_as_alex(bot, sandbox, connector)
    assert status == 200
    assert one_calendar_grant(sandbox) == []
    last = json.dumps(connector.card_of(connector.updates()[-1]))
    assert "Insufficient privileges" in last
    assert '"verb": "approve"' in last  # still open: a reviewer can retry once IT grants it
