"""The permission self-check runs beside the start: ``/healthz`` never waits for its token.

In production the self-check waits on Entra for a token. The bot starts
serving meanwhile; ``/readyz`` says not ready (``permission_self_check``) until
the check has reported, then answers as before with what it found.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import Any

import pytest
from kiota_abstractions.authentication import AccessTokenProvider, AllowedHostsValidator

from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.integration.botrig import BotRig, running_bot
from tests.permission_sets import EVERYTHING


class HeldToken(AccessTokenProvider):
    """An app-only-shaped token; the first caller (the self-check) waits until ``release``."""

    def __init__(self, graph_url: str, roles: list[str]) -> None:
        def part(value: dict[str, Any]) -> str:
            return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

        self._token = f"{part({'typ': 'JWT'})}.{part({'roles': roles})}.unsigned"
        self._validator = AllowedHostsValidator([])
        self._released = asyncio.Event()
        self.asked = 0

    def release(self) -> None:
        self._released.set()

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        self.asked += 1
        if self.asked == 1:
            await self._released.wait()
        return self._token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._validator


async def _get(bot: BotRig, path: str) -> tuple[int, dict[str, Any]]:
    async with bot.http.get(f"{bot.url}{path}") as response:
        body: dict[str, Any] = await response.json()
        return response.status, body


async def test_the_bot_serves_while_the_self_check_waits_for_its_token(
    sandbox: SandboxHandle,
    clock: ManualClock,
    tmp_path: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="consent_desk.permissions")
    roles = [role for role in EVERYTHING if role != "DelegatedPermissionGrant.ReadWrite.All"]
    tokens = HeldToken(sandbox.url, roles)
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, graph_token_source=tokens
    ) as bot:
        assert await _get(bot, "/healthz") == (200, {"status": "ok"})
        status, waiting = await _get(bot, "/readyz")
        assert status == 503
        assert waiting["checks"] == {"store": True, "graph": True, "permission_self_check": False}
        assert "features_off" not in waiting
        assert not [r for r in caplog.records if r.name == "consent_desk.permissions"]

        tokens.release()
        for _ in range(100):
            status, ready = await _get(bot, "/readyz")
            if status == 200:
                break
            await asyncio.sleep(0.01)
        assert status == 200
        assert ready["checks"] == {"store": True, "graph": True}
        assert {item["feature"] for item in ready["features_off"]} == {"approve", "diagnosis"}
        assert any(" is off" in r.getMessage() for r in caplog.records)


async def test_a_local_token_is_checked_before_the_start_ends(
    sandbox: SandboxHandle, clock: ManualClock, tmp_path: Any
) -> None:
    """No token to wait for: the report is there as soon as the bot serves, as it always was."""
    tokens = HeldToken(sandbox.url, list(EVERYTHING))
    tokens.release()
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, graph_token_source=tokens
    ) as bot:
        status, ready = await _get(bot, "/readyz")
        assert status == 200
        assert ready["features_off"] == []
