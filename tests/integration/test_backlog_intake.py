"""A busy tenant on the first day: the backlog is announced from the list, details follow.

The figures that matter are Graph call counts, not timings: recording a
backlog costs the pending list and the tenant-wide reads, whatever its size;
its apps are then read twenty per JSON batch; a steady poll is one call; a
request that arrives meanwhile is announced whole at the next poll, ahead of
the backlog's details. Timings live in ``./run bench``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.store.tables import ConsentRequestRow, RequesterRow
from cards import verbs
from sandbox.backlog import add_backlog
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot
from tests.integration.decision_clicks import ALEX, click, press

BACKLOG = 60
SERVICE_PRINCIPAL_BY_APP_ID = "GET /servicePrincipals(appId='{appId}')"
BATCH = "POST /$batch"
REQUESTS = "/identityGovernance/appConsent/appConsentRequests"


async def awaiting_details(bot: BotRig) -> int:
    async with bot.services.sessions() as session:
        query = select(func.count()).where(ConsentRequestRow.details_pending.is_(True))
        return await session.scalar(query.select_from(ConsentRequestRow)) or 0


def texts(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


async def test_a_backlog_is_announced_from_the_list_alone_then_completed_in_batches(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    created = sorted(
        {  # one entry per user's request; up to three users ask for each app
            str(made["appConsentRequestId"])
            for made in add_backlog(sandbox.tenant, BACKLOG, seed=5, spread_days=3)
        }
    )
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        sandbox.tenant.calls.reset()
        report = await bot.services.intake.run_once()
        assert sorted(report.new) == created
        calls = sandbox.tenant.calls.snapshot()
        # No read per request: the list (with its users), then cached tenant-wide reads
        # (Microsoft Graph's own service principal is the scope catalogue).
        assert calls["routes"].get(SERVICE_PRINCIPAL_BY_APP_ID, 0) <= 1, calls
        assert BATCH not in calls["routes"]
        assert calls["total"] <= 8, calls
        assert await awaiting_details(bot) == BACKLOG

        answer = await bot.post_activity(channel_message("review here", connector.url))
        assert answer.status in (200, 202)
        await bot.services.delivery.run_due()
        [digest] = [c for c in connector.posts() if "new admin consent requests" in str(c.body)]
        assert f"{BACKLOG} new admin consent requests" in texts(connector.card_of(digest))
        assert "Publisher: on the full card" in texts(connector.card_of(digest))

        sandbox.tenant.calls.reset()
        assert await bot.services.request_details.run_once() == BACKLOG
        calls = sandbox.tenant.calls.snapshot()
        assert calls["routes"] == {BATCH: BACKLOG // 20}
        assert calls["batched"] == {SERVICE_PRINCIPAL_BY_APP_ID: BACKLOG}
        assert await awaiting_details(bot) == 0

        app = sandbox.tenant.consent.get(created[0]).app_display_name
        await press(bot, click(verbs.SHOW_CARD, created[0], ALEX, connector.url))
        await bot.services.delivery.run_due()
        [full] = [c for c in connector.posts() if f"Admin consent request: {app}" in str(c.body)]
        card = texts(connector.card_of(full))
        assert "being checked" not in card
        assert "publisher" in card.lower()

        sandbox.tenant.calls.reset()
        await bot.services.intake.run_once()
        assert sandbox.tenant.calls.total == 1  # the steady poll, backlog or not
        assert await bot.services.request_details.run_once() == 0
        assert sandbox.tenant.calls.total == 1


async def test_details_lost_to_a_failure_are_read_again_and_nothing_twice(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    made = add_backlog(sandbox.tenant, BACKLOG, seed=6, spread_days=3)
    unreadable = sorted(
        {sandbox.tenant.consent.get(str(m["appConsentRequestId"])).app_id for m in made}
    )
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.services.intake.run_once()
        sandbox.tenant.set_faults(unavailable_paths=unreadable[:7], retry_after_seconds=0)
        assert await bot.services.request_details.run_once() == BACKLOG - 7
        assert await awaiting_details(bot) == 7

        sandbox.tenant.set_faults(unavailable_paths=[])
        sandbox.tenant.calls.reset()
        assert await bot.services.request_details.run_once() == 7
        assert sandbox.tenant.calls.snapshot()["batched"] == {SERVICE_PRINCIPAL_BY_APP_ID: 7}
        assert await awaiting_details(bot) == 0


async def test_a_request_arriving_after_the_backlog_gets_its_whole_card_at_the_next_poll(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    add_backlog(sandbox.tenant, BACKLOG, seed=7, spread_days=3)
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.post_activity(channel_message("review here", connector.url))
        await bot.tick()  # the backlog: one digest, its details not read yet
        assert await awaiting_details(bot) == BACKLOG

        sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
        await bot.tick()
        [card] = [c for c in connector.posts() if "Admin consent request: OneCal" in str(c.body)]
        assert "being checked" not in texts(connector.card_of(card))
        assert await awaiting_details(bot) == BACKLOG  # it did not wait for them


async def test_a_card_shown_before_its_details_is_edited_when_they_arrive(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    made = add_backlog(sandbox.tenant, BACKLOG, seed=8, spread_days=3)
    request_id = str(made[0]["appConsentRequestId"])
    app = sandbox.tenant.consent.get(request_id).app_display_name
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.post_activity(channel_message("review here", connector.url))
        await bot.tick()
        await press(bot, click(verbs.SHOW_CARD, request_id, ALEX, connector.url))
        await bot.services.delivery.run_due()
        [full] = [c for c in connector.posts() if f"Admin consent request: {app}" in str(c.body)]
        assert "Publisher: being checked" in texts(connector.card_of(full))

        await bot.services.request_details.run_once()
        await bot.services.delivery.run_due()
        [edit] = [c for c in connector.updates() if f"Admin consent request: {app}" in str(c.body)]
        edited = texts(connector.card_of(edit))
        assert "being checked" not in edited
        assert "publisher" in edited.lower()


async def test_a_graph_that_refuses_the_expansion_gets_the_users_read_in_batches(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    sandbox.tenant.set_faults(refuse_expand=True)
    made = add_backlog(sandbox.tenant, BACKLOG, seed=9, spread_days=3)
    asked = {str(m["appConsentRequestId"]) for m in made}
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        sandbox.tenant.calls.reset()
        report = await bot.services.intake.run_once()
        assert set(report.new) == asked
        users = (
            "GET /identityGovernance/appConsent/appConsentRequests/{requestId}/userConsentRequests"
        )
        assert sandbox.tenant.calls.snapshot()["batched"] == {users: BACKLOG}
        async with bot.services.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(RequesterRow))
        assert stored == len(made)  # every user's request, none lost to the refusal

        joined = sandbox.tenant.consent.get(made[0]["appConsentRequestId"])
        asked_already = {u.user.id for u in joined.user_requests}
        newcomer = next(u for u in sandbox.tenant.users.values() if u.id not in asked_already)
        sandbox.tenant.create_request(joined.app_id, newcomer.id, "me too")
        sandbox.tenant.calls.reset()
        refreshed = await bot.services.intake.refresh_requesters()
        assert list(refreshed.joined) == [joined.id]
        assert sandbox.tenant.calls.routes[BATCH] == BACKLOG // 20


async def test_a_backlog_found_after_review_here_reaches_the_destination_as_one_digest(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.post_activity(channel_message("review here", connector.url))
        add_backlog(sandbox.tenant, BACKLOG, seed=10, spread_days=3)
        await bot.tick()
        [digest] = [c for c in connector.posts() if "new admin consent requests" in str(c.body)]
        assert f"{BACKLOG} new admin consent requests" in texts(connector.card_of(digest))


async def test_a_request_closed_before_its_details_is_completed_all_the_same(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    made = add_backlog(sandbox.tenant, BACKLOG, seed=11, spread_days=3)
    closed = str(made[0]["appConsentRequestId"])
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as bot:
        await bot.services.intake.run_once()
        sandbox.tenant.complete_request(closed, approve=False)
        await bot.services.intake.run_once()  # Entra decided it before its app was read
        assert await bot.services.request_details.run_once() == BACKLOG
        assert await awaiting_details(bot) == 0
