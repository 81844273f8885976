"""Composition root: settings -> store -> the sides of the bot -> scheduler -> aiohttp.

``python app.py`` runs the bot. Each side wires itself (``bot/*/wiring.py``),
bottom-up: Graph, Teams hosting, the review workflow, admin configuration and
the diagnosis; everything is built here and handed down, so no module reaches
for globals, and tests build the same graph of objects with their own
settings and clock. APScheduler runs every background pass.

Longer than 300 lines on purpose: the order in which the process is put
together and taken apart is easiest to check when it reads in one place.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from kiota_abstractions.authentication import AccessTokenProvider
from microsoft_agents.hosting.aiohttp import CloudAdapter
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.admin.commands import ChatCommands
from bot.admin.config_seed import seed_config_file
from bot.admin.permission_check import check_graph_permissions, features_off_json
from bot.admin.permissions import app_only_features
from bot.admin.wiring import wire_admin
from bot.application import create_agent_application
from bot.diagnosis.service import Diagnostician
from bot.diagnosis.wiring import wire_diagnosis
from bot.graph import GraphGateway
from bot.graph.apps import AppWrites
from bot.graph.wiring import wire_graph
from bot.hosting.agents_connection import channel_gate_for, connection_manager_for
from bot.hosting.delivery import DeliveryWorker
from bot.hosting.http import Endpoint, create_routes
from bot.hosting.readiness import GraphProbe, store_reachable
from bot.hosting.wiring import HostingSide, wire_hosting
from bot.infra.app_tokens import AppTokens, app_tokens_for
from bot.infra.clock import Clock, utc_now
from bot.infra.graph_auth import AppGraphTokens, SandboxTokenProvider
from bot.infra.logging_setup import announce_mode, configure_logging
from bot.infra.request_context import request_ids
from bot.infra.shutdown import Shutdown, drain
from bot.review.decision_worker import DecisionWorker
from bot.review.decisions import DecisionService
from bot.review.intake import Intake
from bot.review.reminders import ReminderWorker
from bot.review.wiring import ReviewSide, wire_review
from bot.store.database import create_engine, migrate, session_factory
from bot.store.outbox_bell import OutboxBell
from config.settings import ApprovalMode, Mode, Settings, load_settings

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
    runtime = Runtime()
    shutdown = Shutdown(settings.shutdown_grace_seconds)
    endpoint = Endpoint(shutdown)
    endpoint.callers = channel_gate_for(settings)
    endpoint.https_only = settings.mode is Mode.PRODUCTION

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(endpoint.callers.close)
            await _compose(
                stack,
                settings,
                tokens,
                clock,
                graph_token_source,
                runtime,
                endpoint,
                shutdown,
                start_jobs=start_jobs,
            )
            yield

    async def stop_taking_work(_app: web.Application) -> None:
        shutdown.begin()

    app.on_shutdown.append(stop_taking_work)
    app[RUNTIME] = runtime
    app.router.add_routes(create_routes(endpoint))
    app.cleanup_ctx.append(lifecycle)
    return app


async def _compose(
    stack: AsyncExitStack,
    settings: Settings,
    tokens: AppTokens | None,
    clock: Clock,
    graph_token_source: AccessTokenProvider | None,
    runtime: Runtime,
    endpoint: Endpoint,
    shutdown: Shutdown,
    *,
    start_jobs: bool,
) -> None:
    """Open the store, wire the sides bottom-up, bind the endpoint and start the passes.

    Long on purpose: the one list of which side gets which parts, bottom-up.
    """
    graph_url, tenant_id = await _tenant(settings, stack)
    announce_mode(settings, graph_url)
    if tokens is not None:
        stack.callback(tokens.close)
    engine = await _open_store(stack, settings, clock, tenant_id)
    bell = OutboxBell()
    sessions = session_factory(engine, bell=bell)

    graph_tokens = graph_token_source or _graph_tokens(settings, graph_url, tokens)
    graph = wire_graph(
        stack,
        graph_url,
        graph_tokens,
        clock,
        teams_app_id=settings.teams_app_id or _sandbox_teams_app_id(),
        tenant_id=tenant_id,
    )
    hosting = wire_hosting(
        stack,
        settings,
        tokens,
        graph,
        sessions,
        clock,
        bot_id=settings.client_id or _sandbox_bot_id(),
        tenant_id=tenant_id,
    )
    bell.connect(hosting.delivery.notify)
    review = wire_review(settings, graph, hosting, sessions, clock, tenant_id=tenant_id)
    admin = wire_admin(graph, hosting, review, sessions, clock, tenant_id=tenant_id)
    diagnostician = wire_diagnosis(graph, hosting, review, sessions, clock)

    scheduler = AsyncIOScheduler(timezone="UTC")
    runtime.services = Services(
        settings=settings,
        graph_url=graph_url,
        sessions=sessions,
        graph=graph.gateway,
        app_writes=graph.app_writes,
        intake=review.intake,
        delivery=hosting.delivery,
        commands=admin.commands,
        decisions=review.decisions,
        diagnostician=diagnostician,
        decision_worker=review.decision_worker,
        reminders=review.reminders,
        scheduler=scheduler,
    )
    connections = connection_manager_for(settings, tokens)
    agent = create_agent_application(
        admin,
        review.decisions,
        review.card_requests,
        diagnostician,
        connections,
        graph.names,
        hosting.user_chats,
        hosting.sign_in,
    )
    endpoint.bind(
        agent,
        CloudAdapter(connection_manager=connections),
        _readiness(stack, engine, graph_url, graph_tokens),
    )
    endpoint.failed_messages = admin.failed.count
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
        _start_passes(stack, settings, scheduler, review, hosting, shutdown)


def _start_passes(
    stack: AsyncExitStack,
    settings: Settings,
    scheduler: AsyncIOScheduler,
    review: ReviewSide,
    hosting: HostingSide,
    shutdown: Shutdown,
) -> None:
    """Every background pass on the one scheduler; on shutdown they stop in this order."""
    # Intake and reminders queue messages and decisions, so delivery stops last.
    passes = [
        review.intake_pass,
        review.requester_refresh,
        review.reminders.scheduled,
        review.decision_worker.scheduled,
        hosting.delivery.scheduled,
    ]
    now = datetime.now(UTC)
    for scheduled in passes:
        later = scheduled is review.requester_refresh
        first = now + timedelta(seconds=settings.requester_refresh_seconds) if later else now
        scheduled.schedule(scheduler, first_run=first)
    scheduler.start()
    stack.push_async_callback(drain, shutdown, scheduler, passes)


async def _open_store(
    stack: AsyncExitStack, settings: Settings, clock: Clock, tenant_id: str
) -> AsyncEngine:
    """The store, migrated and seeded from ``CONFIG_FILE`` at the first start."""
    engine = create_engine(settings.effective_database_url)
    stack.push_async_callback(engine.dispose)
    await migrate(engine)
    await seed_config_file(engine, settings.config_file, clock(), tenant_id=tenant_id)
    return engine


def _readiness(
    stack: AsyncExitStack, engine: AsyncEngine, graph_url: str, tokens: AccessTokenProvider
) -> Callable[[], Awaitable[dict[str, bool]]]:
    """``/readyz``: the store answers and Graph is reachable."""
    graph_probe = GraphProbe(graph_url, tokens)
    stack.push_async_callback(graph_probe.close)

    async def readiness() -> dict[str, bool]:
        store, graph_ok = await asyncio.gather(store_reachable(engine), graph_probe.reachable())
        return {"store": store, "graph": graph_ok}

    return readiness


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
