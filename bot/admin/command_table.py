"""Every chat command in one table: the words that call it and who may run it.

A message is read once (``read_command``): the table says which command it is,
what was typed after the command's own words, and who may run it. Handlers
live with the side that owns the change (``AdminChat`` binds one per admin
command; the panels and the diagnosis answer theirs), and a test checks that
every command of the table has exactly one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Command(StrEnum):
    REVIEW_HERE = "review here"
    ESCALATE_HERE = "escalate here"
    DESTINATIONS = "destinations"
    RENAME = "rename"
    STOP_HERE = "stop here"
    AUDIT = "audit"
    ROUTE = "route"
    RULES = "rules"
    REMOVE_RULE = "remove rule"
    HIGH_RISK = "high risk scopes"
    ENABLE_REQUESTS = "requests on"
    CONNECTED_APPS = "connected apps"
    SETTINGS = "settings"
    REVIEW_BY = "review by"
    STOP_REVIEWS_FOR = "stop reviews for"
    AUTO_APPROVE = "auto approve"
    AUTO_APPROVALS = "auto approvals"
    REMOVE_AUTO_APPROVAL = "remove auto approval"
    FAILED_MESSAGES = "failed messages"
    BLOCKED_APPS = "blocked apps"
    PROACTIVE_HELP = "proactive help"
    STOP_OUTREACH = "stop"
    START_OUTREACH = "start"
    HELP = "help"
    UNKNOWN = "unknown"


class Who(StrEnum):
    """Who may run a command, and so who checks."""

    ANYONE = "anyone"
    ADMINS = "admins"
    """Checked before the handler runs; a refusal is audited."""
    PANEL = "panel"
    """Anyone may ask for the panel; its service checks the sender and audits itself."""


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: the phrases that are it, or the pattern of a command with arguments."""

    command: Command
    who: Who
    phrases: tuple[str, ...] = ()
    """Whole messages (lower case, spaces tidied, a final "." or "!" dropped)."""
    pattern: re.Pattern[str] | None = None
    """For commands with arguments: matches the start; its ``rest`` group holds the arguments."""


def _args(head: str) -> re.Pattern[str]:
    return re.compile(rf"^{head}(?:\s+(?P<rest>.*))?$", re.IGNORECASE | re.DOTALL)


TABLE: Final = (
    CommandSpec(Command.REVIEW_HERE, Who.ADMINS, ("review here", "review in here")),
    CommandSpec(Command.ESCALATE_HERE, Who.ADMINS, ("escalate here",)),
    CommandSpec(Command.DESTINATIONS, Who.ADMINS, ("destinations", "where do reviews go")),
    CommandSpec(Command.RENAME, Who.ADMINS, pattern=_args("rename")),
    CommandSpec(Command.STOP_HERE, Who.ADMINS, ("stop here", "stop reviewing here", "remove here")),
    CommandSpec(Command.AUDIT, Who.ADMINS, ("audit", "audit trail")),
    CommandSpec(Command.ROUTE, Who.ADMINS, pattern=re.compile(r"^route .*\bhere\b", re.I)),
    CommandSpec(Command.RULES, Who.ADMINS, ("rules",)),
    CommandSpec(Command.REMOVE_RULE, Who.ADMINS, pattern=_args("remove rule")),
    CommandSpec(Command.HIGH_RISK, Who.ADMINS, pattern=_args("high[ -]risk scopes")),
    CommandSpec(
        Command.ENABLE_REQUESTS,
        Who.PANEL,
        (
            "requests on",
            "switch requests on",
            "turn requests on",
            "enable requests",
            "activer les demandes",
            "要求を有効にする",
        ),
    ),
    CommandSpec(
        Command.CONNECTED_APPS,
        Who.PANEL,
        (
            "connected apps",
            "connected applications",
            "applications connectées",
            "applications connectees",
            "接続済みアプリ",
        ),
    ),
    CommandSpec(
        Command.SETTINGS, Who.PANEL, ("settings", "configure", "paramètres", "parametres", "設定")
    ),
    CommandSpec(Command.REVIEW_BY, Who.ADMINS, pattern=_args("review by")),
    CommandSpec(Command.STOP_REVIEWS_FOR, Who.ADMINS, pattern=_args("stop reviews for")),
    CommandSpec(Command.AUTO_APPROVE, Who.ADMINS, pattern=_args("auto[ -]?approve")),
    CommandSpec(
        Command.AUTO_APPROVALS,
        Who.ADMINS,
        ("auto approvals", "auto-approvals", "auto approval list"),
    ),
    CommandSpec(
        Command.REMOVE_AUTO_APPROVAL, Who.ADMINS, pattern=_args("remove auto[ -]?approval")
    ),
    CommandSpec(
        Command.FAILED_MESSAGES,
        Who.ADMINS,
        ("failed messages", "failed sends", "messages échoués", "messages echoues", "送信失敗"),
    ),
    CommandSpec(
        Command.BLOCKED_APPS,
        Who.ADMINS,
        pattern=_args(
            "(?:blocked apps|blocked applications|applications bloqu[ée]es"
            "|ブロックされたアプリ|接続できなかったアプリ)"
        ),
    ),
    CommandSpec(Command.PROACTIVE_HELP, Who.ADMINS, pattern=_args("proactive help")),
    # Anyone may refuse, or accept again, the messages proactive help sends unasked.
    CommandSpec(
        Command.STOP_OUTREACH,
        Who.ANYONE,
        ("stop", "stop messages", "unsubscribe", "arrête", "arrete", "arrêter", "停止"),
    ),
    CommandSpec(
        Command.START_OUTREACH,
        Who.ANYONE,
        ("start", "start messages", "démarrer", "demarrer", "reprendre", "開始"),
    ),
    # A greeting is a fine way to start: answer with what the bot does, not "not understood".
    CommandSpec(
        Command.HELP,
        Who.ANYONE,
        ("help", "?", "hi", "hello", "hey", "bonjour", "salut", "こんにちは"),
    ),
)

_SPECS: Final = {spec.command: spec for spec in TABLE}
_PHRASES: Final = {phrase: spec.command for spec in TABLE for phrase in spec.phrases}
_WITH_ARGUMENTS: Final = tuple(spec for spec in TABLE if spec.pattern is not None)
_UNKNOWN: Final = CommandSpec(Command.UNKNOWN, Who.ANYONE)


def commands_for(who: Who) -> frozenset[Command]:
    """The commands ``who`` governs, e.g. every command only admins may run."""
    return frozenset(spec.command for spec in TABLE if spec.who is who)


def spec_of(command: Command) -> CommandSpec:
    return _SPECS.get(command, _UNKNOWN)


def normalised(text: str | None) -> str:
    """The message as commands are matched: lower case, spaces tidied, no final "." or "!"."""
    return re.sub(r"\s+", " ", (text or "").strip().lower()).rstrip(".!")


def parse_command(text: str | None) -> Command:
    """Map what the user typed (mention already removed) to a command."""
    typed = normalised(text)
    for spec in _WITH_ARGUMENTS:
        assert spec.pattern is not None
        if spec.pattern.search(typed):
            return spec.command
    return _PHRASES.get(typed, Command.UNKNOWN)


def rest_of(text: str | None, command: Command) -> str:
    """What was typed after the command's own words, as typed (spaces tidied)."""
    pattern = spec_of(command).pattern
    tidy = re.sub(r"\s+", " ", (text or "").strip())
    match = pattern.match(tidy) if pattern is not None else None
    return (match.groupdict().get("rest") or "").strip() if match else ""


def arguments(text: str | None, command: Command) -> list[str]:
    """The words after a command's own words, as typed."""
    return rest_of(text, command).split()
