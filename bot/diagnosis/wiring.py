"""The diagnosis side: the facts from Graph and the store, the answer, and asking the reviewers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.diagnosis.ask_reviewers import ReviewerAsk
from bot.diagnosis.fact_reader import FactReader
from bot.diagnosis.request_state import EntraRequests
from bot.diagnosis.service import Diagnostician
from bot.graph.consent_requests import ConsentRequestReads
from bot.graph.wiring import GraphSide
from bot.hosting.wiring import HostingSide
from bot.infra.clock import Clock
from bot.review.wiring import ReviewSide


def wire_diagnosis(
    graph: GraphSide,
    hosting: HostingSide,
    review: ReviewSide,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
) -> Diagnostician:
    reader = FactReader(
        graph.tenant_consent,
        graph.app_directory,
        graph.scope_catalogue,
        ConsentRequestReads(graph.json).pending,
        EntraRequests(graph.json),
        sessions,
        clock,
    )
    asks = ReviewerAsk(sessions, review.cards, clock)
    return Diagnostician(reader, asks, clock)
