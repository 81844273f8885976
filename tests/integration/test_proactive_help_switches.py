"""Proactive help's switches and limits: off reads nothing, a missing permission or licence turns
the feature off without breaking anything else, admins see and change it in chat, replicas write
to a person once, and what is kept is forgotten after the retention.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.store import audit_trail
from bot.store.tables import OutreachRow, SignInAttemptRow
from sandbox.seed_apps import ZELIQ_APP_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, running_bot
from tests.integration.channel_chat import say
from tests.integration.diagnosis_rig import ADELE, ALEX, LYNNE, MEGAN, ask
from tests.integration.empty_database import ENGINES, fresh_database
from tests.integration.proactive_help_rig import (
    blocked_sign_in,
    grant_sign_in_log,
    help_cards,
    helping_bot,
    run_pass,
    switched_on,
)

__all__ = ["helping_bot"]  # fixture


def sign_in_log_reads(sandbox: SandboxHandle) -> int:
    routes = sandbox.tenant.calls.snapshot()["routes"]
    return sum(count for route, count in routes.items() if "auditLogs/signIns" in route)


def outreach_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "bot.outreach.job" and r.levelno == logging.WARNING
    ]


async def test_switched_off_nothing_is_read_from_graph_and_nothing_sent(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    grant_sign_in_log(sandbox)
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        blocked_sign_in(sandbox, "Zeliq", ADELE, "need_admin_approval")
        sandbox.tenant.calls.reset()
        report = await bot.services.proactive_help.run_once()
        assert report.state == "off"
        assert sandbox.tenant.calls.total == 0

        await switched_on(bot, connector)
        off = await say(bot, connector, "proactive help off", MEGAN)
        assert "Proactive help is off" in off
        sandbox.tenant.calls.reset()
        await run_pass(bot)
        assert sandbox.tenant.calls.total == 0
    assert help_cards(connector, ADELE) == []


@pytest.mark.parametrize(
    ("granted", "licence", "shown"),
    [
        (frozenset(), True, "permission"),  # the README's table only: no AuditLog.Read.All
        (frozenset({"AuditLog.Read.All"}), True, "licence"),  # Graph checks through Directory
        (frozenset({"AuditLog.Read.All", "Directory.Read.All"}), False, "licence"),
    ],
    ids=["no AuditLog.Read.All", "no Directory.Read.All", "no P1/P2 licence"],
)
async def test_an_unreadable_log_turns_the_feature_off_says_why_once_and_breaks_nothing(
    granted: frozenset[str],
    licence: bool,
    shown: str,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox.tenant.set_bot_permissions(sandbox.tenant.bot_permissions | granted)
    sandbox.tenant.sign_in_log.configure(premium_licence=licence)
    caplog.set_level(logging.INFO, logger="bot.outreach.job")
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        answer = await switched_on(bot, connector)
        assert "cannot read the sign-in log yet" in answer
        assert f"proactive-help-log-{shown}" in answer
        status = await say(bot, connector, "proactive help", ALEX)
        assert f"proactive-help-log-{shown}" in status

        blocked_sign_in(sandbox, "Zeliq", ADELE, "approval_required")
        for _ in range(3):
            report = await run_pass(bot)
            assert report.state == shown
            clock.advance(minutes=5)
        [warning] = outreach_warnings(caplog)
        assert "proactive help is off" in warning
        assert ("AuditLog.Read.All" if shown == "permission" else "P1/P2") in warning
        assert help_cards(connector, ADELE) == []

        # Everything else works: a request becomes a reviewer card, a question an answer.
        sandbox.tenant.create_request("Zeliq", ADELE.upn, "Sequences from my mailbox")
        await bot.tick()
        cards = [c for c in connector.posts() if c.path == "/v3/conversations"]
        assert any("Admin consent request: Zeliq" in str(c.body) for c in cards)
        answered = await ask(bot, connector, "why can't I connect Zeliq?", ADELE)
        assert answered.next_step == "wait"


async def test_the_licence_coming_back_turns_help_on_again(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    grant_sign_in_log(sandbox)
    sandbox.tenant.sign_in_log.configure(premium_licence=False)
    caplog.set_level(logging.INFO, logger="bot.outreach.job")
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await switched_on(bot, connector)
        blocked_sign_in(sandbox, "OneCal", LYNNE, "approval_required")
        assert (await run_pass(bot)).state == "licence"
        sandbox.tenant.sign_in_log.configure(premium_licence=True)
        clock.advance(minutes=5)
        report = await run_pass(bot)
    assert (report.state, report.offered) == ("reading", 1)
    assert len(help_cards(connector, LYNNE)) == 1
    assert any("reading the sign-in log" in r.getMessage() for r in caplog.records)


async def test_admins_see_the_state_and_exclude_and_include_apps_by_name(
    helping_bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    blocked_sign_in(sandbox, "Zeliq", ADELE, "need_admin_approval")
    await run_pass(helping_bot)

    status = await say(helping_bot, connector, "proactive help", MEGAN)
    assert "proactive-help-on" in status
    assert "proactive-help-log-readable" in status
    assert "At most one per person and app every 7 days" in status
    assert "1 message" in status
    excluded = await say(helping_bot, connector, "proactive help exclude  zeliq", ALEX)
    assert "Nobody will be messaged about Zeliq" in excluded
    assert f"Zeliq ({ZELIQ_APP_ID})" in excluded
    again = await say(helping_bot, connector, "proactive help exclude Zeliq", ALEX)
    assert "Zeliq was already excluded" in again
    unknown = await say(helping_bot, connector, "proactive help exclude Nothing Such", ALEX)
    assert "I know no app called Nothing Such" in unknown
    included = await say(helping_bot, connector, f"proactive help include {ZELIQ_APP_ID}", ALEX)
    assert "will be messaged again" in included
    assert "proactive-help-facts" in included
    usage = await say(helping_bot, connector, "proactive help sometimes", ALEX)
    assert "Say proactive help on" in usage

    async with helping_bot.services.sessions() as session:
        log = [(a.action, a.app_id, a.actor_name) for a in await audit_trail.audit_log(session)]
    assert ("proactive_help_on", None, "Alex Wilber") in log
    assert ("proactive_help_exclude", ZELIQ_APP_ID, "Alex Wilber") in log
    assert ("proactive_help_include", ZELIQ_APP_ID, "Alex Wilber") in log


@pytest.fixture(params=ENGINES)
async def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """One empty database for two replicas: a SQLite file, or a PostgreSQL database of its own."""
    async with fresh_database(request.param, tmp_path, "outreach") as url:
        yield url


async def test_two_replicas_offer_help_to_a_person_once(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
    shared_database: str,
) -> None:
    grant_sign_in_log(sandbox)
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    url, where = shared_database, tmp_path
    async with (
        running_bot(graph_url=sandbox.url, data_dir=where, clock=clock, database_url=url) as first,
        running_bot(graph_url=sandbox.url, data_dir=where, clock=clock, database_url=url) as second,
    ):
        await switched_on(first, connector)
        blocked_sign_in(sandbox, "Zeliq", ADELE, "need_admin_approval")
        blocked_sign_in(sandbox, "Zeliq", LYNNE, "need_admin_approval")
        reports = await asyncio.gather(
            first.services.proactive_help.run_once(), second.services.proactive_help.run_once()
        )
        await asyncio.gather(first.services.delivery.run_due(), second.services.delivery.run_due())
    assert sum(report.offered for report in reports) == 2
    assert len(help_cards(connector, ADELE)) == 1
    assert len(help_cards(connector, LYNNE)) == 1


async def test_what_is_kept_is_forgotten_after_the_retention(
    helping_bot: BotRig, sandbox: SandboxHandle, clock: ManualClock
) -> None:
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    blocked_sign_in(sandbox, "Zeliq", ADELE, "need_admin_approval")
    await run_pass(helping_bot)
    clock.advance(days=31)
    report = await run_pass(helping_bot)
    assert report.forgotten == 1
    async with helping_bot.services.sessions() as session:
        attempts = await session.scalar(select(func.count()).select_from(SignInAttemptRow))
        offers = await session.scalar(select(func.count()).select_from(OutreachRow))
    assert (attempts, offers) == (0, 0)


async def test_the_pass_runs_on_the_bots_own_schedule(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    grant_sign_in_log(sandbox)
    sandbox.tenant.set_consent_settings(requests_enabled=False)
    async with running_bot(
        graph_url=sandbox.url,
        data_dir=tmp_path,
        clock=clock,
        start_jobs=True,
        sign_in_log_poll_seconds=0.5,
        delivery_interval_seconds=3600,  # only the outbox bell can wake delivery in time
    ) as bot:
        await switched_on(bot, connector)
        blocked_sign_in(sandbox, "Zeliq", ADELE, "need_admin_approval")
        for _ in range(300):  # 30 s: far above the interval, far below a hung test
            if help_cards(connector, ADELE):
                break
            await asyncio.sleep(0.1)
    assert len(help_cards(connector, ADELE)) == 1
