"""The review workflow side: intake, reviewer cards, decisions and their worker, reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.graph.consent_requests import ConsentRequestReads
from bot.graph.wiring import GraphSide
from bot.hosting.wiring import HostingSide
from bot.infra.background import ScheduledPass
from bot.infra.clock import Clock
from bot.review.admins import AdminCheck
from bot.review.auto_approval import AutoApprover
from bot.review.card_requests import CardRequests
from bot.review.card_views import EntraLinks
from bot.review.click_checks import ClickChecks
from bot.review.decision_worker import DecisionWorker
from bot.review.decision_writes import app_only_writes, delegated_writes
from bot.review.decisions import DecisionService
from bot.review.intake import Intake
from bot.review.reminder_settings import DestinationCadences
from bot.review.reminders import ReminderWorker
from bot.review.request_details import RequestDetails
from bot.review.reviewer_cards import ReviewerCards
from bot.review.reviewers import ReviewerCheck
from config.settings import Settings
from domain.business_hours import BusinessHours
from domain.reminder_cadence import Cadence


@dataclass(frozen=True, slots=True)
class ReviewSide:
    cards: ReviewerCards
    admins: AdminCheck
    intake: Intake
    details: RequestDetails
    decisions: DecisionService
    card_requests: CardRequests
    decision_worker: DecisionWorker
    reminders: ReminderWorker
    intake_pass: ScheduledPass
    details_pass: ScheduledPass
    requester_refresh: ScheduledPass


def global_cadence(settings: Settings) -> Cadence:
    """The reminder cadence every destination follows unless it overrides it."""
    return Cadence(
        BusinessHours.parse(
            settings.business_days, settings.business_hours, settings.business_timezone
        ),
        first_after=timedelta(hours=settings.reminder_first_after_hours),
        every=timedelta(hours=settings.reminder_every_hours),
        escalate_after=settings.escalate_after_reminders,
        escalate_before_expiry=timedelta(hours=settings.escalate_before_expiry_hours),
    )


def _intake(
    settings: Settings,
    graph: GraphSide,
    sessions: async_sessionmaker[AsyncSession],
    cards: ReviewerCards,
    worker: DecisionWorker,
    clock: Clock,
) -> tuple[Intake, RequestDetails, ScheduledPass]:
    """The poll, and the pass that reads the apps of a backlog it recorded from the list."""
    reads = ConsentRequestReads(graph.json)
    details = RequestDetails(reads, sessions, cards, clock)
    details_pass = ScheduledPass(
        "request details", details.run_once, settings.poll_interval_seconds
    )
    intake = Intake(
        graph.gateway,
        reads,
        sessions,
        cards,
        clock,
        auto_approver=AutoApprover(sessions, clock, graph.app_writes.resources),
        on_work=worker.notify,
        on_details=details_pass.notify,
        consent_settings=graph.tenant_consent.settings,
        read_whole_up_to=settings.digest_threshold,
    )
    return intake, details, details_pass


def wire_review(
    settings: Settings,
    graph: GraphSide,
    hosting: HostingSide,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    tenant_id: str,
) -> ReviewSide:
    """Messages go to the outbox (its commit wakes delivery); decisions wake their worker."""
    cadence = global_cadence(settings)
    per_destination = DestinationCadences(cadence)
    cards = ReviewerCards(
        EntraLinks(settings.authority_host, tenant_id),
        clock,
        per_destination.first_due,
        digest_threshold=settings.digest_threshold,
    )
    writes_for = (
        delegated_writes(graph.url, hosting.sign_in.tokens, graph.scope_catalogue, graph.app_writes)
        if hosting.sign_in is not None
        else app_only_writes(graph.app_writes)
    )
    worker = DecisionWorker(
        sessions,
        writes_for,
        cards,
        clock,
        app_profile=graph.gateway.app_profile,
    )
    intake, details, details_pass = _intake(settings, graph, sessions, cards, worker, clock)
    checks = ClickChecks(ReviewerCheck(graph.gateway), cards, clock)
    decisions = DecisionService(sessions, checks, cards, clock, on_work=worker.notify)
    card_requests = CardRequests(
        sessions, checks, cards, clock, snoozed_until=per_destination.snoozed_until
    )
    return ReviewSide(
        cards=cards,
        admins=AdminCheck(graph.gateway, settings.admin_groups),
        intake=intake,
        details=details,
        decisions=decisions,
        card_requests=card_requests,
        decision_worker=worker,
        reminders=ReminderWorker(sessions, cadence, cards, clock),
        intake_pass=ScheduledPass("intake", intake.run_once, settings.poll_interval_seconds),
        details_pass=details_pass,
        requester_refresh=ScheduledPass(
            "requester refresh", intake.refresh_requesters, settings.requester_refresh_seconds
        ),
    )
