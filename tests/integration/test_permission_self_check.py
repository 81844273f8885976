"""The start-up permission self-check over real HTTP: one missing permission, one feature off."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from kiota_abstractions.authentication import AccessTokenProvider

from bot.infra.graph_auth import FixedTokenProvider
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot
from tests.permission_sets import EVERYTHING


def roles_token(graph_url: str, roles: list[str]) -> AccessTokenProvider:
    """An app-only-shaped token granting ``roles``; the sandbox accepts any bearer token."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return FixedTokenProvider(
        graph_url, f"{part({'typ': 'JWT'})}.{part({'roles': roles})}.unsigned"
    )


@asynccontextmanager
async def bot_with_tokens(
    sandbox: SandboxHandle,
    tmp_path: Path,
    clock: ManualClock,
    tokens: AccessTokenProvider | None,
) -> AsyncIterator[BotRig]:
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, graph_token_source=tokens
    ) as rig:
        yield rig


async def _readyz(bot: BotRig) -> dict[str, Any]:
    async with bot.http.get(f"{bot.url}/readyz") as response:
        body: dict[str, Any] = await response.json()
        body["http_status"] = response.status
        return body


async def test_missing_grant_write_turns_off_approve_and_the_grant_reads_of_the_diagnosis(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    roles = [role for role in EVERYTHING if role != "DelegatedPermissionGrant.ReadWrite.All"]
    caplog.set_level(logging.INFO, logger="consent_desk.permissions")
    tokens = roles_token(sandbox.url, roles)
    async with bot_with_tokens(sandbox, tmp_path, clock, tokens) as bot:
        off_lines = [
            record.getMessage()
            for record in caplog.records
            if record.name == "consent_desk.permissions" and " is off" in record.getMessage()
        ]
        # The documented reads of grants need Directory.Read.All or the grant write.
        assert off_lines == [
            "permission self-check: approve is off, missing Graph application permission "
            "DelegatedPermissionGrant.ReadWrite.All",
            "permission self-check: diagnosis is off, missing Graph application permission "
            "Directory.Read.All",
        ]

        readiness = await _readyz(bot)
        assert readiness["http_status"] == 200  # reported, not fatal
        assert readiness["features_off"] == [
            {"feature": "approve", "missing": ["DelegatedPermissionGrant.ReadWrite.All"]},
            {"feature": "diagnosis", "missing": ["Directory.Read.All"]},
        ]

        # The other features keep working: a request still becomes a reviewer card.
        await bot.post_activity(channel_message("review here", connector.url))
        sandbox.tenant.create_request("OneCal", "adelev@example.com", "Sync my work calendar")
        await bot.tick()
        cards = [call for call in connector.posts() if call.path == "/v3/conversations"]
        assert len(cards) == 1
        assert "OneCal" in json.dumps(cards[0].body)


async def test_everything_granted_reports_nothing_off(
    sandbox: SandboxHandle, clock: ManualClock, tmp_path: Path
) -> None:
    async with bot_with_tokens(
        sandbox, tmp_path, clock, roles_token(sandbox.url, list(EVERYTHING))
    ) as bot:
        assert (await _readyz(bot))["features_off"] == []


async def test_sandbox_local_token_is_not_checked(
    sandbox: SandboxHandle, clock: ManualClock, tmp_path: Path
) -> None:
    async with bot_with_tokens(sandbox, tmp_path, clock, None) as bot:
        readiness = await _readyz(bot)
        assert readiness["http_status"] == 200
        assert "features_off" not in readiness
