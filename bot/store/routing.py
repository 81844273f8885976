"""Routing rules and the high-risk scope list, as stored (the database wins over the file)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.tables import RoutingRuleRow, SettingRow
from domain.routing import DEFAULT_HIGH_RISK, HIGH_RISK_KEY, Rule, RuleKind


async def rule_rows(session: AsyncSession) -> Sequence[RoutingRuleRow]:
    return (await session.scalars(select(RoutingRuleRow).order_by(RoutingRuleRow.position))).all()


async def rules(session: AsyncSession) -> list[Rule]:
    return [
        Rule(RuleKind(row.kind), row.destination_id, row.value, row.approvals_required)
        for row in await rule_rows(session)
    ]


async def add_rule(
    session: AsyncSession,
    rule: Rule,
    *,
    created_by: str | None,
    now: datetime,
    origin: str = "chat",
) -> RoutingRuleRow:
    """Append a rule (a default rule replaces an earlier default)."""
    if rule.kind is RuleKind.DEFAULT:
        await session.execute(delete(RoutingRuleRow).where(RoutingRuleRow.kind == RuleKind.DEFAULT))
    last = await session.scalar(select(func.max(RoutingRuleRow.position)))
    row = RoutingRuleRow(
        position=(last or 0) + 1,
        kind=rule.kind.value,
        value=rule.value,
        destination_id=rule.destination_id,
        approvals_required=rule.approvals_required,
        created_by=created_by,
        created_at=now,
        origin=origin,
    )
    session.add(row)
    await session.flush()
    return row


async def remove_rule(session: AsyncSession, number: int) -> RoutingRuleRow | None:
    """Remove the ``number``-th rule (1-based, as listed); None when there is none."""
    rows = list(await rule_rows(session))
    if not 1 <= number <= len(rows):
        return None
    row = rows[number - 1]
    await session.delete(row)
    await session.flush()
    return row


async def high_risk_patterns(session: AsyncSession) -> tuple[str, ...]:
    row = await session.get(SettingRow, HIGH_RISK_KEY)
    return tuple(row.value) if row is not None else DEFAULT_HIGH_RISK


async def set_high_risk_patterns(
    session: AsyncSession, patterns: Sequence[str], now: datetime
) -> None:
    row = await session.get(SettingRow, HIGH_RISK_KEY)
    if row is None:
        session.add(SettingRow(key=HIGH_RISK_KEY, value=list(patterns), updated_at=now))
    else:
        row.value, row.updated_at = list(patterns), now
    await session.flush()
