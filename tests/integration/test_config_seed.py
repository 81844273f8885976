"""Seeding from the config file on each backend: once, never over the database, all or nothing."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.admin.config_seed import SEEDED_KEY, ConfigFileError, SeedOutcome, seed_config_file
from bot.store import destinations
from bot.store import routing as routing_store
from bot.store.database import create_engine, session_factory
from bot.store.destinations import DestinationSpec
from bot.store.tables import (
    AutoApprovalRow,
    DestinationRow,
    RoutingRuleRow,
    SettingRow,
)
from domain.routing import DEFAULT_HIGH_RISK
from sandbox.server import SandboxHandle
from tests.conftest import POSTGRES_URL, ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import running_bot

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "consent-desk.example.toml"


def config_file(tmp_path: Path, text: str | None = None) -> Path:
    path = tmp_path / "consent-desk.toml"
    path.write_text(text if text is not None else EXAMPLE.read_text("utf-8"), encoding="utf-8")
    return path


async def counts(engine: AsyncEngine) -> tuple[int, int, int, int]:
    async with session_factory(engine)() as session:
        return (
            await session.scalar(select(func.count()).select_from(DestinationRow)) or 0,
            await session.scalar(select(func.count()).select_from(RoutingRuleRow)) or 0,
            await session.scalar(select(func.count()).select_from(SettingRow)) or 0,
            await session.scalar(select(func.count()).select_from(AutoApprovalRow)) or 0,
        )


async def test_first_start_seeds_everything_from_the_file(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    assert await seed_config_file(engine, config_file(tmp_path), NOW) is SeedOutcome.SEEDED
    async with session_factory(engine)() as session:
        rows = (await session.scalars(select(DestinationRow).order_by(DestinationRow.id))).all()
        by_name = {row.name: row for row in rows}
        assert list(by_name) == [
            "Security / App reviews",
            "IT / Everyday apps",
            "Security leads",
            "Escalations",
        ]
        assert {row.origin for row in rows} == {"file"}
        assert all(row.active for row in rows)
        security = by_name["Security / App reviews"]
        assert (security.kind, security.role) == ("channel", "review")
        assert security.channel_id == security.conversation_id
        assert security.reviewers == ["3f1c2a9e-5b7d-4e60-9a8b-1c2d3e4f5a6b"]
        everyday = by_name["IT / Everyday apps"]
        assert everyday.channel_id == everyday.conversation_id  # defaults for a channel
        assert everyday.reminder_settings == {
            "first_after_hours": 4.0,
            "every_hours": 8.0,
            "business_days": "mon-fri",
            "business_hours": "08:00-18:00",
            "timezone": "Europe/Paris",
            "escalate_after_reminders": 2,
            "escalation_destination_id": by_name["Security leads"].id,
        }
        assert by_name["Security leads"].kind == "chat"
        assert by_name["Security leads"].channel_id is None
        assert [d.name for d in await destinations.active_destinations(session)] == [
            "Security / App reviews",
            "IT / Everyday apps",
        ]
        rules = await routing_store.rule_rows(session)
        assert [(r.kind, r.destination_id, r.value, r.approvals_required) for r in rules] == [
            ("high_risk", security.id, None, 2),
            ("app", security.id, "8d1e7f6a-2b3c-4d5e-8f9a-0b1c2d3e4f5a", 1),
            ("default", everyday.id, None, 1),
        ]
        assert {r.origin for r in rules} == {"file"}
        assert await routing_store.high_risk_patterns(session) == DEFAULT_HIGH_RISK
        [auto] = (await session.scalars(select(AutoApprovalRow))).all()
        assert (auto.app_id, auto.app_name, auto.origin) == (
            "6c2b8f4e-1d3a-4b5c-9e7f-2a1b3c4d5e6f",
            "OneCal",
            "file",
        )
        assert auto.max_scopes == ["User.Read", "Calendars.ReadWrite", "offline_access"]
        marker = await session.get(SettingRow, SEEDED_KEY)
        assert marker is not None
        assert marker.value[0] == "consent-desk.toml"
        assert marker.value[1].startswith("sha256:")


async def test_a_second_start_with_a_changed_file_keeps_the_database(
    engine: AsyncEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = config_file(tmp_path)
    assert await seed_config_file(engine, path, NOW) is SeedOutcome.SEEDED
    before = await counts(engine)
    changed = EXAMPLE.read_text("utf-8").replace("Security leads", "Night shift")
    path.write_text(changed + '\n[[rules]]\nkind = "verified"\ndestination = "Escalations"\n')
    # The changed file is still checked: this one routes to an escalation destination.
    with pytest.raises(ConfigFileError, match=r"\[\[rules\]\] #4, field \"destination\""):
        await seed_config_file(engine, path, NOW)
    path.write_text(changed)
    caplog.clear()
    caplog.set_level(logging.INFO, logger="bot.admin.config_seed")
    assert await seed_config_file(engine, path, NOW) is SeedOutcome.DATABASE_WINS
    assert "ignored" in caplog.text
    assert "changed since" in caplog.text
    assert [r.levelno for r in caplog.records if r.name == "bot.admin.config_seed"] == [
        logging.INFO
    ]
    assert await counts(engine) == before
    async with session_factory(engine)() as session:
        names = (await session.scalars(select(DestinationRow.name))).all()
    assert "Night shift" not in names
    assert "Security leads" in names


async def test_changes_made_in_chat_are_never_overwritten(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    path = config_file(tmp_path)
    assert await seed_config_file(engine, path, NOW) is SeedOutcome.SEEDED
    sessions = session_factory(engine)
    async with sessions() as session:
        security = await destinations.find_by_conversation(
            session, "19:1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d@thread.tacv2"
        )
        assert security is not None
        security.name = "Renamed in chat"
        await routing_store.remove_rule(session, 1)
        await routing_store.set_high_risk_patterns(session, ["Mail.Send"], NOW)
        await session.commit()
    assert await seed_config_file(engine, path, NOW) is SeedOutcome.DATABASE_WINS
    async with sessions() as session:
        names = (await session.scalars(select(DestinationRow.name))).all()
        assert "Renamed in chat" in names
        assert "Security / App reviews" not in names
        assert len(await routing_store.rule_rows(session)) == 2
        assert await routing_store.high_risk_patterns(session) == ("Mail.Send",)


async def test_a_database_configured_in_chat_is_not_seeded(
    engine: AsyncEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        await destinations.register_destination(
            session,
            DestinationSpec("channel", "19:general@thread.tacv2", "http://127.0.0.1:9/", "General"),
            None,
            NOW,
        )
        await session.commit()
    caplog.set_level(logging.INFO, logger="bot.admin.config_seed")
    assert await seed_config_file(engine, config_file(tmp_path), NOW) is SeedOutcome.DATABASE_WINS
    assert "database already holds configuration" in caplog.text
    assert await counts(engine) == (1, 0, 0, 0)  # not even the marker
    async with sessions() as session:
        await session.delete(
            await destinations.find_by_conversation(session, "19:general@thread.tacv2")
        )
        await routing_store.set_high_risk_patterns(session, ["Mail.Send"], NOW)
        await session.commit()
    assert await seed_config_file(engine, config_file(tmp_path), NOW) is SeedOutcome.DATABASE_WINS
    assert await counts(engine) == (0, 0, 1, 0)


async def test_an_invalid_file_seeds_nothing(engine: AsyncEngine, tmp_path: Path) -> None:
    text = EXAMPLE.read_text("utf-8").replace('timezone = "Europe/Paris"', 'timezone = "Paris"')
    with pytest.raises(ConfigFileError) as raised:
        await seed_config_file(engine, config_file(tmp_path, text), NOW)
    assert "[[destinations]] #2 'IT / Everyday apps', field \"reminders.timezone\"" in str(
        raised.value
    )
    assert await counts(engine) == (0, 0, 0, 0)
    assert await seed_config_file(engine, None, NOW) is SeedOutcome.NO_FILE
    assert await counts(engine) == (0, 0, 0, 0)


async def test_two_replicas_starting_at_once_seed_once(engine: AsyncEngine, tmp_path: Path) -> None:
    path = config_file(tmp_path)
    if engine.dialect.name == "sqlite":
        other = create_engine(str(engine.url))
    else:
        assert POSTGRES_URL is not None
        other = engine  # a second pool would need the test's schema; one pool, two sessions
    try:
        outcomes = await asyncio.gather(
            seed_config_file(engine, path, NOW), seed_config_file(other, path, NOW)
        )
    finally:
        if other is not engine:
            await other.dispose()
    assert sorted(outcomes) == sorted([SeedOutcome.SEEDED, SeedOutcome.DATABASE_WINS])
    assert await counts(engine) == (4, 3, 2, 1)


async def test_the_bot_seeds_at_start_and_posts_to_the_file_destinations(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> None:
    text = (
        "[[destinations]]\n"
        'name = "From the file"\n'
        'kind = "channel"\n'
        'conversation_id = "19:from-file@thread.tacv2"\n'
        f'service_url = "{connector.url}"\n'
    )
    path = config_file(tmp_path, text)
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, config_file=str(path)
    ) as bot:
        sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
        await bot.tick()
    [post] = [call for call in connector.posts() if call.path == "/v3/conversations"]
    assert post.body["channelData"]["channel"]["id"] == "19:from-file@thread.tacv2"
    assert "OneCal" in str(post.body)


async def test_the_bot_refuses_to_start_with_an_invalid_file(
    sandbox: SandboxHandle, clock: ManualClock, tmp_path: Path
) -> None:
    path = config_file(tmp_path, '[[rules]]\nkind = "default"\ndestination = "Nowhere"\n')
    with pytest.raises(ConfigFileError, match=r"\[\[rules\]\] #1, field \"destination\""):
        async with running_bot(
            graph_url=sandbox.url, data_dir=tmp_path, clock=clock, config_file=str(path)
        ):
            pass
