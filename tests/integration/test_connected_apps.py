"""Connected apps against the sandbox tenant: what is listed, paging, refusals, blocking."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.admin.connected_apps import BLOCK_ACTION, LIST_ACTION, ConnectedApps
from bot.graph import GraphGateway
from bot.graph.apps import AppWrites, GraphWriteError
from bot.graph.json_reads import GraphJson
from bot.graph.scope_catalogue import ScopeCatalogue
from bot.infra.graph_auth import SandboxTokenProvider
from bot.review.admins import AdminCheck
from bot.store.audit_trail import audit_log
from bot.store.database import create_engine, migrate, session_factory
from bot.store.tables import AuditRow
from cards.connected_apps import PAGE_SIZE
from cards.verbs import CONNECTED_APPS_BLOCK, CONNECTED_APPS_BLOCK_CONFIRM, CONNECTED_APPS_PAGE
from domain.types import Actor
from sandbox.backlog import add_backlog
from sandbox.ids import stable_id
from sandbox.scopes_catalog import GRAPH_APP_ID
from sandbox.seed import BOT_APP_ID, TENANT_ID
from sandbox.server import SandboxHandle
from tests.card_checks import by_id, elements, validate_card
from tests.conftest import ManualClock

ALEX = Actor("00000000-0000-0000-0000-000000000020", "Alex Wilber", "en-US")
ADELE = Actor("00000000-0000-0000-0000-000000000022", "Adele Vance", "en-US")


@dataclass
class Rig:
    service: ConnectedApps
    engine: AsyncEngine
    admins: AdminCheck
    reads: GraphJson
    writes: AppWrites
    clock: ManualClock

    def with_writes(self, writes: AppWrites) -> ConnectedApps:
        return ConnectedApps(
            session_factory(self.engine),
            self.admins,
            self.reads,
            writes,
            self.clock,
            tenant_id=TENANT_ID,
        )

    async def audit(self) -> list[AuditRow]:
        async with session_factory(self.engine)() as session:
            return list(await audit_log(session))


@pytest.fixture
async def rig(sandbox: SandboxHandle, clock: ManualClock, tmp_path: Path) -> AsyncIterator[Rig]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    await migrate(engine)
    tokens = SandboxTokenProvider(sandbox.url)
    reads = GraphJson(sandbox.url, tokens)
    graph = GraphGateway(reads, clock=clock)
    writes = AppWrites(reads, ScopeCatalogue(reads, clock))
    admins = AdminCheck(graph)
    service = ConnectedApps(
        session_factory(engine), admins, reads, writes, clock, tenant_id=TENANT_ID
    )
    try:
        yield Rig(service, engine, admins, reads, writes, clock)
    finally:
        await reads.close()
        await graph.close()
        await engine.dispose()


def listed(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Each app on the card: name, facts by title, whether it has a Block button."""
    found = []
    for element in elements(card):
        if not str(element.get("id", "")).startswith("connected-app-"):
            continue
        items = element["items"]
        facts = next(e for e in items if e["type"] == "FactSet")["facts"]
        blocks = [e for e in elements(element) if e.get("verb") == CONNECTED_APPS_BLOCK]
        found.append(
            {
                "name": items[0]["text"],
                "publisher": items[1]["text"],
                "facts": {f["title"]: f["value"] for f in facts},
                "block": blocks[0] if blocks else None,
            }
        )
    return found


def enabled(sandbox: SandboxHandle, app_id: str) -> bool:
    sp = sandbox.tenant.apps.sp_for_app(app_id)
    assert sp is not None
    return sp.account_enabled


def graph_reads(sandbox: SandboxHandle) -> list[str]:
    return [
        route
        for route in sandbox.tenant.calls.routes
        if "oauth2PermissionGrants" in route or "servicePrincipals" in route
    ]


async def test_seeded_tenant_lists_third_party_apps_only(sandbox: SandboxHandle, rig: Rig) -> None:
    tenant = sandbox.tenant
    graph = stable_id("sp", GRAPH_APP_ID)
    # The tenant's own bot and a Microsoft app hold grants too, and must not be listed.
    tenant.permission_grants.create(
        stable_id("sp", BOT_APP_ID), "AllPrincipals", graph, "User.Read"
    )
    tenant.permission_grants.create(
        graph, "Principal", graph, "User.Read", "00000000-0000-0000-0000-000000000022"
    )

    card = await rig.service.page(ALEX, 0)

    validate_card(card)
    apps = listed(card)
    names = [a["name"] for a in apps]
    assert names == ["Pipeline CRM Sidebar", "Wingtip Whiteboard"]  # 2 users first, then 0
    pipeline, whiteboard = apps
    assert pipeline["facts"] == {
        "Granted for everyone": "None",
        "Users who consented themselves": "2",  # Adele and Patti
    }
    assert pipeline["publisher"] == "Published by Sidebar Apps Ltd, publisher not verified"
    assert whiteboard["facts"] == {
        "Granted for everyone": "User.Read openid profile offline_access",
        "Users who consented themselves": "0",
    }
    assert whiteboard["publisher"] == "Published by Wingtip Toys, verified publisher"
    assert "actions" not in card  # one page
    text = str(card)
    assert "Consent Desk" not in text
    assert "Microsoft Graph" not in text


async def test_more_than_ten_apps_are_paged(sandbox: SandboxHandle, rig: Rig) -> None:
    tenant = sandbox.tenant
    add_backlog(tenant, 12, seed=7)
    backlog = [stable_id("backlog-app", "7", str(index)) for index in range(12)]
    for app_id in backlog:
        tenant.grant_admin_consent(app_id)

    first = await rig.service.page(ALEX, 0)
    second = await rig.service.page(ALEX, 1)
    beyond = await rig.service.page(ALEX, 99)  # clamped to the last page

    for card in (first, second):
        validate_card(card)
    total = len(backlog) + 2
    assert total > PAGE_SIZE
    assert len(listed(first)) == PAGE_SIZE
    assert len(listed(second)) == total - PAGE_SIZE
    assert listed(beyond) == listed(second)
    assert listed(first)[0]["name"] == "Pipeline CRM Sidebar"  # most users first
    zero_users = [a["name"] for a in listed(first)[1:] + listed(second)]
    assert zero_users == sorted(zero_users, key=str.casefold)  # then by name
    next_ = by_id(first, "connected-next")
    assert (next_["verb"], next_["data"]) == (CONNECTED_APPS_PAGE, {"page": "1"})
    assert by_id(second, "connected-previous")["data"] == {"page": "0"}
    assert "Page 2 of 2" in by_id(second, "connected-summary")["text"]


async def test_non_admin_is_refused_and_nothing_is_read_or_blocked(
    sandbox: SandboxHandle, rig: Rig
) -> None:
    from sandbox.seed_apps import PIPELINE_APP_ID

    sandbox.tenant.calls.reset()

    listing = await rig.service.page(ADELE, 0)
    asked = await rig.service.ask_block(ADELE, PIPELINE_APP_ID, 0)
    confirmed = await rig.service.confirm_block(ADELE, PIPELINE_APP_ID, 0)

    for card in (listing, asked, confirmed):
        validate_card(card)
        assert by_id(card, "connected-refused")
        assert "Pipeline" not in str(card)
    assert graph_reads(sandbox) == []
    assert enabled(sandbox, PIPELINE_APP_ID) is True
    rows = await rig.audit()
    assert [(r.actor_id, r.action, r.result) for r in rows] == [
        (ADELE.user_id, LIST_ACTION, "refused"),
        (ADELE.user_id, BLOCK_ACTION, "refused"),
        (ADELE.user_id, BLOCK_ACTION, "refused"),
    ]


async def test_alex_blocks_pipeline_after_confirming(sandbox: SandboxHandle, rig: Rig) -> None:
    from sandbox.seed_apps import PIPELINE_APP_ID

    listing = await rig.service.page(ALEX, 0)
    button = next(a["block"] for a in listed(listing) if a["name"] == "Pipeline CRM Sidebar")
    assert button["data"] == {"app_id": PIPELINE_APP_ID, "page": "0"}

    confirmation = await rig.service.ask_block(ALEX, PIPELINE_APP_ID, 0)

    validate_card(confirmation)
    assert by_id(confirmation, "connected-confirm-title")["text"] == "Block Pipeline CRM Sidebar?"
    assert by_id(confirmation, "connected-confirm")["verb"] == CONNECTED_APPS_BLOCK_CONFIRM
    assert enabled(sandbox, PIPELINE_APP_ID) is True  # not yet
    assert await rig.audit() == []

    after = await rig.service.confirm_block(ALEX, PIPELINE_APP_ID, 0)

    validate_card(after)
    assert enabled(sandbox, PIPELINE_APP_ID) is False
    assert by_id(after, "connected-notice")["style"] == "good"
    assert "Pipeline CRM Sidebar is blocked" in str(by_id(after, "connected-notice"))
    pipeline = next(a for a in listed(after) if a["name"] == "Pipeline CRM Sidebar")
    assert pipeline["block"] is None  # still listed (grants remain), now without a button
    rows = await rig.audit()
    assert [(r.actor_id, r.actor_name, r.action, r.result) for r in rows] == [
        (ALEX.user_id, "Alex Wilber", BLOCK_ACTION, "succeeded")
    ]
    assert rows[0].detail == f"Pipeline CRM Sidebar ({PIPELINE_APP_ID})"

    again = await rig.service.confirm_block(ALEX, PIPELINE_APP_ID, 0)  # a second click
    assert "already blocked" in str(by_id(again, "connected-notice"))
    assert len(await rig.audit()) == 1


async def test_failed_block_is_audited_as_failed(sandbox: SandboxHandle, rig: Rig) -> None:
    from sandbox.seed_apps import WHITEBOARD_APP_ID

    service = rig.with_writes(RefusingWrites(rig.writes))
    after = await service.confirm_block(ALEX, WHITEBOARD_APP_ID, 0)

    assert by_id(after, "connected-notice")["style"] == "attention"
    assert "could not be blocked" in str(by_id(after, "connected-notice"))
    assert "Insufficient privileges" not in str(after)  # no internals on the card
    assert enabled(sandbox, WHITEBOARD_APP_ID) is True
    rows = await rig.audit()
    assert [(r.action, r.result) for r in rows] == [(BLOCK_ACTION, "failed")]
    assert "Insufficient privileges" in (rows[0].detail or "")


async def test_apps_that_are_not_listed_cannot_be_blocked(sandbox: SandboxHandle, rig: Rig) -> None:
    from sandbox.seed_apps import CARERIX_APP_ID

    for app_id in (GRAPH_APP_ID, BOT_APP_ID, CARERIX_APP_ID, None):
        card = await rig.service.confirm_block(ALEX, app_id, 0)
        assert "no longer has delegated permissions" in str(by_id(card, "connected-notice"))
    assert enabled(sandbox, BOT_APP_ID) is True
    assert sandbox.tenant.apps.sp_for_app(CARERIX_APP_ID) is None
    assert await rig.audit() == []


class RefusingWrites(AppWrites):
    """Reads as the real one does, but Graph refuses to disable anything (a 403)."""

    def __init__(self, real: AppWrites) -> None:
        self.__dict__.update(real.__dict__)

    async def disable_principal(self, principal_id: str) -> None:
        raise GraphWriteError(403, "Insufficient privileges to complete the operation.")
