"""Only holders of a consent-granting role (or an admin group's members) may configure the bot."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.admin.commands import ChatCommands
from bot.graph import GraphGateway
from bot.graph.json_reads import GraphJson
from bot.infra.graph_auth import SandboxTokenProvider
from bot.review.admins import AdminCheck
from bot.review.card_views import EntraLinks
from bot.review.reviewer_cards import ReviewerCards
from bot.store.database import create_engine, migrate, session_factory
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock


@pytest.mark.parametrize(
    ("user_id", "allowed"),
    [
        ("00000000-0000-0000-0000-000000000020", True),  # Alex: Global Administrator
        ("00000000-0000-0000-0000-000000000021", True),  # Megan: Cloud Application Administrator
        ("00000000-0000-0000-0000-000000000022", False),  # Adele: no role
        ("00000000-0000-0000-0000-000000000023", False),  # Isaiah: reviewer group, no role
        ("no-such-user", False),
        (None, False),
    ],
)
async def test_only_consent_admins_may_configure(
    sandbox: SandboxHandle, clock: ManualClock, tmp_path: Path, user_id: str | None, allowed: bool
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    await migrate(engine)
    graph = GraphGateway(GraphJson(sandbox.url, SandboxTokenProvider(sandbox.url)), clock=clock)
    try:
        commands = ChatCommands(
            session_factory(engine),
            AdminCheck(graph),
            ReviewerCards(EntraLinks("https://login.microsoftonline.com", "tenant"), clock),
            clock,
        )
        assert await commands.may_configure(user_id) is allowed
    finally:
        await graph.close()
        await engine.dispose()
