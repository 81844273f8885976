"""Proactive help's words and permissions: the commands, the optional Graph permissions kept out
of the least-privilege set, the self-check line, and settings that cannot contradict each other."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from bot.admin.command_table import Command, Who, parse_command, rest_of, spec_of
from bot.admin.permission_check import check_graph_permissions
from bot.admin.permissions import (
    OPTIONAL_FEATURES,
    FeatureOff,
    features_off,
    least_privilege,
    optional_features_off,
    permission_table,
)
from bot.infra.graph_auth import FixedTokenProvider
from config.settings import Settings
from tests.permission_sets import EVERYTHING

SIGN_IN_LOG = ("AuditLog.Read.All", "Directory.Read.All")


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("stop", Command.STOP_OUTREACH),
        ("Stop.", Command.STOP_OUTREACH),
        ("arrête", Command.STOP_OUTREACH),
        ("停止", Command.STOP_OUTREACH),
        ("start", Command.START_OUTREACH),
        ("reprendre", Command.START_OUTREACH),
        ("stop here", Command.STOP_HERE),
        ("stop reviews for meganb@example.com", Command.STOP_REVIEWS_FOR),
        ("proactive help", Command.PROACTIVE_HELP),
        ("Proactive help exclude Zeliq CRM", Command.PROACTIVE_HELP),
    ],
)
def test_stop_start_and_proactive_help_read_as_their_commands(text: str, command: Command) -> None:
    assert parse_command(text) is command


def test_anyone_may_say_stop_and_only_admins_switch_help() -> None:
    assert spec_of(Command.STOP_OUTREACH).who is Who.ANYONE
    assert spec_of(Command.START_OUTREACH).who is Who.ANYONE
    assert spec_of(Command.PROACTIVE_HELP).who is Who.ADMINS
    assert rest_of("proactive help exclude  Zeliq  CRM", Command.PROACTIVE_HELP) == (
        "exclude Zeliq CRM"
    )


def test_the_sign_in_log_permissions_stay_out_of_least_privilege() -> None:
    for mode in (False, True):
        assert "AuditLog.Read.All" not in least_privilege(delegated_approvals=mode)
    assert "Directory.Read.All" not in least_privilege(delegated_approvals=False)
    assert features_off(EVERYTHING) == []
    assert optional_features_off(EVERYTHING) == [FeatureOff("proactive help", SIGN_IN_LOG)]
    assert optional_features_off([*EVERYTHING, *SIGN_IN_LOG]) == []
    # Delegated mode already grants Directory.Read.All for the diagnosis.
    delegated = least_privilege(delegated_approvals=True)
    assert optional_features_off(delegated) == [
        FeatureOff("proactive help", ("AuditLog.Read.All",))
    ]


def test_the_readme_table_lists_them_as_optional_with_their_documentation() -> None:
    table = permission_table().splitlines()
    [feature] = OPTIONAL_FEATURES
    for need in feature.requirements:
        [row] = [line for line in table if line.startswith(f"| `{need.name}` | application, **opt")]
        assert "proactive help" in row
        assert "(https://learn.microsoft.com/graph/api/signin-list)" in row


def _roles_token(roles: list[str]) -> FixedTokenProvider:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    token = f"{part({'typ': 'JWT'})}.{part({'roles': roles})}.unsigned"
    return FixedTokenProvider("http://127.0.0.1:9", token)


async def test_the_self_check_names_what_proactive_help_would_miss_without_turning_it_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="consent_desk.permissions")
    off = await check_graph_permissions(
        _roles_token(list(EVERYTHING)), "http://127.0.0.1:9", required=True
    )
    assert off == []
    lines = [r.getMessage() for r in caplog.records if "proactive help" in r.getMessage()]
    assert lines == [
        "permission self-check: proactive help (optional, off until an admin switches it on) "
        "would not work, missing Graph application permission AuditLog.Read.All and "
        "Directory.Read.All"
    ]
    caplog.clear()
    await check_graph_permissions(
        _roles_token([*EVERYTHING, *SIGN_IN_LOG]), "http://127.0.0.1:9", required=True
    )
    assert not [r for r in caplog.records if "proactive help" in r.getMessage()]


def test_the_period_cannot_outlast_what_is_remembered() -> None:
    with pytest.raises(ValueError, match="PROACTIVE_HELP_PERIOD_DAYS=40 is longer"):
        Settings(_env_file=None, proactive_help_period_days=40)  # type: ignore[call-arg]
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.sign_in_log_poll_seconds, settings.sign_in_retention_days) == (300, 30)
    assert settings.proactive_help_period_days == 7
