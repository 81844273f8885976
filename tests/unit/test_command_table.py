"""The command table: each phrase means one command, each command has one handler."""

from __future__ import annotations

import pytest

from bot.admin.admin_chat import AdminChat
from bot.admin.command_table import (
    TABLE,
    Command,
    Who,
    arguments,
    commands_for,
    parse_command,
    rest_of,
)


def test_every_command_but_unknown_is_in_the_table_once() -> None:
    listed = [spec.command for spec in TABLE]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(Command) - {Command.UNKNOWN}


def test_no_phrase_means_two_commands_and_each_phrase_reads_as_its_own() -> None:
    phrases = [phrase for spec in TABLE for phrase in spec.phrases]
    assert len(phrases) == len(set(phrases))
    for spec in TABLE:
        for phrase in spec.phrases:
            assert parse_command(phrase) is spec.command, phrase


def test_every_admin_command_has_exactly_one_handler() -> None:
    chat = object.__new__(AdminChat)  # the table of bound methods needs no services
    assert set(chat.handlers()) == commands_for(Who.ADMINS)


def test_who_may_run_each_command_is_said_once() -> None:
    sides = [commands_for(who) for who in Who]
    assert sum(len(side) for side in sides) == len(TABLE)
    assert commands_for(Who.PANEL) == {
        Command.ENABLE_REQUESTS,
        Command.CONNECTED_APPS,
        Command.SETTINGS,
    }


@pytest.mark.parametrize(
    ("text", "command", "words"),
    [
        ("rename  Finance   reviews", Command.RENAME, ["Finance", "reviews"]),
        (
            "high-risk scopes Mail.* Files.ReadWrite.All",
            Command.HIGH_RISK,
            ["Mail.*", "Files.ReadWrite.All"],
        ),
        ("high risk scopes Mail.*", Command.HIGH_RISK, ["Mail.*"]),
        ("Auto-approve 1c2d x.Read", Command.AUTO_APPROVE, ["1c2d", "x.Read"]),
        ("remove rule 2", Command.REMOVE_RULE, ["2"]),
        ("review by", Command.REVIEW_BY, []),
    ],
)
def test_arguments_are_what_follows_the_commands_own_words(
    text: str, command: Command, words: list[str]
) -> None:
    assert parse_command(text) is command
    assert arguments(text, command) == words


def test_the_rest_keeps_what_was_typed() -> None:
    assert rest_of("stop reviews for Megan Bowen", Command.STOP_REVIEWS_FOR) == "Megan Bowen"
    assert rest_of("audit", Command.AUDIT) == ""
