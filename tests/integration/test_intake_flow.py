"""The walking skeleton end to end over real HTTP: bot + sandbox tenant + recording connector."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import GENERAL_CHANNEL, channel_message, running_bot


def _texts(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def _card_posts(connector: RecordingConnector) -> list[dict[str, Any]]:
    """Cards posted as new top-level channel posts (not replies to commands)."""
    return [
        connector.card_of(call) for call in connector.posts() if call.path == "/v3/conversations"
    ]


async def _graph_calls(sandbox: SandboxHandle) -> int:
    async with ClientSession() as http, http.get(f"{sandbox.url}/_sandbox/calls") as response:
        body = await response.json()
    return int(body["total"])


async def _reset_calls(sandbox: SandboxHandle) -> None:
    async with ClientSession() as http, http.delete(f"{sandbox.url}/_sandbox/calls"):
        pass


async def test_review_here_then_request_posts_one_card(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        response = await bot.post_activity(channel_message("review here", connector.url))
        assert response.status in {200, 202}
        confirmation = connector.posts()[-1]
        assert "/activities" in confirmation.path  # replied in the thread of the command
        assert "General" in _texts(connector.card_of(confirmation))

        sandbox.tenant.create_request("OneCal", "adelev@example.com", "Sync my work calendar")
        await bot.tick()

        [card] = _card_posts(connector)
        text = _texts(card)
        assert "OneCal" in text
        assert "Calendars.ReadWrite" in text
        assert "Adele Vance" in text
        assert "Sync my work calendar" in text
        post = next(c for c in connector.posts() if c.path == "/v3/conversations")
        assert post.body["channelData"]["channel"]["id"] == GENERAL_CHANNEL

        # Two more requests; then nothing new: no more cards, and a poll costs one Graph call.
        sandbox.tenant.create_request("Zeliq", "pattif@example.com", "sequences")
        sandbox.tenant.create_request("Carerix", "lynner@example.com", "interviews")
        await bot.tick()
        assert len(_card_posts(connector)) == 3
        await _reset_calls(sandbox)
        await bot.tick()
        assert len(_card_posts(connector)) == 3
        assert await _graph_calls(sandbox) == 1


async def test_backlog_is_posted_when_a_destination_registers(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
    sandbox.tenant.create_request("Zeliq", "pattif@example.com", "sales sequences")
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.tick()
        assert _card_posts(connector) == []  # nowhere to post yet, but recorded
        await bot.post_activity(channel_message("review here", connector.url))
        await bot.services.delivery.run_due()
        names = sorted(
            "OneCal" if "OneCal" in _texts(c) else "Zeliq" for c in _card_posts(connector)
        )
        assert names == ["OneCal", "Zeliq"]


async def test_restart_neither_repeats_nor_loses_cards(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.post_activity(channel_message("review here", connector.url))
        sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
        await bot.tick()
    assert len(_card_posts(connector)) == 1

    # While the bot is down a second app is requested.
    sandbox.tenant.create_request("Carerix", "lynner@example.com", "interviews")
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.tick()
        await bot.tick()
    cards = _card_posts(connector)
    assert len(cards) == 2
    assert "Carerix" in _texts(cards[1])


async def test_portal_decision_and_expiry_edit_every_copy(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.post_activity(channel_message("review here", connector.url))
        approved = sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
        expired = sandbox.tenant.create_request("Zeliq", "pattif@example.com", "sales")
        await bot.tick()
        sandbox.tenant.complete_request(
            approved["appConsentRequestId"], approve=True, reviewer="alexw@example.com"
        )
        sandbox.tenant.expire_request(expired["appConsentRequestId"])
        await bot.tick()
        updates = connector.updates()
        assert len(updates) == 2
        edited = {_texts(connector.card_of(u)) for u in updates}
        assert any("OneCal" in t and "Entra portal" in t for t in edited)
        assert any("Zeliq" in t and "xpired" in t for t in edited)
        # Edits address the posted activities, never new posts.
        assert len(_card_posts(connector)) == 2
        # Each requester is told in a 1:1 chat opened for them through Graph.
        notices = [
            _texts(connector.card_of(c))
            for c in connector.posts()
            if c.path.startswith("/v3/conversations/") and GENERAL_CHANNEL not in c.path
        ]
        assert len(notices) == 2
        assert any("OneCal" in n and "approved" in n for n in notices)
        assert any("Zeliq" in n and "expired" in n for n in notices)
        await bot.tick()
        assert len(connector.updates()) == 2


async def test_throttled_connector_is_retried(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.post_activity(channel_message("review here", connector.url))
        sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
        connector.throttle_next = 2
        await bot.tick()  # throttled with Retry-After: 0, which still waits the 1 s floor
        assert _card_posts(connector) == []
        for _ in range(2):
            clock.advance(seconds=1)
            await bot.services.delivery.run_due()
        assert len(_card_posts(connector)) == 1
        assert connector.refusals == 2


async def test_malformed_requests_get_400_and_unknown_text_gets_help(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        assert (await bot.post_activity(None, raw=b"{not json")).status == 400
        assert (await bot.post_activity([1, 2])).status == 400
        assert (await bot.post_activity({"type": "message"})).status == 400
        assert (await bot.post_activity({"type": 5, "conversation": "x"})).status == 400
        response = await bot.post_activity(channel_message("what can you do", connector.url))
        assert response.status in {200, 202}
        help_card = connector.card_of(connector.posts()[-1])
        assert "review here" in _texts(help_card)


async def test_graph_throttling_is_honoured_and_nothing_is_lost(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.post_activity(channel_message("review here", connector.url))
        sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
        sandbox.tenant.set_faults(retry_after_seconds=0, fail_next=[429, 429])
        await bot.tick()
        assert len(_card_posts(connector)) == 1
        assert sandbox.tenant.faults.settings.fail_next == []


async def test_portal_denial_and_existing_unverified_app(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.post_activity(channel_message("review here", connector.url))
        created = sandbox.tenant.create_request(
            "Pipeline CRM Sidebar", "pattif@example.com", "CRM in Outlook"
        )
        await bot.tick()
        [card] = _card_posts(connector)
        text = _texts(card)
        assert "Pipeline CRM Sidebar" in text
        assert "Unverified publisher" in text
        assert "User.Read.All" in text

        sandbox.tenant.complete_request(created["appConsentRequestId"], approve=False)
        await bot.tick()
        [update] = connector.updates()
        assert "Denied in the Entra portal" in _texts(connector.card_of(update))


async def test_a_second_requester_updates_every_copy(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.post_activity(channel_message("review here", connector.url))
        sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
        await bot.tick()
        sandbox.tenant.create_request("OneCal", "lynner@example.com", "mon agenda")
        sandbox.tenant.calls.reset()
        report = await bot.services.intake.run_once()
        await bot.services.delivery.run_due()
        # The list carries its users' requests: the poll itself sees who joined, in one call.
        assert len(next(iter(report.joined.values()))) == 1
        assert sandbox.tenant.calls.total == 1
        [update] = connector.updates()
        text = _texts(connector.card_of(update))
        assert "Adele Vance" in text
        assert "Lynne Robbins" in text
        assert len(_card_posts(connector)) == 1
        await bot.services.intake.refresh_requesters()
        await bot.services.delivery.run_due()
        assert len(connector.updates()) == 1
