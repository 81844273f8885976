"""The admin configuration side: chat commands, the panels, the allow-list, failed messages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.admin_panels import AdminPanels
from bot.admin.auto_approval_admin import AllowListCommands
from bot.admin.commands import ChatCommands
from bot.admin.connected_apps import ConnectedApps
from bot.admin.destination_settings import DestinationSettings
from bot.admin.failed_messages import FailedMessages
from bot.admin.named_reviewers import NamedReviewers
from bot.admin.workflow_switch import WorkflowSwitch
from bot.graph.wiring import GraphSide
from bot.hosting.wiring import HostingSide
from bot.infra.clock import Clock
from bot.review.wiring import ReviewSide


@dataclass(frozen=True, slots=True)
class AdminSide:
    commands: ChatCommands
    panels: AdminPanels
    allow_list: AllowListCommands
    failed: FailedMessages


def wire_admin(
    graph: GraphSide,
    hosting: HostingSide,
    review: ReviewSide,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    tenant_id: str,
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
    )
