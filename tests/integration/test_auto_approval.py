"""Auto-approval over real HTTP: admins list apps in chat; intake approves what the list covers.

The bot, the sandbox tenant and the recording connector run as in production;
grants are read back from the sandbox, cards and notices from the connector,
the audit trail from the store.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.admin.command_table import parse_command
from bot.review.auto_approval import AUTO_APPROVAL_ACTOR
from bot.store import audit_trail, auto_approvals, decisions, requests
from domain.types import RequestStatus
from sandbox.seed_apps import (
    EXPENSES_APP_ID,
    MEETING_NOTES_APP_ID,
    ONECAL_APP_ID,
    SHAREPOINT_DOCS_APP_ID,
    ZELIQ_APP_ID,
)
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.hostile_text import as_read
from tests.integration.botrig import GENERAL_CHANNEL, BotRig, running_bot
from tests.integration.channel_chat import say
from tests.integration.diagnosis_rig import ADELE, ALEX, MEGAN

ONECAL_SCOPES = "Calendars.ReadWrite User.Read offline_access"


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        await say(rig, connector, "review here", ALEX)
        yield rig


async def settle(bot: BotRig) -> None:
    """Deliver, run the queued decisions' Graph work, deliver what that queued."""
    await bot.services.delivery.run_due()
    await bot.services.decision_worker.run_due()
    await bot.services.delivery.run_due()


def tenant_wide(sandbox: SandboxHandle, app_name: str) -> dict[str, set[str]]:
    """The app's tenant-wide grants: resource name -> scopes."""
    return {
        g["resourceDisplayName"]: set(g["scope"].split())
        for g in sandbox.tenant.grants()
        if g["consentType"] == "AllPrincipals" and g["clientDisplayName"] == app_name
    }


def text_of(card: dict[str, Any]) -> str:
    return as_read(json.dumps(card, ensure_ascii=False))


def channel_cards(connector: RecordingConnector) -> list[str]:
    """Every reviewer card posted to General or edited, as read, oldest first."""
    return [
        text_of(connector.card_of(c))
        for c in connector.calls
        if (c.method == "POST" and c.path == "/v3/conversations")
        or (c.method == "PUT" and GENERAL_CHANNEL in c.path)
    ]


def notices(connector: RecordingConnector) -> list[str]:
    return [
        text_of(connector.card_of(c))
        for c in connector.posts()
        if "/activities" in c.path and GENERAL_CHANNEL not in c.path
    ]


async def status_of(bot: BotRig, request_id: str) -> str | None:
    async with bot.services.sessions() as session:
        row = await requests.get_request(session, request_id)
        return row.status if row else None


async def ask(bot: BotRig, sandbox: SandboxHandle, app: str, user: str) -> str:
    created = sandbox.tenant.create_request(app, user, "I need it for work")
    report = await bot.services.intake.run_once()
    assert created["appConsentRequestId"] in report.new
    return str(created["appConsentRequestId"])


async def test_a_request_within_the_list_is_granted_without_a_click(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    answer = await say(
        bot,
        connector,
        f"auto approve {ONECAL_APP_ID} calendars.readwrite USER.READ Offline_Access",
        ALEX,
    )
    assert "Saved." in as_read(answer)
    assert ONECAL_APP_ID in answer
    worker = bot.services.decision_worker
    scheduler = AsyncIOScheduler(timezone="UTC")
    worker.scheduled.schedule(scheduler)  # the real pass: intake must wake it, its timer is 5 s
    scheduler.start()
    try:
        request_id = await ask(bot, sandbox, "OneCal", "adelev@example.com")
        for _ in range(60):  # 3 s, well under the worker's own timer
            if await status_of(bot, request_id) == RequestStatus.APPROVED:
                break
            await asyncio.sleep(0.05)
    finally:
        await worker.stop()
        scheduler.shutdown(wait=False)
    await bot.services.delivery.run_due()

    assert tenant_wide(sandbox, "OneCal") == {
        "Microsoft Graph": {"Calendars.ReadWrite", "User.Read", "offline_access"}
    }
    async with bot.services.sessions() as session:
        row = await requests.get_request(session, request_id)
        log = await audit_trail.audit_log(session, request_id)
    assert row is not None
    assert row.status == RequestStatus.APPROVED
    assert [(a.action, a.result, a.actor_id, a.actor_name) for a in log] == [
        ("auto_approve", "accepted", None, AUTO_APPROVAL_ACTOR),
        ("approve", "succeeded", None, AUTO_APPROVAL_ACTOR),
    ]
    assert log[0].app_id == ONECAL_APP_ID
    assert log[0].app_name == "OneCal"
    assert log[0].scopes == ["Calendars.ReadWrite", "User.Read", "offline_access"]
    assert log[0].detail == (
        "allow-list entry (chat): calendars.readwrite USER.READ Offline_Access"
    )
    posted, *edits = channel_cards(connector)
    record = (
        "Approved automatically: OneCal is on the auto-approval list for "
        "Calendars.ReadWrite, User.Read, offline_access."
    )
    assert record in posted
    assert f"Approved by {AUTO_APPROVAL_ACTOR} at " in posted  # the "Approving…" banner
    assert '"verb": "approve"' not in posted  # nothing left for a reviewer to click
    assert record in edits[-1]
    assert f"Approved by {AUTO_APPROVAL_ACTOR}" in edits[-1]
    [notice] = notices(connector)
    assert "OneCal" in notice
    # The list now knows the app's name.
    listed = await say(bot, connector, "auto approvals", MEGAN)
    assert '"title": "OneCal"' in listed.replace("'", '"')


async def test_one_scope_beyond_the_list_goes_to_reviewers_and_the_card_says_which(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    allowed = "Mail.ReadWrite Calendars.ReadWrite Contacts.Read User.Read offline_access"
    await say(bot, connector, f"auto approve {ZELIQ_APP_ID} {allowed}", ALEX)
    request_id = await ask(bot, sandbox, "Zeliq", "pattif@example.com")
    await settle(bot)

    assert tenant_wide(sandbox, "Zeliq") == {}
    [posted] = channel_cards(connector)
    assert "Not auto-approved: Mail.Send is not on the allow-list for this app." in posted
    assert '"verb": "approve"' in posted  # reviewers decide as usual
    async with bot.services.sessions() as session:
        row = await requests.get_request(session, request_id)
        [entry] = await audit_trail.audit_log(session, request_id)
        assert await decisions.latest_decision(session, request_id) is None
    assert row is not None
    assert row.status == RequestStatus.PENDING
    assert (entry.action, entry.result, entry.actor_name) == (
        "auto_approve",
        "refused",
        AUTO_APPROVAL_ACTOR,
    )
    assert entry.detail is not None
    assert entry.detail.startswith("not on the allow-list: Mail.Send")
    assert notices(connector) == []


async def test_with_an_empty_list_nothing_is_auto_approved(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    listed = await say(bot, connector, "auto approvals", ALEX)
    assert "No app is on the list" in listed
    request_id = await ask(bot, sandbox, "OneCal", "adelev@example.com")
    await settle(bot)

    assert tenant_wide(sandbox, "OneCal") == {}
    [posted] = channel_cards(connector)
    assert "auto-approval" not in posted
    assert '"verb": "approve"' in posted
    async with bot.services.sessions() as session:
        row = await requests.get_request(session, request_id)
        assert await audit_trail.audit_log(session, request_id) == []
    assert row is not None
    assert row.status == RequestStatus.PENDING


async def test_a_blocked_app_or_an_unresolvable_scope_is_never_auto_approved(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    await say(
        bot, connector, f"auto approve {EXPENSES_APP_ID} User.Read Files.Read offline_access", ALEX
    )
    notes = "User.Read Calendars.Read Meetings.Summarize offline_access"
    await say(bot, connector, f"auto approve {MEETING_NOTES_APP_ID} {notes}", ALEX)
    sandbox.tenant.create_request("Northwind Expenses", "adelev@example.com", "receipts")
    sp = sandbox.tenant.apps.sp_for_app(EXPENSES_APP_ID)
    assert sp is not None
    sp.account_enabled = False  # an admin blocks the app before the next poll
    sandbox.tenant.create_request("Tailspin Meeting Notes", "adelev@example.com", "notes")
    report = await bot.services.intake.run_once()
    await settle(bot)

    assert len(report.new) == 2
    assert report.auto_approved == []
    assert tenant_wide(sandbox, "Northwind Expenses") == {}
    assert tenant_wide(sandbox, "Tailspin Meeting Notes") == {}
    posted = "\n".join(channel_cards(connector))
    assert (
        "Not auto-approved: Northwind Expenses is on the auto-approval list, "
        "but it is blocked in your tenant."
    ) in posted
    assert "Not auto-approved: Meetings.Summarize cannot be matched to exactly one API" in posted


async def test_scopes_of_another_api_are_resolved_like_a_reviewers_approval(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    scopes = "AllSites.Read MyFiles.Read User.Read offline_access"
    await say(bot, connector, f"auto approve {SHAREPOINT_DOCS_APP_ID} {scopes}", ALEX)
    await ask(bot, sandbox, "Fabrikam Docs for SharePoint", "adelev@example.com")
    await settle(bot)

    grants = tenant_wide(sandbox, "Fabrikam Docs for SharePoint")
    assert grants["Microsoft Graph"] == {"User.Read", "offline_access"}
    [sharepoint] = [scopes for name, scopes in grants.items() if "SharePoint" in name]
    assert sharepoint == {"AllSites.Read", "MyFiles.Read"}


async def test_admins_add_replace_list_and_remove_entries_and_each_change_is_audited(
    bot: BotRig, connector: RecordingConnector
) -> None:
    added = await say(bot, connector, f"auto approve {ONECAL_APP_ID} User.Read", ALEX)
    assert "User.Read" in added
    replaced = await say(
        bot, connector, f"Auto-approve {ONECAL_APP_ID.upper()} {ONECAL_SCOPES}", MEGAN
    )
    assert "Calendars.ReadWrite" in replaced
    listed = await say(bot, connector, "auto approvals", ALEX)
    assert "Calendars.ReadWrite" in listed
    async with bot.services.sessions() as session:
        [entry] = await auto_approvals.entries(session)
    assert (entry.app_id, entry.max_scopes, entry.origin) == (
        ONECAL_APP_ID,
        ONECAL_SCOPES.split(),
        "chat",
    )
    assert entry.created_by == MEGAN.id

    removed = await say(bot, connector, f"remove auto approval {ONECAL_APP_ID}", ALEX)
    assert "its requests go to reviewers again" in removed
    assert "No app is on the list" in removed
    again = await say(bot, connector, f"remove auto approval {ONECAL_APP_ID}", ALEX)
    assert "is not on the auto-approval list" in again
    async with bot.services.sessions() as session:
        assert await auto_approvals.entries(session) == []
        log = [
            (a.action, a.actor_name, a.app_id, a.scopes)
            for a in await audit_trail.audit_log(session)
            if "auto_approval" in a.action
        ]
    assert log == [
        ("add_auto_approval", "Alex Wilber", ONECAL_APP_ID, ["User.Read"]),
        ("add_auto_approval", "Megan Bowen", ONECAL_APP_ID, ONECAL_SCOPES.split()),
        ("remove_auto_approval", "Alex Wilber", ONECAL_APP_ID, ONECAL_SCOPES.split()),
    ]


@pytest.mark.parametrize(
    "command",
    [
        f"auto approve {ONECAL_APP_ID} {ONECAL_SCOPES}",
        "auto approvals",
        f"remove auto approval {ONECAL_APP_ID}",
    ],
)
async def test_non_admins_cannot_see_or_change_the_list(
    command: str, bot: BotRig, connector: RecordingConnector
) -> None:
    await say(bot, connector, f"auto approve {ONECAL_APP_ID} User.Read", ALEX)
    answer = await say(bot, connector, command, ADELE)
    assert answer.startswith("Only admins can do that")
    async with bot.services.sessions() as session:
        [entry] = await auto_approvals.entries(session)
        [refusal] = [a for a in await audit_trail.audit_log(session) if a.result == "refused"]
    assert entry.max_scopes == ["User.Read"]
    assert (refusal.actor_name, refusal.action) == (
        "Adele Vance",
        f"command:{parse_command(command).value}",
    )


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("auto approve", "Say auto approve, then the app id"),
        ("auto approve OneCal Calendars.ReadWrite", "OneCal is not an app id"),
        (f"auto approve {ONECAL_APP_ID}", "list the permissions"),
        (f"auto approve {ONECAL_APP_ID} Calendars.* User.Read", "not permission names: Calendars."),
        (
            f"auto approve {ONECAL_APP_ID} " + " ".join(f"Scope{n}.Read" for n in range(51)),
            "at most 50 permissions",
        ),
        ("remove auto approval", "Say remove auto approval, then the app id"),
        ("remove auto approval OneCal", "OneCal is not an app id"),
    ],
)
async def test_bad_input_saves_nothing_and_says_why(
    command: str, expected: str, bot: BotRig, connector: RecordingConnector
) -> None:
    answer = as_read(await say(bot, connector, command, ALEX))
    assert "Nothing changed" in answer
    assert expected in answer
    async with bot.services.sessions() as session:
        assert await auto_approvals.entries(session) == []
        assert [a for a in await audit_trail.audit_log(session) if "auto" in a.action] == []
