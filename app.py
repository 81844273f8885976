"""Composition root: settings -> store -> Graph -> bot -> scheduler -> aiohttp.

``python app.py`` runs the bot. Everything is built here and handed down, so no
module reaches for globals; tests build the same graph of objects with their
own settings and clock.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from kiota_abstractions.authentication import AccessTokenProvider
from microsoft_agents.hosting.aiohttp import CloudAdapter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.admin.admin_panels import AdminPanels
from bot.admin.auto_approval_admin import AllowListCommands
from bot.admin.commands import ChatCommands
from bot.admin.config_seed import seed_config_file
from bot.admin.connected_apps import ConnectedApps
from bot.admin.destination_settings import DestinationSettings
from bot.admin.failed_messages import FailedMessages
from bot.admin.named_reviewers import NamedReviewers
from bot.admin.permission_check import check_graph_permissions, features_off_json
from bot.admin.permissions import app_only_features
from bot.admin.workflow_switch import WorkflowSwitch
from bot.application import create_agent_application
from bot.diagnosis.ask_reviewers import ReviewerAsk
from bot.diagnosis.fact_reader import FactReader
from bot.diagnosis.service import Diagnostician
from bot.graph import GraphConnection, GraphGateway
from bot.graph.app_directory import AppDirectory
from bot.graph.apps import AppWrites
from bot.graph.json_reads import GraphJson
from bot.graph.policy_writes import PolicyWrites
from bot.graph.reviewer_lookup import ReviewerLookup
from bot.graph.scope_catalogue import ScopeCatalogue
from bot.graph.teams import PersonalChats
from bot.graph.tenant_consent import TenantConsentReader
from bot.graph.user_names import DirectoryNames
from bot.hosting.agents_connection import (
    channel_gate_for,
    connection_manager_for,
    connector_token_source,
)
from bot.hosting.connector import TeamsConnector
from bot.hosting.delivery import DeliveryWorker
from bot.hosting.http import Endpoint, create_routes
from bot.hosting.readiness import GraphProbe, store_reachable
from bot.hosting.requester_chats import RequesterChats
from bot.hosting.reviewer_sign_in import ReviewerSignIn, ReviewerTokens
from bot.hosting.signed_activities import TokenVerifier
from bot.hosting.user_sign_in_service import UserSignInService
from bot.infra.app_tokens import AppTokens, app_tokens_for
from bot.infra.clock import Clock, utc_now
from bot.infra.graph_auth import AppGraphTokens, SandboxTokenProvider
from bot.infra.logging_setup import announce_mode, configure_logging
from bot.infra.request_context import request_ids
from bot.infra.shutdown import InFlight, Shutdown, drain
from bot.review.admins import AdminCheck
from bot.review.auto_approval import AutoApprover
from bot.review.decision_worker import DecisionWorker
from bot.review.decision_writes import WritesFor, app_only_writes, delegated_writes
from bot.review.decisions import DecisionService
from bot.review.intake import Intake
from bot.review.reminder_settings import DestinationCadences
from bot.review.reminders import ReminderWorker
from bot.review.reviewer_cards import EntraLinks, ReviewerCards
from bot.review.reviewers import ReviewerCheck
from bot.store.database import create_engine, migrate, session_factory
from config.settings import ApprovalMode, Mode, Settings, load_settings
from domain.business_hours import BusinessHours
from domain.reminder_cadence import Cadence

logger = logging.getLogger("consent_desk")


@dataclass(slots=True)
class Services:
    """The running pieces, exposed on the aiohttp app for tests."""

    settings: Settings
    graph_url: str
    sessions: async_sessionmaker[AsyncSession]
    graph: GraphGateway
    app_writes: AppWrites
    intake: Intake
    delivery: DeliveryWorker
    commands: ChatCommands
    decisions: DecisionService
    diagnostician: Diagnostician
    decision_worker: DecisionWorker
    reminders: ReminderWorker
    scheduler: AsyncIOScheduler


class Runtime:
    """Filled in when the app starts; the app itself cannot change after start-up."""

    services: Services | None = None

    def require(self) -> Services:
        if self.services is None:
            raise RuntimeError("the app has not started")
        return self.services


RUNTIME = web.AppKey("runtime", Runtime)


def create_app(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    start_jobs: bool = True,
    graph_token_source: AccessTokenProvider | None = None,
) -> web.Application:
    """Build the aiohttp application; resources open and close with its lifecycle.

    ``graph_token_source`` replaces the mode's Graph tokens (tests hand in tokens
    with chosen permissions).
    """
    app = web.Application(client_max_size=512 * 1024, middlewares=[request_ids])
    tokens = app_tokens_for(settings) if settings.mode is Mode.PRODUCTION else None
    connections = connection_manager_for(settings, tokens)

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            graph_url, tenant_id = await _tenant(settings, stack)
            announce_mode(settings, graph_url)

            if tokens is not None:
                stack.callback(tokens.close)
            engine = create_engine(settings.effective_database_url)
            stack.push_async_callback(engine.dispose)
            stack.push_async_callback(endpoint.callers.close)
            await migrate(engine)
            await seed_config_file(engine, settings.config_file, clock(), tenant_id=tenant_id)
            sessions = session_factory(engine)

            graph_tokens = graph_token_source or _graph_tokens(settings, graph_url, tokens)
            connection = GraphConnection.open(graph_url, graph_tokens)
            graph_json = GraphJson(graph_url, graph_tokens)
            stack.push_async_callback(graph_json.close)
            graph = GraphGateway(connection, clock=clock)
            stack.push_async_callback(graph.close)
            chats = PersonalChats(
                connection, graph_url, settings.teams_app_id or _sandbox_teams_app_id()
            )

            connector = TeamsConnector(
                bot_id=settings.client_id or _sandbox_bot_id(),
                bot_name=settings.bot_name,
                token_source=connector_token_source(settings, tokens),
            )
            stack.push_async_callback(connector.close)

            requester_chats = RequesterChats(
                chats, sessions, service_url=settings.teams_service_url, tenant_id=tenant_id or None
            )
            delivery = DeliveryWorker(
                sessions,
                connector,
                clock,
                interval_seconds=settings.delivery_interval_seconds,
                open_chat=requester_chats,
            )
            cadence = Cadence(
                BusinessHours.parse(
                    settings.business_days, settings.business_hours, settings.business_timezone
                ),
                first_after=timedelta(hours=settings.reminder_first_after_hours),
                every=timedelta(hours=settings.reminder_every_hours),
                escalate_after=settings.escalate_after_reminders,
                escalate_before_expiry=timedelta(hours=settings.escalate_before_expiry_hours),
            )
            per_destination = DestinationCadences(cadence)
            cards = ReviewerCards(
                EntraLinks(settings.authority_host, tenant_id),
                clock,
                per_destination.first_due,
                digest_threshold=settings.digest_threshold,
            )
            reminder_worker = ReminderWorker(
                sessions, cadence, cards, clock, on_queued=delivery.notify
            )
            admins = AdminCheck(graph, settings.admin_groups)
            failed_messages = FailedMessages(sessions, admins, clock, on_queued=delivery.notify)
            commands = ChatCommands(
                sessions,
                admins,
                cards,
                clock,
                on_queued=delivery.notify,
            )
            scope_catalogue = ScopeCatalogue(connection, clock)
            app_writes = AppWrites(connection, scope_catalogue)
            sign_in, writes_for = _decision_rights(
                settings, tokens, graph_url, scope_catalogue, app_writes, stack
            )
            worker = DecisionWorker(
                sessions,
                writes_for,
                cards,
                clock,
                on_queued=delivery.notify,
                app_profile=graph.app_profile,
            )
            intake = Intake(
                graph,
                sessions,
                cards,
                clock,
                on_queued=delivery.notify,
                auto_approver=AutoApprover(sessions, clock, app_writes.resources),
                on_work=worker.notify,
            )
            decisions = DecisionService(
                sessions,
                ReviewerCheck(graph),
                cards,
                clock,
                on_queued=delivery.notify,
                on_work=worker.notify,
                snoozed_until=per_destination.snoozed_until,
            )
            tenant_consent = TenantConsentReader(connection, graph, clock)
            policy_writes = PolicyWrites(graph_json)
            panels = AdminPanels(
                WorkflowSwitch(
                    graph,
                    ReviewerLookup(graph_json),
                    policy_writes,
                    sessions,
                    clock,
                    on_saved=tenant_consent.forget,
                ),
                ConnectedApps(sessions, admins, graph_json, app_writes, clock, tenant_id=tenant_id),
                DestinationSettings(sessions, admins, commands, ReviewerLookup(graph_json), clock),
                NamedReviewers(
                    sessions, commands, ReviewerLookup(graph_json), requester_chats, clock
                ),
            )
            diagnostician = Diagnostician(
                FactReader(
                    tenant_consent,
                    AppDirectory(connection, graph_json, graph, clock, tenant_id=tenant_id),
                    scope_catalogue,
                    sessions,
                    clock,
                ),
                ReviewerAsk(sessions, cards, clock, on_queued=delivery.notify),
                clock,
            )
            scheduler = AsyncIOScheduler(timezone="UTC")
            runtime.services = Services(
                settings=settings,
                graph_url=graph_url,
                sessions=sessions,
                graph=graph,
                app_writes=app_writes,
                intake=intake,
                delivery=delivery,
                commands=commands,
                decisions=decisions,
                diagnostician=diagnostician,
                decision_worker=worker,
                reminders=reminder_worker,
                scheduler=scheduler,
            )

            agent = create_agent_application(
                commands,
                decisions,
                diagnostician,
                panels,
                connections,
                AllowListCommands(sessions, clock),
                DirectoryNames(graph_json, clock),
                failed_messages,
                sign_in,
            )
            adapter = CloudAdapter(connection_manager=connections)

            graph_probe = GraphProbe(graph_url, graph_tokens)
            stack.push_async_callback(graph_probe.close)

            async def readiness() -> dict[str, bool]:
                store, graph_ok = await asyncio.gather(
                    store_reachable(engine), graph_probe.reachable()
                )
                return {"store": store, "graph": graph_ok}

            endpoint.bind(agent, adapter, readiness)
            endpoint.failed_messages = failed_messages.count
            endpoint.features_off = features_off_json(
                await check_graph_permissions(
                    graph_tokens,
                    graph_url,
                    required=settings.mode is Mode.PRODUCTION,
                    features=app_only_features(
                        delegated_approvals=settings.approval_mode is ApprovalMode.DELEGATED
                    ),
                )
            )

            if start_jobs:
                jobs = InFlight()
                delivery.start()
                worker.start()
                reminder_worker.start()
                scheduler.add_job(
                    _run_job,
                    "interval",
                    args=["intake", intake.run_once, jobs],
                    seconds=settings.poll_interval_seconds,
                    next_run_time=clock(),
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=int(timedelta(minutes=5).total_seconds()),
                    id="intake",
                )
                scheduler.add_job(
                    _run_job,
                    "interval",
                    args=["requester refresh", intake.refresh_requesters, jobs],
                    seconds=settings.requester_refresh_seconds,
                    max_instances=1,
                    coalesce=True,
                    id="requesters",
                )
                scheduler.start()
                # Decisions and reminders queue messages, so delivery drains last.
                stack.push_async_callback(
                    drain, shutdown, scheduler, jobs, [reminder_worker, worker, delivery]
                )
            yield

    runtime = Runtime()
    shutdown = Shutdown(settings.shutdown_grace_seconds)
    endpoint = Endpoint(shutdown)
    endpoint.callers = channel_gate_for(settings)
    endpoint.https_only = settings.mode is Mode.PRODUCTION

    async def stop_taking_work(_app: web.Application) -> None:
        shutdown.begin()

    app.on_shutdown.append(stop_taking_work)
    app[RUNTIME] = runtime
    app.router.add_routes(create_routes(endpoint))
    app.cleanup_ctx.append(lifecycle)
    return app


async def _tenant(settings: Settings, stack: AsyncExitStack) -> tuple[str, str]:
    """Graph's URL and the tenant id; in sandbox mode the local tenant, started if needed."""
    if settings.mode is Mode.PRODUCTION:
        return settings.graph_base_url, settings.tenant_id or ""
    from sandbox.seed import TENANT_ID, fresh_tenant

    if not settings.runs_embedded_sandbox:
        return settings.graph_base_url, TENANT_ID
    from sandbox.server import start_sandbox

    sandbox = await start_sandbox(port=settings.sandbox_port, tenant=fresh_tenant())
    stack.push_async_callback(sandbox.close)
    return sandbox.url, TENANT_ID


def _decision_rights(
    settings: Settings,
    tokens: AppTokens | None,
    graph_url: str,
    catalogue: ScopeCatalogue,
    app_writes: AppWrites,
    stack: AsyncExitStack,
) -> tuple[ReviewerSignIn | None, WritesFor]:
    """App-only: the bot's own writes. Delegated: reviewers sign in (SSO, or the OAuth
    connection's sign-in page), decisions use their rights."""
    if settings.approval_mode is not ApprovalMode.DELEGATED or tokens is None:
        return None, app_only_writes(app_writes)
    assert settings.client_id
    sso_audience = f"api://botid-{settings.client_id}"
    verifier = TokenVerifier(
        audiences=[settings.client_id, sso_audience],
        bot_framework_metadata_url=None,
        entra_metadata_urls=settings.entra_openid_metadata_urls,
    )
    stack.push_async_callback(verifier.close)
    held = ReviewerTokens()
    token_service = UserSignInService(
        endpoint=settings.effective_bot_token_service_url,
        resource=settings.cloud_profile.bot_connector_resource,
        app_id=settings.client_id,
        app_tokens=tokens,
    )
    stack.push_async_callback(token_service.close)
    sign_in = ReviewerSignIn(
        app_id=settings.client_id,
        connection_name=settings.oauth_connection_name,
        graph_url=graph_url,
        verifier=verifier,
        app_tokens=tokens,
        held=held,
        token_service=token_service,
    )
    return sign_in, delegated_writes(graph_url, held, catalogue, app_writes)


def _graph_tokens(
    settings: Settings, graph_url: str, tokens: AppTokens | None
) -> AccessTokenProvider:
    if tokens is None:
        return SandboxTokenProvider(graph_url)
    return AppGraphTokens(graph_url, tokens)


def _sandbox_teams_app_id() -> str:
    from sandbox.seed import TEAMS_APP_EXTERNAL_ID

    return TEAMS_APP_EXTERNAL_ID


def _sandbox_bot_id() -> str:
    from sandbox.seed import BOT_APP_ID

    return BOT_APP_ID


async def _run_job(name: str, job: Callable[[], Awaitable[object]], jobs: InFlight) -> None:
    async with jobs.track():
        try:
            await job()
        except Exception:
            logger.exception("%s failed; the next run will try again", name)


def main() -> None:
    # The Agents SDK keys the aiohttp request with a string (its contract); don't warn per request.
    warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module=r"microsoft_agents\.")
    settings = load_settings()
    configure_logging(settings)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log=None,
        shutdown_timeout=settings.shutdown_grace_seconds,
    )


if __name__ == "__main__":
    main()
