"""The proactive help side: the pass over the sign-in log, the offers, "stop" and "start"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.diagnosis.service import Diagnostician
from bot.graph.sign_in_log import SignInLog
from bot.graph.wiring import GraphSide
from bot.infra.background import ScheduledPass
from bot.infra.clock import Clock
from bot.outreach.choices import OutreachChoices
from bot.outreach.job import ProactiveHelp
from bot.outreach.offers import HelpOffers
from config.settings import Settings


@dataclass(frozen=True, slots=True)
class OutreachSide:
    job: ProactiveHelp
    choices: OutreachChoices

    @property
    def scheduled(self) -> ScheduledPass:
        return self.job.scheduled


def wire_outreach(
    settings: Settings,
    graph: GraphSide,
    diagnostician: Diagnostician,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
) -> OutreachSide:
    offers = HelpOffers(
        sessions,
        diagnostician,
        graph.json,
        clock,
        period=timedelta(days=settings.proactive_help_period_days),
    )
    job = ProactiveHelp(
        sessions,
        SignInLog(graph.json),
        offers,
        clock,
        interval_seconds=settings.sign_in_log_poll_seconds,
        retention=timedelta(days=settings.sign_in_retention_days),
    )
    return OutreachSide(job, OutreachChoices(sessions, clock))
