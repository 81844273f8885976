"""Every line a turn logs carries one request id, and the caller gets it back."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.infra.logging_setup import log_handler
from bot.infra.request_context import REQUEST_ID_HEADER
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, running_bot
from tests.integration.diagnosis_rig import LYNNE, personal_message
from tests.settings import settings_of


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = log_handler(settings_of(log_format="json"), stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


async def _post(bot: BotRig, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, str]:
    async with bot.http.post(f"{bot.url}/api/messages", json=body, headers=headers) as response:
        return response.status, response.headers.get(REQUEST_ID_HEADER, "")


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_a_turn_logs_and_returns_the_incoming_request_id(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
    json_log: io.StringIO,
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        json_log.truncate(0)
        json_log.seek(0)
        status, returned = await _post(
            bot, personal_message("help", connector.url, LYNNE, "en-US"), {"x-request-id": "turn-7"}
        )
        assert status in {200, 202}
        assert returned == "turn-7"
        lines = _lines(json_log)
        assert {"time", "level", "logger", "message", "request_id"} <= set(lines[0])
        turn_ids = {line["request_id"] for line in lines if line["request_id"] is not None}
        assert turn_ids == {"turn-7"}
        assert sum(line["request_id"] == "turn-7" for line in lines) >= 2


async def test_ms_cv_is_used_else_an_id_is_made(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        message = personal_message("help", connector.url, LYNNE, "en-US")
        _, from_teams = await _post(bot, message, {"MS-CV": "hCbuvYQ0lkmHv1SxRBrkdA.1.2"})
        assert from_teams == "hCbuvYQ0lkmHv1SxRBrkdA.1.2"
        _, made = await _post(bot, message, {"x-request-id": "bad id <script>" + "x" * 200})
        assert re.fullmatch(r"[0-9a-f]{32}", made)
        async with bot.http.get(f"{bot.url}/healthz") as response:
            assert re.fullmatch(r"[0-9a-f]{32}", response.headers[REQUEST_ID_HEADER])
