"""Command parsing and where a conversation is, read from real activity shapes."""

from __future__ import annotations

import pytest
from microsoft_agents.activity import Activity

from bot.admin.command_table import Command, parse_command
from bot.hosting.activity_reading import destination_spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("review here", Command.REVIEW_HERE),
        ("  Review   HERE. ", Command.REVIEW_HERE),
        ("help", Command.HELP),
        ("?", Command.HELP),
        ("Hello!", Command.HELP),
        ("", Command.UNKNOWN),
        (None, Command.UNKNOWN),
        ("review there", Command.UNKNOWN),
    ],
)
def test_parse_command(text: str | None, expected: Command) -> None:
    assert parse_command(text) is expected


def test_channel_destination_uses_the_channel_not_the_thread() -> None:
    activity = Activity.model_validate(
        {
            "type": "message",
            "serviceUrl": "http://127.0.0.1:1/",
            "conversation": {"id": "19:c@thread.tacv2;messageid=7", "conversationType": "channel"},
            "channelData": {
                "channel": {"id": "19:c@thread.tacv2"},
                "team": {"id": "19:t@thread.tacv2", "name": "My Team"},
                "tenant": {"id": "tenant-1"},
            },
        }
    )
    spec = destination_spec(activity)
    assert spec is not None
    assert (spec.kind, spec.conversation_id, spec.channel_id) == (
        "channel",
        "19:c@thread.tacv2",
        "19:c@thread.tacv2",
    )
    assert spec.name == "My Team / 19:c@thread.tacv2"  # no name given: the id, never a guess
    assert spec.tenant_id == "tenant-1"


def test_personal_and_group_chats() -> None:
    personal = Activity.model_validate(
        {
            "type": "message",
            "serviceUrl": "http://127.0.0.1:1/",
            "from": {"id": "29:a", "name": "Megan Bowen"},
            "conversation": {"id": "a:1", "conversationType": "personal"},
        }
    )
    group = Activity.model_validate(
        {
            "type": "message",
            "serviceUrl": "http://127.0.0.1:1/",
            "conversation": {
                "id": "19:g@thread.v2",
                "conversationType": "groupChat",
                "name": "Ops",
            },
        }
    )
    personal_spec, group_spec = destination_spec(personal), destination_spec(group)
    assert personal_spec is not None
    assert group_spec is not None
    assert (personal_spec.kind, personal_spec.name) == ("personal", "Chat with Megan Bowen")
    assert (group_spec.kind, group_spec.name, group_spec.channel_id) == ("chat", "Ops", None)


def test_activity_without_service_url_has_no_destination() -> None:
    activity = Activity.model_validate({"type": "message", "conversation": {"id": "x"}})
    assert destination_spec(activity) is None


def test_general_channel_is_recognised_by_the_team_id() -> None:
    activity = Activity.model_validate(
        {
            "type": "message",
            "serviceUrl": "http://127.0.0.1:1/",
            "conversation": {"id": "19:t@thread.tacv2;messageid=1", "conversationType": "channel"},
            "channelData": {
                "channel": {"id": "19:t@thread.tacv2"},
                "team": {"id": "19:t@thread.tacv2"},
            },
        }
    )
    spec = destination_spec(activity)
    assert spec is not None
    assert spec.name == "General"
