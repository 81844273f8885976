"""Seeding the store from the configuration file, once, at the first start.

The file is read and checked by ``bot.admin.config_file``; a file with any problem
seeds nothing and the bot refuses to start. A valid file seeds the store only
if it has never been configured: no destinations, no rules, no settings, no
auto-approvals. Everything is written in one transaction together with a
marker row in ``bot_settings``; the marker's key is the table's primary key,
so when two replicas start at once the second one's insert fails (or waits
for the first and then fails) and it seeds nothing. From then on the database
wins: what admins change in chat is kept, and the file is ignored (an INFO
line says so at every start).
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.admin.config_file import ConfigFileError, SeedPlan, load_config
from bot.store import auto_approvals
from bot.store import routing as routing_store
from bot.store.database import session_factory
from bot.store.tables import AutoApprovalRow, DestinationRow, RoutingRuleRow, SettingRow
from domain.reminder_cadence import ReminderOverrides
from domain.routing import Rule, RuleKind

__all__ = ["ConfigFileError", "SeedOutcome", "seed_config_file"]

logger = logging.getLogger(__name__)

SEEDED_KEY = "config_file_seeded"
"""The ``bot_settings`` row written with the seed: [file name, "sha256:<digest>", time]."""


class SeedOutcome(StrEnum):
    NO_FILE = "no_file"
    SEEDED = "seeded"
    DATABASE_WINS = "database_wins"
    """The store was configured before (by this file, another replica, or in chat)."""


async def seed_config_file(
    engine: AsyncEngine, path: Path | None, now: datetime, *, tenant_id: str | None = None
) -> SeedOutcome:
    """Check ``path`` (ConfigFileError: refuse to start), then seed a never-configured store.

    ``tenant_id``: the bot's tenant, for destinations the file gives none (Teams needs one).
    """
    if path is None:
        return SeedOutcome.NO_FILE
    try:
        plan = load_config(path)
    except ConfigFileError as error:
        logger.error("%s", error)
        raise
    sessions = session_factory(engine)
    async with sessions() as session:
        seeded = await session.get(SettingRow, SEEDED_KEY)
        if seeded is not None:
            changed = " (it changed since)" if plan.digest not in seeded.value else ""
            logger.info(
                "config file %s ignored: the database was seeded from a config file at %s "
                "and wins over the file%s; make changes in chat",
                path,
                seeded.updated_at.isoformat(),
                changed,
            )
            return SeedOutcome.DATABASE_WINS
        # The marker first: it takes the write lock, and a second replica's insert fails.
        session.add(SettingRow(key=SEEDED_KEY, value=[path.name, plan.digest], updated_at=now))
        try:
            await session.flush()
        except IntegrityError:
            return await _lost_race(session, path)
        if await _configured(session):
            await session.rollback()
            logger.info(
                "config file %s ignored: the database already holds configuration "
                "(made in chat), and the database wins",
                path,
            )
            return SeedOutcome.DATABASE_WINS
        counts = await _seed(session, plan, now, tenant_id)
        try:
            await session.commit()
        except IntegrityError:
            return await _lost_race(session, path)
    logger.info(
        "config file %s seeded %d destinations, %d routing rules, %d auto-approvals%s; "
        "from now on changes made in chat are kept and the file is ignored",
        path,
        *counts,
        ", the high-risk scope list" if plan.config.high_risk_scopes is not None else "",
    )
    return SeedOutcome.SEEDED


async def _lost_race(session: AsyncSession, path: Path) -> SeedOutcome:
    await session.rollback()
    logger.info("config file %s ignored: another replica has just seeded the database", path)
    return SeedOutcome.DATABASE_WINS


async def _configured(session: AsyncSession) -> bool:
    """Whether anything but the seed marker says admins configured the bot already."""
    for query in (
        select(func.count()).select_from(DestinationRow),
        select(func.count()).select_from(RoutingRuleRow),
        select(func.count()).select_from(SettingRow).where(SettingRow.key != SEEDED_KEY),
        select(func.count()).select_from(AutoApprovalRow),
    ):
        if await session.scalar(query):
            return True
    return False


async def _seed(
    session: AsyncSession, plan: SeedPlan, now: datetime, tenant_id: str | None
) -> tuple[int, int, int]:
    """Long on purpose: the seeding steps in the order of the file's tables, in one transaction."""
    config = plan.config
    rows: dict[str, DestinationRow] = {}
    for entry in config.destinations:
        reviewers = list(entry.reviewers)
        if entry.person_id and entry.person_id not in reviewers:
            reviewers.append(entry.person_id)  # a named person decides on their own cards
        row = DestinationRow(
            kind=entry.kind,
            conversation_id=entry.conversation_id,
            channel_id=(entry.channel_id or entry.conversation_id)
            if entry.kind == "channel"
            else None,
            team_id=entry.team_id,
            tenant_id=entry.tenant_id or tenant_id,
            service_url=entry.service_url,
            name=entry.name,
            registered_by=None,
            registered_at=now,
            active=True,
            role=entry.role,
            person_id=entry.person_id,
            reviewers=reviewers,
            reminder_settings={},
            origin="file",
        )
        session.add(row)
        rows[entry.name.casefold()] = row
    await session.flush()
    for entry, overrides, target in zip(
        config.destinations, plan.reminders, plan.escalate_to, strict=True
    ):
        if target is not None:
            target_id = rows[target.casefold()].id
            overrides = ReminderOverrides(
                **{**overrides.to_json(), "escalation_destination_id": target_id}
            )
        rows[entry.name.casefold()].reminder_settings = overrides.to_json()
    for rule in config.rules:
        await routing_store.add_rule(
            session,
            Rule(
                RuleKind(rule.kind),
                rows[rule.destination.casefold()].id,
                rule.value.lower() if rule.value else None,
                approvals_required=rule.approvals_required,
            ),
            created_by=None,
            now=now,
            origin="file",
        )
    if config.high_risk_scopes is not None:
        await routing_store.set_high_risk_patterns(session, config.high_risk_scopes, now)
    for approval in config.auto_approvals:
        await auto_approvals.put_entry(
            session,
            app_id=approval.app_id,
            app_name=approval.app_name,
            max_scopes=approval.max_scopes,
            created_by=None,
            now=now,
            origin="file",
        )
    await session.flush()
    return len(config.destinations), len(config.rules), len(config.auto_approvals)
