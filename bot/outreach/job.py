"""The proactive help pass: read the sign-in log from a watermark, keep the attempts, offer help.

Every ``SIGN_IN_LOG_POLL_SECONDS`` (one ``ScheduledPass``), and only while an
admin has switched proactive help on: switched off, the pass reads nothing
from Graph and sends nothing. Switched on, it reads the attempts consent
stopped since the stored watermark minus ``OVERLAP`` (the last day on a first
run), because Entra writes its log minutes late and out of order; the
store keeps each entry once by its id, so the overlap costs nothing twice.
The watermark is the newest entry seen, on Graph's clock, never the bot's.
Rows older than ``SIGN_IN_RETENTION_DAYS`` are deleted on the way.

Without ``AuditLog.Read.All``, ``Directory.Read.All`` or the P1/P2 licence
Graph refuses the log: the feature is then off in fact, the rest of the bot
carries on, and the log says so once per change of state, not every pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import aiohttp
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.graph.json_reads import GraphReadError
from bot.graph.sign_in_log import CONSENT_ERRORS, SignInLog, SignInLogUnavailable
from bot.infra.background import ScheduledPass
from bot.outreach.offers import HelpOffers
from bot.store import sign_ins
from domain.sign_ins import ConsentAttempt

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=15)
"""How far behind the newest entry seen each read starts: entries Entra writes this late
still count. Entries read twice are kept once (by id)."""
FIRST_LOOK = timedelta(hours=24)
"""What a first read (no watermark yet) covers."""


class LogState(StrEnum):
    """What the last pass found; a change is logged once."""

    OFF = "off"
    READING = "reading"
    PERMISSION = "permission"
    LICENCE = "licence"
    FAILING = "failing"


@dataclass(frozen=True, slots=True)
class PassReport:
    """One pass: what the log gave, what was new, how many people were offered help."""

    state: LogState
    read: int = 0
    new: int = 0
    offered: int = 0
    forgotten: int = 0


_WARNINGS = {
    LogState.PERMISSION: "proactive help is off: Graph refuses the sign-in log because the bot "
    "lacks the application permission AuditLog.Read.All (grant it with Directory.Read.All): %s",
    LogState.LICENCE: "proactive help is off: Graph refuses the sign-in log because the tenant "
    "has no Microsoft Entra ID P1/P2 licence, or the bot lacks Directory.Read.All, through "
    "which Graph checks the licence: %s",
    LogState.FAILING: "proactive help: could not read the sign-in log (%s); trying again "
    "at the next pass",
}


class ProactiveHelp:
    """The pass; tests call ``run_once`` instead of waiting for the scheduler."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        log: SignInLog,
        offers: HelpOffers,
        clock: Callable[[], datetime],
        *,
        interval_seconds: float,
        retention: timedelta,
    ) -> None:
        self._sessions = sessions
        self._log = log
        self._offers = offers
        self._clock = clock
        self._retention = retention
        self._pass = ScheduledPass("proactive help", self.run_once, interval_seconds)
        self._state: LogState | None = None

    @property
    def scheduled(self) -> ScheduledPass:
        return self._pass

    @property
    def state(self) -> LogState | None:
        """What the last pass found (None before the first)."""
        return self._state

    async def run_once(self) -> PassReport:
        async with self._sessions() as session:
            on = await sign_ins.proactive_help_on(session)
            mark = await sign_ins.watermark(session)
        if not on:
            return self._reported(PassReport(LogState.OFF))
        now = self._clock()
        since = now - FIRST_LOOK if mark is None else max(mark - OVERLAP, now - self._retention)
        try:
            found = await self._log.consent_attempts_since(since)
        except SignInLogUnavailable as refused:
            return self._reported(PassReport(LogState(refused.reason)), str(refused))
        except (GraphReadError, aiohttp.ClientError, TimeoutError) as error:
            return self._reported(PassReport(LogState.FAILING), str(error) or type(error).__name__)
        fresh, forgotten = await self._record(found, mark)
        offered = await self._offers.offer_pending()
        return self._reported(
            PassReport(LogState.READING, len(found), len(fresh), offered, forgotten)
        )

    async def _record(
        self, found: Sequence[ConsentAttempt], mark: datetime | None
    ) -> tuple[list[ConsentAttempt], int]:
        """Keep the entries not kept yet, move the watermark, forget what is past retention.

        One transaction: two replicas reading the same new entries at once
        cannot both keep them (the entry id is the key); the one that loses
        keeps nothing this pass, and whoever offers first takes the period.
        """
        attempts = [a for a in found if a.error_code in CONSENT_ERRORS]
        newest = max((a.created_at for a in found), default=None)
        async with self._sessions() as session:
            try:
                fresh = await sign_ins.record_attempts(session, attempts)
                if newest is not None and (mark is None or newest > mark):
                    await sign_ins.set_watermark(session, newest, self._clock())
                forgotten = await sign_ins.forget_before(session, self._clock() - self._retention)
                await session.commit()
            except IntegrityError:
                await session.rollback()
                logger.info("proactive help: another replica kept these sign-in log entries")
                return [], 0
        return fresh, forgotten

    def _reported(self, report: PassReport, detail: str = "") -> PassReport:
        """Log a change of state once; a pass that finds the same as the last says nothing."""
        state, self._state = self._state, report.state
        if state is not report.state:
            if report.state in _WARNINGS:
                logger.warning(_WARNINGS[report.state], detail)
            elif report.state is LogState.READING:
                logger.info("proactive help is on: reading the sign-in log")
            elif state is not None:
                logger.info("proactive help is off: the sign-in log is not read")
        if report.offered:
            logger.info(
                "proactive help: %d new entries in the sign-in log; help offered %d times",
                report.new,
                report.offered,
            )
        return report
