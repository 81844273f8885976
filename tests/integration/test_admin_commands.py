"""Admin commands in chat over real HTTP: only admins, and what each one changes.

Alex is a Global Administrator and Megan a Cloud Application Administrator in
the sandbox tenant; Adele and Isaiah hold no admin role. Every refused command
is audited and changes nothing; the audit trail exports as CSV.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from bot.__main__ import main as bot_cli
from bot.admin.command_table import Who, commands_for, parse_command
from bot.store import audit_trail, destinations
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import (
    GENERAL_CHANNEL,
    BotRig,
    channel_message,
    new_cards_in,
    running_bot,
)
from tests.integration.channel_chat import replies_since, say
from tests.integration.diagnosis_rig import ADELE, ALEX, MEGAN, Person, card_click

ISAIAH = Person("00000000-0000-0000-0000-000000000023", "Isaiah Langer", "isaiah@example.com")
ADMIN_COMMANDS = (
    "review here",
    "escalate here",
    "destinations",
    "rename Triage",
    "stop here",
    "audit",
    "review by meganb@example.com",
    "stop reviews for meganb@example.com",
    "route high risk here",
    "rules",
    "remove rule 1",
    "high risk scopes Mail.*",
    "auto approve 6a1b2c3d-0000-4000-8000-000000000001 User.Read",
    "auto approvals",
    "remove auto approval 6a1b2c3d-0000-4000-8000-000000000001",
    "failed messages",
    "proactive help on",
    "blocked apps 30",
)
"""One way of typing each admin-only command (the test below checks none is missing)."""


def test_every_admin_command_is_tried_by_non_admins() -> None:
    assert {parse_command(text) for text in ADMIN_COMMANDS} == commands_for(Who.ADMINS)


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        yield rig


@pytest.mark.parametrize("who", [ADELE, ISAIAH], ids=["no role", "reviewer group"])
@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_non_admins_change_and_see_nothing(
    command: str, who: Person, bot: BotRig, connector: RecordingConnector
) -> None:
    await say(bot, connector, "review here", ALEX)
    answer = await say(bot, connector, command, who)
    assert answer.startswith("Only admins can do that")
    async with bot.services.sessions() as session:
        [row] = await destinations.all_active(session)
        log = await audit_trail.audit_log(session)
    assert (row.name, row.role) == ("My Team / General", "review")
    assert [(a.action, a.result, a.actor_name) for a in log] == [
        (
            f"command:{parse_command(command).value}",
            "refused",
            who.name,
        )
    ]


async def test_admins_list_rename_and_stop_a_destination(
    bot: BotRig, connector: RecordingConnector
) -> None:
    await say(bot, connector, "review here", ALEX)
    listed = await say(bot, connector, "destinations", MEGAN)
    assert "My Team / General" in listed
    assert "reviewer cards (channel)" in listed
    renamed = await say(bot, connector, "rename  App Triage ", ALEX)
    assert "This destination is now called App Triage." in renamed
    too_long = await say(bot, connector, "rename " + "x" * 81, ALEX)
    assert "at most 80 characters" in too_long
    stopped = await say(bot, connector, "stop here", MEGAN)
    assert "App Triage no longer gets reviewer cards" in stopped
    again = await say(bot, connector, "stop here", MEGAN)
    assert "not a review destination" in again
    async with bot.services.sessions() as session:
        assert await destinations.all_active(session) == []
        log = [(a.action, a.detail) for a in await audit_trail.audit_log(session)]
    assert ("rename_destination", "My Team / General -> App Triage") in log
    assert ("remove_destination", "App Triage") in log


async def test_audit_in_chat_and_as_csv(
    bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await say(bot, connector, "review here", ALEX)
    created = sandbox.tenant.create_request("Carerix", ADELE.upn, "Interviews in my calendar")
    await bot.tick()
    request_id = created["appConsentRequestId"]
    deny = card_click(
        "deny",
        {"request_id": request_id, "reason": '=HYPERLINK("x") use the HR tool'},
        connector.url,
        ALEX,
    )
    assert (await bot.post_activity(deny)).status == 200
    refused = card_click("approve", {"request_id": request_id}, connector.url, ADELE)
    assert (await bot.post_activity(refused)).status == 200

    in_chat = await say(bot, connector, "audit", MEGAN)
    assert "Alex Wilber" in in_chat
    assert "deny" in in_chat

    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    for name in ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    out = io.StringIO()
    with redirect_stdout(out):
        assert await asyncio.to_thread(bot_cli, ["audit", "export"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == [
        "time",
        "actor",
        "actor_id",
        "action",
        "app",
        "app_id",
        "scopes",
        "reason",
        "result",
        "detail",
        "request_id",
    ]
    denial = next(r for r in rows if r["action"] == "deny")
    assert denial["actor"] == "Alex Wilber"
    assert denial["app"] == "Carerix"
    assert denial["result"] == "succeeded"
    assert "Calendars.ReadWrite.Shared" in denial["scopes"]
    assert denial["reason"].startswith("'=HYPERLINK")  # a spreadsheet will not run it
    assert any(r["actor"] == "Adele Vance" and r["result"] == "refused" for r in rows)
    written = tmp_path / "audit.csv"
    export = ["audit", "export", "--out", str(written), "--since", "2026-11-23"]
    assert await asyncio.to_thread(bot_cli, export) == 0
    assert written.read_text().count("\n") == len(rows) + 1


APP_REVIEWS = "19:app-reviews@thread.tacv2"


async def say_in_app_reviews(bot: BotRig, connector: RecordingConnector, text: str) -> str:
    body = channel_message(text, connector.url, user=ALEX.id)
    body["conversation"]["id"] = f"{APP_REVIEWS};messageid=7"
    body["channelData"]["channel"] = {"id": APP_REVIEWS, "name": "App Reviews"}
    before = len(connector.calls)
    answer = await bot.post_activity(body)
    assert answer.status in (200, 202), answer.text
    return replies_since(connector, before)


async def test_a_rule_set_in_chat_sends_the_next_high_risk_request_there(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    await say(bot, connector, "review here", ALEX)
    await say_in_app_reviews(bot, connector, "review here")
    added = await say_in_app_reviews(bot, connector, "route high risk here")
    assert "Rule added." in added
    await say(bot, connector, "route everything else here", ALEX)
    rules = await say(bot, connector, "rules", MEGAN)
    assert "high-risk requests go to My Team / App Reviews" in rules
    assert "everything else goes to My Team / General" in rules

    sandbox.tenant.create_request("Zeliq", ADELE.upn, "Sequences")  # Mail.Send: high risk
    sandbox.tenant.create_request("OneCal", ADELE.upn, "Calendar sync")
    await bot.tick()
    assert new_cards_in(connector, APP_REVIEWS, "Zeliq") == 1
    assert new_cards_in(connector, APP_REVIEWS, "OneCal") == 0
    assert new_cards_in(connector, GENERAL_CHANNEL, "OneCal") == 1
    assert new_cards_in(connector, GENERAL_CHANNEL, "Zeliq") == 0

    invalid = await say(bot, connector, "high risk scopes Mail.Send ../etc", ALEX)
    assert "not permission names" in invalid
    changed = await say(bot, connector, "high risk scopes Calendars.*", ALEX)
    assert "Calendars.*" in changed or "Calendars." in changed
    removed = await say(bot, connector, "remove rule 1", ALEX)
    assert "high-risk requests go to" not in removed
    assert "as rules lists them" in await say(bot, connector, "remove rule 9", ALEX)
    async with bot.services.sessions() as session:
        log = [a.action for a in await audit_trail.audit_log(session) if a.result == "succeeded"]
    assert log.count("add_rule") == 2
    assert "remove_rule" in log
    assert "set_high_risk" in log


async def test_named_people_get_cards_in_their_own_chat_and_may_decide_there(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    await say(bot, connector, "review here", ALEX)
    answer = await say(bot, connector, "review by meganb@example.com, nobody@example.com", ALEX)
    assert "Megan Bowen now gets reviewer cards" in answer
    assert 'could not find "nobody@example.com"' in answer
    async with bot.services.sessions() as session:
        [general, megan] = await destinations.all_active(session)
    assert (megan.kind, megan.name, megan.person_id) == ("personal", "Megan Bowen", MEGAN.id)
    assert megan.reviewers == [MEGAN.id]

    sandbox.tenant.create_request("OneCal", ADELE.upn, "Calendar sync")
    await bot.tick()
    to_megan = [
        call
        for call in connector.posts()
        if megan.conversation_id in call.path and "Admin consent request: OneCal" in str(call.body)
    ]
    assert len(to_megan) == 1
    assert new_cards_in(connector, GENERAL_CHANNEL, "OneCal") == 1

    stopped = await say(bot, connector, "stop reviews for meganb@example.com", ALEX)
    assert "Megan Bowen" in stopped
    async with bot.services.sessions() as session:
        assert [d.name for d in await destinations.all_active(session)] == [general.name]
        log = [(a.action, a.result) for a in await audit_trail.audit_log(session)]
    assert ("add_person_destination", "succeeded") in log
    assert ("remove_destination", "succeeded") in log
