"""Runs the real bot over HTTP against the sandbox tenant and the recording connector.

Scheduled jobs are off: tests call intake and delivery themselves and move a
manual clock, so nothing depends on timing.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from kiota_abstractions.authentication import AccessTokenProvider

from app import RUNTIME, Services, create_app
from config.settings import Settings
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector

GENERAL_CHANNEL = "19:general-channel@thread.tacv2"
TEAM_ID = "19:team-id@thread.tacv2"
ALEX = "00000000-0000-0000-0000-000000000020"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Answer:
    status: int
    text: str


@dataclass
class BotRig:
    url: str
    services: Services
    http: ClientSession

    async def post_activity(self, body: Any, *, raw: bytes | None = None) -> Answer:
        data = raw if raw is not None else json.dumps(body).encode()
        async with self.http.post(
            f"{self.url}/api/messages", data=data, headers={"Content-Type": "application/json"}
        ) as response:
            return Answer(response.status, await response.text())

    async def tick(self) -> None:
        """One intake poll, then deliver everything it queued."""
        await self.services.intake.run_once()
        await self.services.delivery.run_due()


def new_cards_in(connector: RecordingConnector, channel: str, app: str) -> int:
    """Reviewer cards for ``app`` started as new threads in ``channel``."""
    return sum(
        1
        for call in connector.posts()
        if call.path == "/v3/conversations"
        and call.body.get("channelData", {}).get("channel", {}).get("id") == channel
        and f"Admin consent request: {app}" in str(call.body)
    )


def channel_message(text: str, service_url: str, *, user: str = ALEX) -> dict[str, Any]:
    number = next(_ids)
    return {
        "type": "message",
        "id": f"msg-{number}",
        "text": f"<at>Consent Desk</at> {text}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": f"29:{user}", "name": "Alex Wilber", "aadObjectId": user},
        "recipient": {"id": "28:bot", "name": "Consent Desk"},
        "conversation": {
            "id": f"{GENERAL_CHANNEL};messageid={number}",
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": "00000000-0000-0000-0000-000000000001",
        },
        "entities": [
            {
                "type": "mention",
                "text": "<at>Consent Desk</at>",
                "mentioned": {"id": "28:bot", "name": "Consent Desk"},
            }
        ],
        "channelData": {
            "channel": {"id": GENERAL_CHANNEL, "name": "General"},
            "team": {"id": TEAM_ID, "name": "My Team"},
            "tenant": {"id": "00000000-0000-0000-0000-000000000001"},
        },
        "locale": "en-US",
    }


@asynccontextmanager
async def running_bot(
    *,
    graph_url: str,
    data_dir: Path,
    clock: ManualClock,
    graph_token_source: AccessTokenProvider | None = None,
    start_jobs: bool = False,
    **overrides: Any,
) -> AsyncIterator[BotRig]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        graph_base_url=graph_url,
        data_dir=data_dir,
        **{"poll_interval_seconds": 3600, **overrides},
    )
    app = create_app(
        settings, clock=clock, start_jobs=start_jobs, graph_token_source=graph_token_source
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with ClientSession() as http:
            yield BotRig(f"http://127.0.0.1:{port}", app[RUNTIME].require(), http)
    finally:
        await runner.cleanup()
