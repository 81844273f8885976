"""Help, "did not understand" and destination-registered cards."""

from __future__ import annotations

from typing import Any

import pytest

from cards.help import (
    ADMIN_COMMAND_KEYS,
    COMMAND_ESCALATE_HERE,
    COMMAND_HELP,
    COMMAND_REVIEW_HERE,
    COMMAND_STOP_START,
    build_destination_registered_card,
    build_help_card,
)
from domain.i18n import Messages
from tests.card_checks import by_id, elements, shown_texts
from tests.unit.card_samples import EN


def commands(card: dict[str, Any]) -> dict[str, str]:
    return {fact["title"]: fact["value"] for fact in by_id(card, "help-commands")["facts"]}


def test_channel_help_lists_working_commands_and_says_to_mention() -> None:
    card = build_help_card(EN, in_channel=True)
    assert commands(card) == {
        COMMAND_REVIEW_HERE: "Post reviewer cards in this channel.",
        COMMAND_ESCALATE_HERE: "Post requests nobody decided in time here, as an escalation.",
        "why can't I connect (app name)": (
            "Explain why you can't connect an app, and what to do next. Also works with the "
            "app's ID, the sign-in link or the error text."
        ),
        COMMAND_HELP: "Show this list.",
    }
    admin = {f["title"] for f in by_id(card, "help-admin-commands")["facts"]}
    assert {"requests on", "connected apps", "audit", "destinations"} <= admin
    assert "mention me first" in by_id(card, "help-mention")["text"]
    assert card["fallbackText"] == "What I can do"
    assert not [e for e in elements(card) if str(e.get("type", "")).startswith("Action.")]


def test_chat_help_needs_no_mention() -> None:
    card = build_help_card(EN, in_channel=False)
    assert commands(card)[COMMAND_REVIEW_HERE] == "Post reviewer cards in this chat."
    assert all(e.get("id") != "help-mention" for e in elements(card))


@pytest.mark.parametrize("in_channel", [True, False])
def test_not_understood_leads_to_help(in_channel: bool) -> None:
    lead = EN.t("help.not_understood")
    card = build_help_card(EN, in_channel=in_channel, lead=lead)
    assert card["body"][0]["id"] == "help-lead"
    assert card["body"][0]["text"] == "Sorry, I did not understand that. Here is what I can do:"
    assert card["fallbackText"] == lead
    assert commands(card) == commands(build_help_card(EN, in_channel=in_channel))
    assert all(e.get("id") != "help-lead" for e in elements(build_help_card(EN, in_channel)))


@pytest.mark.parametrize(
    ("backlog", "line"),
    [
        (0, "No pending requests right now. New ones will appear here as they arrive."),
        (1, "Posting 1 pending request now."),
        (12, "Posting 12 pending requests now."),
    ],
)
def test_registered_card_confirms_destination_and_backlog(backlog: int, line: str) -> None:
    card = build_destination_registered_card(EN, "Consent reviews", backlog)
    assert by_id(card, "registered-title")["text"] == "Reviewer cards will be posted here"
    assert by_id(card, "registered-destination")["text"] == "Destination: Consent reviews"
    assert by_id(card, "registered-backlog")["text"] == line


def test_registered_card_without_a_destination_name() -> None:
    card = build_destination_registered_card(EN, " \n", 3)
    assert all(e.get("id") != "registered-destination" for e in elements(card))


@pytest.mark.parametrize("locale", ["fr-FR", "ja-JP"])
def test_help_cards_are_translated(locale: str) -> None:
    messages = Messages.for_locale(locale)
    english = set(shown_texts(build_help_card(EN, in_channel=True)))
    translated = set(shown_texts(build_help_card(messages, in_channel=True)))
    # Only the command words themselves are shared: they are syntax, not prose.
    commands = {COMMAND_REVIEW_HERE, COMMAND_ESCALATE_HERE, COMMAND_HELP, COMMAND_STOP_START}
    commands |= {command for command, _key in ADMIN_COMMAND_KEYS}
    assert english & translated == commands
    registered = build_destination_registered_card(messages, "Revues", 2)
    assert by_id(registered, "registered-backlog")["text"] != "Posting 2 pending requests now."
    assert registered["lang"] == messages.language
