"""The settings form of a conversation, over /api/messages: save all or nothing, admins only.

Alex (Global Administrator) opens "settings" in the team's second channel,
makes it the destination for high-risk requests with its own reviewer, and
the next high-risk request lands there while the rest stay in General.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.store import audit_trail, destinations
from bot.store import routing as routing_store
from cards.settings import (
    APPROVALS_INPUT_ID,
    NAME_INPUT_ID,
    REVIEWERS_INPUT_ID,
    ROLE_INPUT_ID,
    ROUTE_INPUT_ID,
)
from cards.verbs import SETTINGS_SAVE
from sandbox.server import SandboxHandle
from tests.card_checks import by_id, shown_texts, validate_card
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import (
    GENERAL_CHANNEL,
    TEAM_ID,
    BotRig,
    channel_message,
    new_cards_in,
    running_bot,
)
from tests.integration.diagnosis_rig import ADELE, ALEX, Person, card_click

APP_REVIEWS = "19:app-reviews@thread.tacv2"
ISAIAH_ID = "00000000-0000-0000-0000-000000000023"


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        yield rig


def in_app_reviews(body: dict[str, Any]) -> dict[str, Any]:
    body["conversation"] = {
        "id": f"{APP_REVIEWS};messageid=7",
        "conversationType": "channel",
        "isGroup": True,
        "tenantId": "00000000-0000-0000-0000-000000000001",
    }
    body["channelData"] = {
        "channel": {"id": APP_REVIEWS, "name": "App Reviews"},
        "team": {"id": TEAM_ID, "name": "My Team"},
        "tenant": {"id": "00000000-0000-0000-0000-000000000001"},
    }
    return body


async def open_form(bot: BotRig, connector: RecordingConnector, who: Person) -> dict[str, Any]:
    before = len(connector.calls)
    body = in_app_reviews(channel_message("settings", connector.url, user=who.id))
    body["from"]["name"] = who.name
    assert (await bot.post_activity(body)).status in (200, 202)
    [reply] = [c for c in connector.calls[before:] if c.method == "POST"]
    card: dict[str, Any] = reply.body["attachments"][0]["content"]
    validate_card(card)
    return card


async def save(bot: BotRig, connector: RecordingConnector, who: Person, **fields: str) -> Any:
    data = {
        ROLE_INPUT_ID: "review",
        NAME_INPUT_ID: "App reviews",
        ROUTE_INPUT_ID: "high_risk",
        APPROVALS_INPUT_ID: "1",
        REVIEWERS_INPUT_ID: "isaiah@example.com",
    }
    data.update(fields)
    answer = await bot.post_activity(
        in_app_reviews(card_click(SETTINGS_SAVE, data, connector.url, who))
    )
    assert answer.status == 200, answer.text
    card = json.loads(answer.text)["value"]
    validate_card(card)
    return card


async def test_alex_makes_the_second_channel_the_high_risk_destination(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    general = channel_message("review here", connector.url)
    assert (await bot.post_activity(general)).status in (200, 202)
    form = await open_form(bot, connector, ALEX)
    assert by_id(form, ROLE_INPUT_ID)["value"] == "off"  # not a destination yet

    saved = await save(
        bot, connector, ALEX, reminder_timezone="Asia/Tokyo", reminder_every_hours="4"
    )

    assert by_id(saved, "settings-saved-title")
    facts = dict((f["title"], f["value"]) for f in by_id(saved, "settings-saved")["facts"])
    assert "Isaiah Langer" in " ".join(facts.values())
    async with bot.services.sessions() as session:
        row = await destinations.find_by_conversation(session, APP_REVIEWS)
        assert row is not None
        assert (row.name, row.role, row.reviewers) == ("App reviews", "review", [ISAIAH_ID])
        assert row.reminder_settings == {"timezone": "Asia/Tokyo", "every_hours": 4.0}
        [rule] = await routing_store.rules(session)
        assert (rule.kind.value, rule.destination_id) == ("high_risk", row.id)

    sandbox.tenant.create_request("Zeliq", ADELE.upn, "Sequences")  # Mail.Send: high risk
    sandbox.tenant.create_request("OneCal", ADELE.upn, "Calendar sync")
    await bot.tick()
    assert new_cards_in(connector, APP_REVIEWS, "Zeliq") == 1
    assert new_cards_in(connector, APP_REVIEWS, "OneCal") == 0
    assert new_cards_in(connector, GENERAL_CHANNEL, "OneCal") == 1
    assert new_cards_in(connector, GENERAL_CHANNEL, "Zeliq") == 0

    again = await open_form(bot, connector, ALEX)  # the form shows what is saved
    assert by_id(again, ROUTE_INPUT_ID)["value"] == "high_risk"
    assert by_id(again, REVIEWERS_INPUT_ID)["value"] == "Isaiah Langer"
    assert by_id(again, "reminder_timezone")["value"] == "Asia/Tokyo"

    off = await save(bot, connector, ALEX, **{ROLE_INPUT_ID: "off"})
    assert by_id(off, "settings-saved-title")
    async with bot.services.sessions() as session:
        assert [d.name for d in await destinations.all_active(session)] == ["My Team / General"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({NAME_INPUT_ID: ""}, NAME_INPUT_ID),
        ({NAME_INPUT_ID: "x" * 81}, NAME_INPUT_ID),
        ({ROLE_INPUT_ID: "owner"}, ROLE_INPUT_ID),
        ({ROUTE_INPUT_ID: "everything"}, ROUTE_INPUT_ID),
        ({APPROVALS_INPUT_ID: "9"}, APPROVALS_INPUT_ID),
        ({APPROVALS_INPUT_ID: "2", ROUTE_INPUT_ID: "all"}, APPROVALS_INPUT_ID),
        ({ROLE_INPUT_ID: "escalation"}, ROUTE_INPUT_ID),
        ({REVIEWERS_INPUT_ID: "nobody@example.com, Consent Reviewers"}, REVIEWERS_INPUT_ID),
        ({"reminder_timezone": "Mars/Olympus_Mons"}, "reminder_timezone"),
        ({"reminder_every_hours": "-4"}, "reminder_every_hours"),
        ({"reminder_escalation_destination_id": "999"}, "reminder_escalation_destination_id"),
    ],
)
async def test_a_bad_field_saves_nothing_and_is_named(
    fields: dict[str, str], field: str, bot: BotRig, connector: RecordingConnector
) -> None:
    card = await save(bot, connector, ALEX, **fields)

    assert by_id(card, "settings-not-saved")
    assert by_id(card, f"error-{field}")
    for input_id, typed in fields.items():  # what was typed comes back
        if by_id(card, input_id)["type"] == "Input.Text":
            assert by_id(card, input_id)["value"][:60] == typed[:60]
    async with bot.services.sessions() as session:
        assert await destinations.find_by_conversation(session, APP_REVIEWS) is None
        assert await routing_store.rules(session) == []
        [entry] = await audit_trail.audit_log(session)
    assert (entry.action, entry.result) == ("settings", "invalid")


async def test_adele_neither_sees_nor_saves_the_form(
    bot: BotRig, connector: RecordingConnector
) -> None:
    form = await open_form(bot, connector, ADELE)
    assert "Only admins can do that" in "\n".join(shown_texts(form))
    refused = await save(bot, connector, ADELE)
    assert "Only admins can do that" in "\n".join(shown_texts(refused))
    async with bot.services.sessions() as session:
        assert await destinations.find_by_conversation(session, APP_REVIEWS) is None
        log = await audit_trail.audit_log(session)
    assert [(e.actor_name, e.action, e.result) for e in log] == [
        ("Adele Vance", "settings", "refused"),
        ("Adele Vance", "settings", "refused"),
    ]
