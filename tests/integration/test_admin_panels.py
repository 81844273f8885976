"""The workflow switch and connected-apps panels, driven through /api/messages like Teams does.

The services have their own suites; these tests prove the bot reaches them: the
chat command opens the panel, the card's buttons come back as invokes, the
change lands in the sandbox tenant and non-admins are refused.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cards.verbs import CONNECTED_APPS_BLOCK, CONNECTED_APPS_BLOCK_CONFIRM, ENABLE_REQUESTS_CONFIRM
from cards.workflow_switch import (
    DURATION_INPUT_ID,
    GROUPS_INPUT_ID,
    NOTIFY_INPUT_ID,
    REMINDERS_INPUT_ID,
    ROLES_INPUT_ID,
    USERS_INPUT_ID,
)
from sandbox.seed_apps import PIPELINE_APP_ID
from sandbox.server import SandboxHandle
from tests.card_checks import by_id, shown_texts, validate_card
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot
from tests.integration.diagnosis_rig import ADELE, ALEX, Person, card_click


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        yield rig


async def click(bot: BotRig, body: dict[str, Any]) -> dict[str, Any]:
    answer = await bot.post_activity(body)
    assert answer.status == 200, answer.text
    invoke = json.loads(answer.text)
    assert invoke["statusCode"] == 200, invoke
    card: dict[str, Any] = invoke["value"]
    validate_card(card)
    return card


async def panel(
    bot: BotRig, connector: RecordingConnector, text: str, who: Person
) -> dict[str, Any]:
    """Type ``text`` in General as ``who``; return the one card the bot answered with."""
    before = len(connector.calls)
    body = channel_message(text, connector.url, user=who.id)
    body["from"]["name"] = who.name
    assert (await bot.post_activity(body)).status in (200, 202)
    [reply] = [c for c in connector.calls[before:] if c.method == "POST"]
    card: dict[str, Any] = reply.body["attachments"][0]["content"]
    validate_card(card)
    return card


def texts(card: dict[str, Any]) -> str:
    return "\n".join(shown_texts(card))


async def test_alex_switches_requests_on_from_chat(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    sandbox.tenant.policies.request_policy.is_enabled = False
    form = await panel(bot, connector, "requests on", ALEX)
    assert by_id(form, "workflow-current")
    confirm = by_id(form, "workflow-confirm")
    assert confirm["verb"] == ENABLE_REQUESTS_CONFIRM

    data = {
        USERS_INPUT_ID: "meganb@example.com",
        GROUPS_INPUT_ID: "Consent Reviewers",
        ROLES_INPUT_ID: "",
        DURATION_INPUT_ID: "30",
        NOTIFY_INPUT_ID: "true",
        REMINDERS_INPUT_ID: "true",
    }
    saved = await click(bot, card_click(ENABLE_REQUESTS_CONFIRM, data, connector.url, ALEX))

    assert by_id(saved, "workflow-saved")
    policy = sandbox.tenant.policies.request_policy.to_json()
    assert policy["isEnabled"] is True
    assert policy["requestDurationInDays"] == 30
    assert len(policy["reviewers"]) == 2


async def test_adele_gets_refusals_from_both_panels_and_nothing_changes(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    sandbox.tenant.policies.request_policy.is_enabled = False
    refused = await panel(bot, connector, "enable requests", ADELE)
    assert "workflow-confirm" not in json.dumps(refused)
    forged = await click(
        bot, card_click(ENABLE_REQUESTS_CONFIRM, {DURATION_INPUT_ID: "30"}, connector.url, ADELE)
    )
    assert "workflow-saved" not in json.dumps(forged)
    assert sandbox.tenant.policies.request_policy.to_json()["isEnabled"] is False

    listing = await panel(bot, connector, "connected apps", ADELE)
    assert "Pipeline CRM Sidebar" not in json.dumps(listing)
    blocked = await click(
        bot,
        card_click(
            CONNECTED_APPS_BLOCK_CONFIRM,
            {"app_id": PIPELINE_APP_ID, "page": "0"},
            connector.url,
            ADELE,
        ),
    )
    assert "Pipeline CRM Sidebar" not in json.dumps(blocked)
    assert enabled(sandbox, PIPELINE_APP_ID) is True


async def test_alex_lists_connected_apps_and_blocks_one_after_confirming(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    listing = await panel(bot, connector, "applications connectées", ALEX)
    assert "Pipeline CRM Sidebar" in texts(listing)

    data = {"app_id": PIPELINE_APP_ID, "page": "0"}
    confirmation = await click(bot, card_click(CONNECTED_APPS_BLOCK, data, connector.url, ALEX))
    assert by_id(confirmation, "connected-confirm")["verb"] == CONNECTED_APPS_BLOCK_CONFIRM
    assert enabled(sandbox, PIPELINE_APP_ID) is True

    after = await click(bot, card_click(CONNECTED_APPS_BLOCK_CONFIRM, data, connector.url, ALEX))
    assert by_id(after, "connected-notice")["style"] == "good"
    assert enabled(sandbox, PIPELINE_APP_ID) is False


def enabled(sandbox: SandboxHandle, app_id: str) -> bool:
    principal = sandbox.tenant.apps.sp_for_app(app_id)
    assert principal is not None
    return principal.account_enabled
