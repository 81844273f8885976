"""Decisions from the card over real HTTP: bot + sandbox tenant + recording connector.

Clicks are ``adaptiveCard/action`` invokes as Teams sends them; the grant is
read back from the sandbox tenant, the card edits and requester notices from
the recording connector.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.graph.consent_grant import approve_app
from bot.review.decision_worker import LEASE
from bot.store import audit_trail, decisions
from bot.store.tables import OutboxRow
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot
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

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        await rig.post_activity(channel_message("review here", connector.url))
        yield rig


async def test_approve_grants_exactly_the_scopes_edits_every_copy_and_tells_the_requester(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "OneCal", "adelev@example.com", "calendar")
    seen = await press(bot, click("approve", request_id, ALEX, connector.url))
    assert "Approving" in seen

    await settle(bot)

    [grant] = tenant_wide(sandbox, "OneCal")
    assert sorted(grant["scope"].split()) == ["Calendars.ReadWrite", "User.Read", "offline_access"]
    assert grant["resourceDisplayName"] == "Microsoft Graph"
    edits = [texts(connector.card_of(u)) for u in connector.updates()]
    assert any("Approved by Alex Wilber, " in e for e in edits)
    assert '"Action.Execute"' not in edits[-1]
    assert "Not yet in your tenant" not in edits[-1]  # the app is in the tenant now
    [notice] = notices(connector)
    assert "OneCal" in texts(notice)
    async with bot.services.sessions() as session:  # the audit trail
        log = [(a.action, a.result) for a in await audit_trail.audit_log(session, request_id)]
    assert log == [("approve", "accepted"), ("approve", "succeeded")]


async def test_two_concurrent_approvals_make_one_grant(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "Zeliq", "pattif@example.com", "sequences")
    first, second = await asyncio.gather(
        press(bot, click("approve", request_id, ALEX, connector.url)),
        press(bot, click("approve", request_id, MEGAN, connector.url)),
    )
    await settle(bot)
    await settle(bot)
    assert len(tenant_wide(sandbox, "Zeliq")) == 1
    assert sum("Approving" in seen for seen in (first, second)) >= 1
    # A stale copy clicked later gets the decided card back, not a second decision.
    late = await press(bot, click("approve", request_id, MEGAN, connector.url))
    assert "Approved by" in late
    assert "Approving" not in late
    assert len(tenant_wide(sandbox, "Zeliq")) == 1


async def test_requester_cannot_approve_their_own_request(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "Carerix", "meganb@example.com", "interviews")
    seen = await press(bot, click("approve", request_id, MEGAN, connector.url))
    assert "You asked for this app yourself" in seen
    await settle(bot)
    assert tenant_wide(sandbox, "Carerix") == []


async def test_reviewer_without_role_may_deny_but_not_approve(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "Carerix", "lynner@example.com", "entretiens")
    refused = await press(bot, click("approve", request_id, ISAIAH, connector.url))
    assert "Administrator" in refused
    missing = await press(bot, click("deny", request_id, ISAIAH, connector.url, reason="  "))
    assert "reason" in missing.lower()
    denied = await press(
        bot, click("deny", request_id, ISAIAH, connector.url, reason="Use the approved ATS")
    )
    assert "Denied by Isaiah Langer" in denied
    assert "Use the approved ATS" in denied
    await settle(bot)
    assert tenant_wide(sandbox, "Carerix") == []
    [notice] = notices(connector)
    assert "Use the approved ATS" in texts(notice)


async def test_outsider_cannot_decide(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "OneCal", "lynner@example.com", "agenda")
    seen = await press(bot, click("deny", request_id, ADELE, connector.url, reason="no"))
    assert "reviewer" in seen.lower()
    async with bot.services.sessions() as session:
        [entry] = await audit_trail.audit_log(session, request_id)
    assert (entry.actor_name, entry.result) == ("Adele Vance", "refused")


async def test_block_asks_first_then_disables_the_app(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "Pipeline CRM Sidebar", "pattif@example.com", "crm")
    prompt = await press(bot, click("block", request_id, ALEX, connector.url))
    assert "block_confirm" in prompt
    assert sandbox.tenant.apps.sp_for_app(_app_id(sandbox, "Pipeline CRM Sidebar")) is not None
    await press(bot, click("block_confirm", request_id, ALEX, connector.url))
    await settle(bot)
    sp = sandbox.tenant.apps.sp_for_app(_app_id(sandbox, "Pipeline CRM Sidebar"))
    assert sp is not None
    assert sp.account_enabled is False
    assert any("Blocked by Alex Wilber" in texts(connector.card_of(u)) for u in connector.updates())
    assert notices(connector)


async def test_unknown_scope_is_never_guessed(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "Tailspin Meeting Notes", "adelev@example.com", "notes")
    await press(bot, click("approve", request_id, ALEX, connector.url))
    await settle(bot)
    assert tenant_wide(sandbox, "Tailspin Meeting Notes") == []
    last = texts(connector.card_of(connector.updates()[-1]))
    assert "Meetings.Summarize" in last
    assert '"verb": "approve"' in last  # pending again, buttons back, hand-off offered
    assert "adminconsent" in last


async def test_scope_of_another_api_is_granted_on_that_api(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(
        bot, sandbox, "Fabrikam Docs for SharePoint", "adelev@example.com", "docs"
    )
    await press(bot, click("approve", request_id, MEGAN, connector.url))
    await settle(bot)
    grants = tenant_wide(sandbox, "Fabrikam Docs for SharePoint")
    by_resource = {g["resourceDisplayName"]: set(g["scope"].split()) for g in grants}
    assert any("SharePoint" in name for name in by_resource)
    assert all(scopes for scopes in by_resource.values())


async def test_crash_after_the_grant_resumes_once_after_a_restart(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as first:
        await first.post_activity(channel_message("review here", connector.url))
        request_id = await ask(first, sandbox, "OneCal", "adelev@example.com", "calendar")
        await press(first, click("approve", request_id, ALEX, connector.url))
        await first.services.delivery.run_due()
        # The worker claims the decision and grants, then the process dies.
        async with first.services.sessions() as session:
            [claimed] = await decisions.claim_queued(session, clock(), LEASE)
            await session.commit()
        assert claimed.request_id == request_id
        await approve_app(first.services.app_writes, _app_id(sandbox, "OneCal"), ["User.Read"])
    clock.advance(minutes=3)  # the dead worker's lease runs out
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as second:
        await settle(second)
        await settle(second)
    [grant] = tenant_wide(sandbox, "OneCal")
    assert sorted(grant["scope"].split()) == ["Calendars.ReadWrite", "User.Read", "offline_access"]
    approved = [
        u for u in connector.updates() if "Approved by Alex Wilber, " in texts(connector.card_of(u))
    ]
    assert len(approved) == 1
    assert len(notices(connector)) == 1


async def test_ambiguous_scope_is_never_guessed(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(
        bot, sandbox, "Litware Cloud Cost Monitor", "adelev@example.com", "costs"
    )
    await press(bot, click("approve", request_id, ALEX, connector.url))
    await settle(bot)
    assert tenant_wide(sandbox, "Litware Cloud Cost Monitor") == []
    assert "user_impersonation" in texts(connector.card_of(connector.updates()[-1]))


async def test_app_already_in_the_tenant_keeps_its_service_principal(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    app_id = _app_id(sandbox, "Pipeline CRM Sidebar")
    existing = sandbox.tenant.apps.sp_for_app(app_id)
    assert existing is not None
    request_id = await ask(bot, sandbox, "Pipeline CRM Sidebar", "pattif@example.com", "crm")
    await press(bot, click("approve", request_id, MEGAN, connector.url))
    await settle(bot)
    [grant] = tenant_wide(sandbox, "Pipeline CRM Sidebar")
    assert grant["clientId"] == existing.id  # the service principal's object id, not the appId
    assert "User.Read.All" in grant["scope"].split()


async def test_requester_who_blocked_the_bot_is_recorded_not_retried(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    sandbox.tenant.set_bot_blocked("adelev@example.com")
    request_id = await ask(bot, sandbox, "OneCal", "adelev@example.com", "calendar")
    await press(bot, click("deny", request_id, ALEX, connector.url, reason="Not needed"))
    await settle(bot)
    assert notices(connector) == []
    async with bot.services.sessions() as session:
        rows = await outbox_rows(session)
    [notice] = [r for r in rows if r.kind == "notify_user"]
    assert notice.status == "failed"
    assert notice.last_error


async def outbox_rows(session: AsyncSession) -> list[OutboxRow]:
    return list((await session.scalars(select(OutboxRow))).all())


def _app_id(sandbox: SandboxHandle, name: str) -> str:
    app = sandbox.tenant.apps.find_app(name)
    assert app is not None
    return str(app.app_id)


async def test_an_existing_tenant_wide_grant_is_merged_not_duplicated(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    app_id = _app_id(sandbox, "Zeliq")
    headers = {"Authorization": "Bearer local"}
    async with ClientSession(base_url=f"{sandbox.url}/v1.0/", headers=headers) as graph:
        async with graph.post("servicePrincipals", json={"appId": app_id}) as created:
            client = (await created.json())["id"]
        path = f"servicePrincipals(appId='{GRAPH_APP_ID}')"
        async with graph.get(path) as found:
            resource = (await found.json())["id"]
        earlier = {
            "clientId": client,
            "consentType": "AllPrincipals",
            "resourceId": resource,
            "scope": "User.Read Contacts.Read",
        }
        async with graph.post("oauth2PermissionGrants", json=earlier) as granted:
            assert granted.status == 201
    request_id = await ask(bot, sandbox, "Zeliq", "pattif@example.com", "sequences")
    await press(bot, click("approve", request_id, ALEX, connector.url))
    await settle(bot)
    [grant] = tenant_wide(sandbox, "Zeliq")
    assert sorted(grant["scope"].split()) == sorted(
        [
            "User.Read",
            "Contacts.Read",
            "Mail.Send",
            "Mail.ReadWrite",
            "Calendars.ReadWrite",
            "offline_access",
        ]
    )


async def test_the_click_is_answered_before_the_graph_work(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    request_id = await ask(bot, sandbox, "OneCal", "adelev@example.com", "calendar")
    sandbox.tenant.set_faults(latency_ms=200)
    seen = await press(bot, click("approve", request_id, ALEX, connector.url))
    assert "granting consent in your tenant" in seen
    assert tenant_wide(sandbox, "OneCal") == []  # nothing granted while the click was answered
    await settle(bot)
    assert len(tenant_wide(sandbox, "OneCal")) == 1
    assert "Approved by Alex Wilber, " in texts(connector.card_of(connector.updates()[-1]))


async def test_approving_an_app_new_to_the_tenant_writes_the_grant_at_the_second_graph_call(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    """Add the app (its request said it was not in the tenant), grant: an app just added can
    hold no grant, so none is looked for; Graph's answer to the POST is the check."""
    request_id = await ask(bot, sandbox, "OneCal", "adelev@example.com", "calendar")
    await press(bot, click("approve", request_id, ALEX, connector.url))
    sandbox.tenant.calls.reset()
    await bot.services.decision_worker.run_due()
    routes: dict[str, int] = sandbox.tenant.calls.snapshot()["routes"]
    per_app = ("GET /servicePrincipals(", "POST ", "PATCH ", "GET /oauth2PermissionGrants")
    writes = {route: n for route, n in routes.items() if route.startswith(per_app)}
    assert writes == {
        "GET /servicePrincipals(appId='{appId}')": 1,  # the card's publisher, afterwards
        "POST /servicePrincipals": 1,
        "POST /oauth2PermissionGrants": 1,
    }
    [grant] = tenant_wide(sandbox, "OneCal")
    assert sorted(grant["scope"].split()) == ["Calendars.ReadWrite", "User.Read", "offline_access"]


async def test_a_grant_another_writer_made_first_is_merged_into(
    bot: BotRig, sandbox: SandboxHandle
) -> None:
    """Between adding the app and granting, someone else granted: Graph refuses the second
    grant (409), and the scopes are merged into the one that exists."""
    writes = bot.services.app_writes
    client = await writes.create_principal(_app_id(sandbox, "Zeliq"), enabled=True)
    graph = next(r for r in await writes.resources() if r.app_id == GRAPH_APP_ID)
    await writes.grant(client.id, graph.service_principal_id, ["User.Read"])

    merged = await writes.grant(
        client.id, graph.service_principal_id, ["Mail.Send"], new_client=True
    )

    [grant] = tenant_wide(sandbox, "Zeliq")
    assert sorted(grant["scope"].split()) == ["Mail.Send", "User.Read"]
    assert sorted(merged.scopes) == ["Mail.Send", "User.Read"]


async def test_a_decision_click_reads_the_clickers_name_and_roles_once_each(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    """The roles read starts as the click arrives, beside the name read, and the check uses
    it; a reviewer by role needs no group membership read."""
    request_id = await ask(bot, sandbox, "OneCal", "adelev@example.com", "calendar")
    clock.advance(minutes=5)  # the clicker's name is no longer kept
    sandbox.tenant.calls.reset()
    seen = await press(bot, click("approve", request_id, ALEX, connector.url))
    assert "Approving" in seen
    routes: dict[str, int] = sandbox.tenant.calls.snapshot()["routes"]
    reads = {route: n for route, n in routes.items() if route.startswith(("GET /u", "POST /u"))}
    assert reads == {
        "GET /users/{id}": 1,
        "GET /users/{id}/transitiveMemberOf/microsoft.graph.directoryRole": 1,
    }

    # The name kept, the click waits for no name read; the roles are still read, once.
    # (The membership read then goes out beside the roles unless they are already in.)
    other = await ask(bot, sandbox, "Zeliq", "pattif@example.com", "sequences")
    sandbox.tenant.calls.reset()
    assert "Approving" in await press(bot, click("approve", other, ALEX, connector.url))
    routes = sandbox.tenant.calls.snapshot()["routes"]
    assert "GET /users/{id}" not in routes
    assert routes["GET /users/{id}/transitiveMemberOf/microsoft.graph.directoryRole"] == 1
    assert routes.get("POST /users/{id}/checkMemberGroups", 0) <= 1


async def test_an_app_added_to_the_tenant_after_its_request_was_read_is_approved_as_it_is(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    """The request said "not in your tenant", then an admin added the app in Entra: Graph
    refuses a second service principal, the one that exists is granted, and a blocked one
    is never granted."""
    request_id = await ask(bot, sandbox, "OneCal", "adelev@example.com", "calendar")
    sandbox.tenant.set_app("OneCal", service_principal="present")
    existing = sandbox.tenant.apps.sp_for_app(_app_id(sandbox, "OneCal"))
    assert existing is not None
    await press(bot, click("approve", request_id, ALEX, connector.url))
    await settle(bot)
    [grant] = tenant_wide(sandbox, "OneCal")
    assert grant["clientId"] == existing.id

    blocked = await ask(bot, sandbox, "Zeliq", "pattif@example.com", "sequences")
    sandbox.tenant.set_app("Zeliq", service_principal="present", enabled=False)
    await press(bot, click("approve", blocked, ALEX, connector.url))
    await settle(bot)
    assert tenant_wide(sandbox, "Zeliq") == []
    assert "disabled (blocked) in your tenant" in texts(connector.card_of(connector.updates()[-1]))
