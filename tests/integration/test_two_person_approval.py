"""Two-person approval and per-destination reviewers over real HTTP.

An admin says "route high risk here with 2 approvals"; Zeliq (Mail.Send is
high risk) then needs two distinct reviewers. Clicks are ``adaptiveCard/action``
invokes as Teams sends them, grants are read back from the sandbox tenant and
card edits from the recording connector. Megan Bowen (Cloud Application
Administrator) and Alex Wilber (Global Administrator) may approve; Isaiah
Langer (in the workflow's reviewer group, no role) may only deny; Adele Vance
and Lynne Robbins are nobody's reviewers until a destination names them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.store import audit_trail, destinations, requests
from bot.store.tables import ApprovalRow, DecisionRow
from sandbox.ids import stable_id
from sandbox.seed import LYNNE_ID
from sandbox.server import SandboxHandle
from sandbox.state.directory import Group
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import GENERAL_CHANNEL, BotRig, channel_message, running_bot
from tests.integration.decision_clicks import (
    ADELE,
    ALEX,
    ISAIAH,
    MEGAN,
    ask,
    click,
    notices,
    press,
    settle,
    tenant_wide,
    texts,
)

LYNNE = (LYNNE_ID, "Lynne Robbins")
APP_REVIEWS = "19:app-reviews@thread.tacv2"
ZELIQ_SCOPES = [
    "Calendars.ReadWrite",
    "Contacts.Read",
    "Mail.ReadWrite",
    "Mail.Send",
    "User.Read",
    "offline_access",
]
CHECK_GROUPS = "POST /users/{id}/checkMemberGroups"


async def say(
    bot: BotRig, connector: RecordingConnector, text: str, *, channel: str = GENERAL_CHANNEL
) -> str:
    """Post in a channel as Alex; return the bot's text replies."""
    body = channel_message(text, connector.url)
    if channel != GENERAL_CHANNEL:
        body["conversation"]["id"] = f"{channel};messageid=7"
        body["channelData"]["channel"] = {"id": channel, "name": "App Reviews"}
    before = len(connector.calls)
    answer = await bot.post_activity(body)
    assert answer.status in (200, 202), answer.text
    replies = [c.body.get("activity", c.body) for c in connector.calls[before:]]
    return "\n".join(str(r.get("text") or r.get("attachments", "")) for r in replies)


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        await say(rig, connector, "review here")
        added = await say(rig, connector, "route high risk here with 2 approvals")
        assert "need 2 approvals from different reviewers" in added
        yield rig


def last_edit(connector: RecordingConnector) -> str:
    return texts(connector.card_of(connector.updates()[-1]))


async def approvals_of(bot: BotRig, request_id: str) -> list[str]:
    async with bot.services.sessions() as session:
        rows = await session.scalars(
            select(ApprovalRow.actor_name)
            .where(ApprovalRow.request_id == request_id)
            .order_by(ApprovalRow.id)
        )
        return list(rows)


async def audit(bot: BotRig, request_id: str) -> list[tuple[str, str]]:
    async with bot.services.sessions() as session:
        return [(a.action, a.result) for a in await audit_trail.audit_log(session, request_id)]


async def test_two_distinct_reviewers_grant_and_every_copy_shows_the_count(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "Zeliq", "pattif@example.com", "sequences")
    async with bot.services.sessions() as session:
        row = await requests.get_request(session, request_id)
        assert row is not None
        assert row.approvals_required == 2
    [posted] = [c for c in connector.posts() if "Zeliq" in str(c.body)]
    assert "Needs 2 approvals from different reviewers" in texts(connector.card_of(posted))

    first = await press(bot, click("approve", request_id, MEGAN, connector.url))
    assert "Your approval is counted (1 of 2)" in first
    assert "1 of 2 approvals: Megan Bowen" in first
    await settle(bot)
    assert tenant_wide(sandbox, "Zeliq") == []  # one approval grants nothing
    edited = last_edit(connector)
    assert "1 of 2 approvals: Megan Bowen" in edited
    assert "Waiting for 1 more approval from another reviewer." in edited
    assert '"verb": "approve"' in edited  # still open for the second reviewer

    again = await press(bot, click("approve", request_id, MEGAN, connector.url))
    assert "You already approved this request" in again
    assert "Approvals still needed from other reviewers: 1." in again
    assert await approvals_of(bot, request_id) == ["Megan Bowen"]

    second = await press(bot, click("approve", request_id, ALEX, connector.url))
    assert "Approving" in second
    await settle(bot)
    [grant] = tenant_wide(sandbox, "Zeliq")
    assert sorted(grant["scope"].split()) == sorted(ZELIQ_SCOPES)
    edited = last_edit(connector)
    assert "Approved by Alex Wilber, " in edited
    assert "2 of 2 approvals: Megan Bowen, Alex Wilber" in edited
    assert '"Action.Execute"' not in edited
    [notice] = notices(connector)
    assert "Zeliq" in texts(notice)
    assert await audit(bot, request_id) == [
        ("approve", "counted"),
        ("approve", "refused"),
        ("approve", "accepted"),
        ("approve", "succeeded"),
    ]
    late = await press(bot, click("approve", request_id, MEGAN, connector.url))
    assert "Approved by" in late
    assert len(tenant_wide(sandbox, "Zeliq")) == 1


async def test_one_deny_after_an_approval_ends_the_request(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "Zeliq", "pattif@example.com", "sequences")
    await press(bot, click("approve", request_id, MEGAN, connector.url))
    denied = await press(
        bot, click("deny", request_id, ISAIAH, connector.url, reason="Mail access is too broad")
    )
    assert "Denied by Isaiah Langer" in denied
    late = await press(bot, click("approve", request_id, ALEX, connector.url))
    assert "Denied by Isaiah Langer" in late
    await settle(bot)
    assert tenant_wide(sandbox, "Zeliq") == []
    assert "Denied by Isaiah Langer" in last_edit(connector)
    [notice] = notices(connector)
    assert "Mail access is too broad" in texts(notice)
    assert await approvals_of(bot, request_id) == ["Megan Bowen"]


async def test_simultaneous_approvals_grant_once_and_count_both(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "Zeliq", "pattif@example.com", "sequences")
    answers = await asyncio.gather(
        press(bot, click("approve", request_id, MEGAN, connector.url)),
        press(bot, click("approve", request_id, ALEX, connector.url)),
    )
    assert sum("Your approval is counted (1 of 2)" in a for a in answers) == 1
    assert sum("Approving" in a for a in answers) == 1
    await settle(bot)
    await settle(bot)
    assert len(tenant_wide(sandbox, "Zeliq")) == 1
    assert sorted(await approvals_of(bot, request_id)) == ["Alex Wilber", "Megan Bowen"]
    async with bot.services.sessions() as session:
        made = await session.scalar(
            select(func.count())
            .select_from(DecisionRow)
            .where(DecisionRow.request_id == request_id)
        )
    assert made == 1
    assert sorted(await audit(bot, request_id)) == [
        ("approve", "accepted"),
        ("approve", "counted"),
        ("approve", "succeeded"),
    ]


async def test_the_same_reviewer_clicking_twice_at_once_counts_once(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "Zeliq", "pattif@example.com", "sequences")
    answers = await asyncio.gather(
        *(press(bot, click("approve", request_id, MEGAN, connector.url)) for _ in range(3))
    )
    assert sum("Your approval is counted (1 of 2)" in a for a in answers) == 1
    assert sum("You already approved this request" in a for a in answers) == 2
    assert await approvals_of(bot, request_id) == ["Megan Bowen"]
    await settle(bot)
    assert tenant_wide(sandbox, "Zeliq") == []


async def test_a_requester_never_counts_towards_their_own_request(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "Zeliq", "meganb@example.com", "sequences")
    seen = await press(bot, click("approve", request_id, MEGAN, connector.url))
    assert "You asked for this app yourself" in seen
    assert await approvals_of(bot, request_id) == []


async def test_low_risk_requests_still_need_one_approval(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "OneCal", "adelev@example.com", "calendar")
    seen = await press(bot, click("approve", request_id, ALEX, connector.url))
    assert "Approving" in seen
    assert "approvals from different reviewers" not in seen
    await settle(bot)
    assert len(tenant_wide(sandbox, "OneCal")) == 1


async def test_chat_syntax_for_the_number_of_approvals(
    bot: BotRig, connector: RecordingConnector
) -> None:
    for bad in ("with 7 approvals", "with 1 approval", "with many approvals"):
        refused = await say(bot, connector, f"route unverified here {bad}")
        assert "Two-person approval takes from 2 to 5 approvals" in refused
    assert "Rule added." in await say(bot, connector, "route verified here, two-person approval")
    assert "need 3 approvals" in await say(
        bot, connector, "route everything else here with 3 approvals"
    )
    plain = await say(bot, connector, "route unverified here")
    assert "Rule added." in plain
    assert "Requests it sends here need" not in plain
    rules = await say(bot, connector, "rules")
    assert "high-risk requests go to My Team / General (needs 2 approvals)" in rules
    assert "apps from verified publishers go to My Team / General (needs 2 approvals)" in rules
    assert "everything else goes to My Team / General (needs 3 approvals)" in rules
    assert "apps from unverified publishers go to My Team / General (needs" not in rules
    async with bot.services.sessions() as session:
        log = [a.detail for a in await audit_trail.audit_log(session) if a.action == "add_rule"]
    assert len(log) == 4
    assert log[0] == "high_risk -> My Team / General (2 approvals)"


async def set_reviewers(bot: BotRig, conversation_id: str, reviewers: list[str]) -> None:
    async with bot.services.sessions() as session:
        row = await destinations.find_by_conversation(session, conversation_id)
        assert row is not None
        row.reviewers = reviewers
        await session.commit()


async def test_a_reviewer_named_only_on_a_destination_may_deny_there(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "OneCal", "lynner@example.com", "agenda")
    refused = await press(bot, click("deny", request_id, ADELE, connector.url, reason="no"))
    assert "reviewer" in refused.lower()

    await set_reviewers(bot, GENERAL_CHANNEL, [ADELE[0]])
    sandbox.tenant.calls.reset()
    needs_role = await press(bot, click("approve", request_id, ADELE, connector.url))
    assert "Administrator" in needs_role
    # Named directly: no membership check at all.
    assert sandbox.tenant.calls.routes[CHECK_GROUPS] == 0
    denied = await press(
        bot, click("deny", request_id, ADELE, connector.url, reason="Use Outlook's calendar")
    )
    assert "Denied by Adele Vance" in denied
    await settle(bot)
    assert tenant_wide(sandbox, "OneCal") == []
    assert "Denied by Adele Vance" in last_edit(connector)


async def test_a_group_named_on_a_destination_counts_with_one_membership_check(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    owners = stable_id("group", "App Owners")
    sandbox.tenant.directory.groups[owners] = Group(
        owners, "App Owners", "People who own line-of-business apps.", "appowners", [LYNNE_ID]
    )
    request_id = await ask(bot, sandbox, "OneCal", "adelev@example.com", "calendar")
    await set_reviewers(bot, GENERAL_CHANNEL, [owners, ADELE[0]])
    sandbox.tenant.calls.reset()
    denied = await press(
        bot, click("deny", request_id, LYNNE, connector.url, reason="Pick the approved tool")
    )
    assert "Denied by Lynne Robbins" in denied
    # The workflow's group and the destination's ids in one checkMemberGroups call.
    assert sandbox.tenant.calls.routes[CHECK_GROUPS] == 1


async def test_destination_reviewers_decide_only_where_the_card_was_posted(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    await say(bot, connector, "route everything else here")
    await say(bot, connector, "review here", channel=APP_REVIEWS)
    await say(bot, connector, "route unverified here", channel=APP_REVIEWS)
    await set_reviewers(bot, APP_REVIEWS, [ADELE[0]])
    # OneCal's publisher is verified and its permissions low risk: General only.
    onecal = await ask(bot, sandbox, "OneCal", "lynner@example.com", "agenda")
    # Tailspin is new to the tenant, so not from a verified publisher: App Reviews.
    tailspin = await ask(bot, sandbox, "Tailspin Meeting Notes", "pattif@example.com", "notes")
    refused = await press(bot, click("deny", onecal, ADELE, connector.url, reason="no"))
    assert "reviewer" in refused.lower()
    needs_role = await press(bot, click("approve", tailspin, ADELE, connector.url))
    assert "Administrator" in needs_role  # a reviewer there, without a consent role

    await say(bot, connector, "stop here", channel=APP_REVIEWS)
    gone = await press(bot, click("deny", tailspin, ADELE, connector.url, reason="no"))
    assert "reviewer" in gone.lower()
    assert "Administrator" not in gone
