"""The admin configuration side: chat commands, the panels, the allow-list, failed messages,
blocked apps and the proactive help switches."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.admin_panels import AdminPanels
from bot.admin.auto_approval_admin import AllowListCommands
from bot.admin.blocked_app_review import ReviewStarter
from bot.admin.blocked_apps import BlockedApps
from bot.admin.commands import ChatCommands
from bot.admin.connected_apps import ConnectedApps
from bot.admin.destination_settings import DestinationSettings
from bot.admin.failed_messages import FailedMessages
from bot.admin.named_reviewers import NamedReviewers
from bot.admin.proactive_help import ProactiveHelpAdmin
from bot.admin.workflow_switch import WorkflowSwitch
from bot.graph.consent_requests import ConsentRequestReads
from bot.graph.sign_in_log import SignInLog
from bot.graph.wiring import GraphSide
from bot.hosting.wiring import HostingSide
from bot.infra.clock import Clock
from bot.review.wiring import ReviewSide
from config.settings import Settings


@dataclass(frozen=True, slots=True)
class AdminSide:
    commands: ChatCommands
    panels: AdminPanels
    allow_list: AllowListCommands
    failed: FailedMessages
    blocked_apps: BlockedApps
    proactive_help: ProactiveHelpAdmin


def wire_admin(
    graph: GraphSide,
    hosting: HostingSide,
    review: ReviewSide,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    tenant_id: str,
    settings: Settings,
) -> AdminSide:
    admins = review.admins
    commands = ChatCommands(sessions, admins, review.cards, clock)
    lookup = graph.reviewer_lookup
    panels = AdminPanels(
        WorkflowSwitch(
            graph.gateway,
            lookup,
            graph.policy_writes,
            sessions,
            clock,
            on_saved=graph.tenant_consent.forget,
        ),
        ConnectedApps(sessions, admins, graph.json, graph.app_writes, clock, tenant_id=tenant_id),
        DestinationSettings(sessions, admins, commands, lookup, clock),
        NamedReviewers(sessions, commands, lookup, hosting.requester_chats, clock),
    )
    return AdminSide(
        commands=commands,
        panels=panels,
        allow_list=AllowListCommands(sessions, clock),
        failed=FailedMessages(sessions, admins, clock),
        blocked_apps=_blocked_apps(graph, review, sessions, clock),
        proactive_help=ProactiveHelpAdmin(
            sessions,
            SignInLog(graph.json),
            graph.app_directory,
            clock,
            period_days=settings.proactive_help_period_days,
            retention_days=settings.sign_in_retention_days,
        ),
    )


def _blocked_apps(
    graph: GraphSide,
    review: ReviewSide,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
) -> BlockedApps:
    reads = ConsentRequestReads(graph.json)
    starter = ReviewStarter(
        sessions, review.cards, reads, graph.gateway, graph.tenant_consent.settings, clock
    )
    return BlockedApps(sessions, review.admins, reads, starter, clock)
