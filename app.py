"""Composition root: settings -> store -> the sides of the bot -> scheduler -> aiohttp.

``python app.py`` runs the bot. Each side wires itself (``bot/*/wiring.py``),
bottom-up: Graph, Teams hosting, the review workflow, admin configuration, the
diagnosis and proactive help; everything is built here and handed down, so no module reaches
for globals, and tests build the same graph of objects with their own
settings and clock. APScheduler runs every background pass.

``python app.py`` serves first: importing the bot is most of a start (about
a second of CPU on a small machine), and an orchestrator only needs
``/healthz`` to know the process is up. So this module imports at the top only
what serving needs; the sides are imported in a worker thread once the
listener is open and put together on the event loop. Until then ``/readyz``
says "starting" and activities wait for the start to end; a start that fails
still ends the process with its error. Tests put the bot together before
serving (``create_app``'s default), as they always did.

Longer than 300 lines on purpose: the order in which the process is put
together and taken apart is easiest to check when it reads in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import sys
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.hosting.agents_connection import channel_gate_for
from bot.hosting.http import Endpoint, create_routes
from bot.hosting.workers import follow_supervisor, supervise
from bot.infra.app_tokens import AppTokens, app_tokens_for
from bot.infra.clock import Clock, utc_now
from bot.infra.logging_setup import announce_mode, configure_logging
from bot.infra.request_context import request_ids
from bot.infra.shutdown import Drainable, Shutdown, drain
from config.settings import ApprovalMode, Mode, Settings, load_settings

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from kiota_abstractions.authentication import AccessTokenProvider
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from bot.admin.commands import ChatCommands
    from bot.diagnosis.service import Diagnostician
    from bot.graph import GraphGateway
    from bot.graph.apps import AppWrites
    from bot.hosting.delivery import DeliveryWorker
    from bot.hosting.wiring import HostingSide
    from bot.infra.job_lease import JobLease
    from bot.outreach.job import ProactiveHelp
    from bot.outreach.wiring import OutreachSide
    from bot.review.decision_worker import DecisionWorker
    from bot.review.decisions import DecisionService
    from bot.review.intake import Intake
    from bot.review.reminders import ReminderWorker
    from bot.review.request_details import RequestDetails
    from bot.review.wiring import ReviewSide

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
    request_details: RequestDetails
    delivery: DeliveryWorker
    commands: ChatCommands
    decisions: DecisionService
    diagnostician: Diagnostician
    decision_worker: DecisionWorker
    reminders: ReminderWorker
    proactive_help: ProactiveHelp
    scheduler: AsyncIOScheduler


class Runtime:
    """Filled in when the app starts; the app itself cannot change after start-up."""

    services: Services | None = None
    failure: Exception | None = None
    """Why a start after serving failed (``main`` ends the process with it)."""

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
    serve_first: bool = False,
) -> web.Application:
    """Build the aiohttp application; resources open and close with its lifecycle.

    ``graph_token_source`` replaces the mode's Graph tokens (tests hand in tokens
    with chosen permissions). ``serve_first`` puts the bot together after the
    listener is open (``python app.py``, see ``_start_after_serving``).
    """
    started = asyncio.Event()
    middlewares = [request_ids, _held_until_started(started)] if serve_first else [request_ids]
    app = web.Application(client_max_size=512 * 1024, middlewares=middlewares)
    tokens = app_tokens_for(settings) if settings.mode is Mode.PRODUCTION else None
    runtime = Runtime()
    shutdown = Shutdown(settings.shutdown_grace_seconds)
    endpoint = Endpoint(shutdown)
    endpoint.callers = channel_gate_for(settings)
    endpoint.https_only = settings.mode is Mode.PRODUCTION
    endpoint.worker = settings.worker_index

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(endpoint.callers.close)
            put_together = partial(
                _compose,
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
            async with _assembled(put_together, runtime, started, serve_first=serve_first):
                yield

    async def stop_taking_work(_app: web.Application) -> None:
        shutdown.begin()
        started.set()  # activities held for the start are answered now ("stopping")

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
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from microsoft_agents.hosting.aiohttp import CloudAdapter

    from bot.admin.wiring import wire_admin
    from bot.application import create_agent_application
    from bot.diagnosis.wiring import wire_diagnosis
    from bot.graph.wiring import wire_graph
    from bot.hosting.agents_connection import connection_manager_for
    from bot.hosting.wiring import wire_hosting
    from bot.infra.job_lease import SCHEDULED_JOBS, JobLease
    from bot.outreach.wiring import wire_outreach
    from bot.review.wiring import wire_review
    from bot.store.database import session_factory
    from bot.store.job_leases import StoredLease
    from bot.store.outbox_bell import OutboxBell

    graph_url, tenant_id = await _tenant(settings, stack)
    announce_mode(settings, graph_url)
    if tokens is not None:
        stack.callback(tokens.close)
    graph_tokens = graph_token_source or _graph_tokens(settings, graph_url, tokens)
    self_check = _start_self_check(stack, settings, endpoint, graph_url, graph_tokens)
    engine = await _open_store(stack, settings, clock, tenant_id)
    bell = OutboxBell()
    sessions = session_factory(engine, bell=bell)

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
    admin = wire_admin(
        graph, hosting, review, sessions, clock, tenant_id=tenant_id, settings=settings
    )
    diagnostician = wire_diagnosis(graph, hosting, review, sessions, clock)
    outreach = wire_outreach(settings, graph, diagnostician, sessions, clock)

    scheduler = AsyncIOScheduler(timezone="UTC")
    runtime.services = Services(
        settings=settings,
        graph_url=graph_url,
        sessions=sessions,
        graph=graph.gateway,
        app_writes=graph.app_writes,
        intake=review.intake,
        request_details=review.details,
        delivery=hosting.delivery,
        commands=admin.commands,
        decisions=review.decisions,
        diagnostician=diagnostician,
        decision_worker=review.decision_worker,
        reminders=review.reminders,
        proactive_help=outreach.job,
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
        outreach=outreach.choices,
    )
    endpoint.bind(
        agent,
        CloudAdapter(connection_manager=connections),
        _readiness(stack, engine, graph_url, graph_tokens, self_check),
    )
    endpoint.failed_messages = admin.failed.count
    if start_jobs:
        jobs = JobLease(StoredLease(sessions, SCHEDULED_JOBS), clock)
        _start_passes(stack, settings, scheduler, review, hosting, outreach, shutdown, jobs)


def _start_passes(
    stack: AsyncExitStack,
    settings: Settings,
    scheduler: AsyncIOScheduler,
    review: ReviewSide,
    hosting: HostingSide,
    outreach: OutreachSide,
    shutdown: Shutdown,
    jobs: JobLease,
) -> None:
    """Every background pass on the one scheduler; on shutdown they stop in this order.

    The passes that poll Graph or scan the whole store run only in the process that
    holds the job lease (several workers or replicas run them once); row workers run
    everywhere, so a click's decision is carried out where it was woken.
    """
    jobs.guard(
        review.intake_pass,
        review.details_pass,
        review.requester_refresh,
        review.reminders.scheduled,
        outreach.scheduled,
    )
    # Intake, reminders and proactive help queue messages and decisions, so delivery stops last.
    passes = [
        review.intake_pass,
        review.details_pass,
        review.requester_refresh,
        review.reminders.scheduled,
        review.decision_worker.scheduled,
        outreach.scheduled,
        hosting.delivery.scheduled,
    ]
    now = datetime.now(UTC)
    for scheduled in [jobs.scheduled, *passes]:
        later = scheduled is review.requester_refresh
        first = now + timedelta(seconds=settings.requester_refresh_seconds) if later else now
        scheduled.schedule(scheduler, first_run=first)
    scheduler.start()
    # The lease is given up once the passes it guards have finished; delivery still goes last.
    stopping: list[Drainable] = [*passes[:-1], jobs, passes[-1]]
    stack.push_async_callback(drain, shutdown, scheduler, stopping)


async def _open_store(
    stack: AsyncExitStack, settings: Settings, clock: Clock, tenant_id: str
) -> AsyncEngine:
    """The store, migrated and seeded from ``CONFIG_FILE`` at the first start."""
    from bot.admin.config_seed import seed_config_file
    from bot.store.database import create_engine, migrate

    engine = create_engine(settings.effective_database_url)
    stack.push_async_callback(engine.dispose)
    await migrate(engine)
    await seed_config_file(engine, settings.config_file, clock(), tenant_id=tenant_id)
    return engine


SELF_CHECK = "permission_self_check"
"""The ``/readyz`` check that is false (and only present) while the self-check still runs."""


def _start_self_check(
    stack: AsyncExitStack,
    settings: Settings,
    endpoint: Endpoint,
    graph_url: str,
    tokens: AccessTokenProvider,
) -> asyncio.Task[None]:
    """The Graph permission self-check, run beside the start instead of before it.

    In production it waits on Entra for a token (up to 15 s), which must not
    hold up the start (nor, in tests, ``/healthz``); ``/readyz`` says not ready
    until it is done and then reports what it found. With a local token it
    finishes while the store opens, so the start reports it exactly as before.
    """
    from bot.admin.permission_check import check_graph_permissions, features_off_json
    from bot.admin.permissions import app_only_features

    async def check() -> None:
        try:
            off = await check_graph_permissions(
                tokens,
                graph_url,
                required=settings.mode is Mode.PRODUCTION,
                features=app_only_features(
                    delegated_approvals=settings.approval_mode is ApprovalMode.DELEGATED
                ),
            )
        except Exception:  # a failed self-check must not stop the bot
            logger.exception("permission self-check failed; not checked")
            return
        endpoint.features_off = features_off_json(off)

    task = asyncio.create_task(check(), name="permission self-check")
    stack.push_async_callback(_cancel, task)
    return task


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _readiness(
    stack: AsyncExitStack,
    engine: AsyncEngine,
    graph_url: str,
    tokens: AccessTokenProvider,
    self_check: asyncio.Task[None],
) -> Callable[[], Awaitable[dict[str, bool]]]:
    """``/readyz``: the store answers, Graph is reachable, and the self-check has reported."""
    from bot.hosting.readiness import GraphProbe, store_reachable

    graph_probe = GraphProbe(graph_url, tokens)
    stack.push_async_callback(graph_probe.close)

    async def readiness() -> dict[str, bool]:
        store, graph_ok = await asyncio.gather(store_reachable(engine), graph_probe.reachable())
        checks = {"store": store, "graph": graph_ok}
        if not self_check.done():
            checks[SELF_CHECK] = False
        return checks

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
    from bot.infra.graph_auth import AppGraphTokens, SandboxTokenProvider

    if tokens is None:
        return SandboxTokenProvider(graph_url)
    return AppGraphTokens(graph_url, tokens)


def _sandbox_teams_app_id() -> str:
    from sandbox.seed import TEAMS_APP_EXTERNAL_ID

    return TEAMS_APP_EXTERNAL_ID


def _sandbox_bot_id() -> str:
    from sandbox.seed import BOT_APP_ID

    return BOT_APP_ID


PROBES = frozenset({"/healthz", "/readyz"})
START_WAIT_SECONDS = 10.0
"""How long an activity that arrives while the bot is starting waits for it (then: 503)."""
_THE_BOT = (
    "apscheduler.schedulers.asyncio",
    "microsoft_agents.hosting.aiohttp",
    "bot.admin.config_seed",
    "bot.admin.permission_check",
    "bot.admin.permissions",
    "bot.admin.wiring",
    "bot.application",
    "bot.diagnosis.wiring",
    "bot.graph.wiring",
    "bot.hosting.readiness",
    "bot.hosting.wiring",
    "bot.infra.graph_auth",
    "bot.infra.job_lease",
    "bot.outreach.wiring",
    "bot.review.wiring",
    "bot.store.database",
    "bot.store.job_leases",
    "bot.store.outbox_bell",
)
"""What ``_compose`` and its helpers import. One left out is imported on the event loop
instead, which only makes the probes wait meanwhile."""


@contextlib.asynccontextmanager
async def _assembled(
    put_together: Callable[[], Awaitable[None]],
    runtime: Runtime,
    started: asyncio.Event,
    *,
    serve_first: bool,
) -> AsyncIterator[None]:
    """The bot put together before serving, or (``serve_first``) once serving has begun."""
    if not serve_first:
        await put_together()
        yield
        return
    starting = asyncio.create_task(_start_after_serving(put_together, runtime, started))
    try:
        yield
    finally:
        await _cancel(starting)


def _import_the_bot() -> None:
    for name in _THE_BOT:
        importlib.import_module(name)


async def _start_after_serving(
    put_together: Callable[[], Awaitable[None]], runtime: Runtime, started: asyncio.Event
) -> None:
    """Import the sides in a worker thread, so the loop keeps answering, then put them together.

    A failure is kept for ``main`` and stops the server the way SIGTERM does, so
    the process still ends with the error, only after ``/healthz`` has answered.
    """
    try:
        await asyncio.to_thread(_import_the_bot)
        await put_together()
    except Exception as error:
        runtime.failure = error
        asyncio.get_running_loop().call_soon(_stop_serving)
    finally:
        started.set()


def _stop_serving() -> None:
    """Raised in a loop callback, as aiohttp's own SIGTERM handler does: ``run_app`` stops."""
    raise web.GracefulExit


def _held_until_started(started: asyncio.Event) -> Middleware:
    """Activities that arrive while the bot is starting wait for it instead of a 503.

    A sender that saw ``/healthz`` answer may post at once (the benchmarks do),
    and a bot that is seconds from ready should take the activity. The probes
    answer at once: ``/readyz`` says "starting" until the start is over.
    """

    @web.middleware
    async def hold(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not started.is_set() and request.path not in PROBES:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(started.wait(), START_WAIT_SECONDS)
        return await handler(request)

    return hold


def main() -> None:
    # The Agents SDK keys the aiohttp request with a string (its contract); don't warn per request.
    warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module=r"microsoft_agents\.")
    settings = load_settings()
    configure_logging(settings)
    if settings.workers > 1 and settings.worker_index is None:  # this process supervises them
        sys.exit(supervise(settings, [sys.executable, *sys.orig_argv[1:]]))
    if settings.worker_index is not None:
        follow_supervisor()
    app = create_app(settings, serve_first=True)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=None,
        access_log=None,
        shutdown_timeout=settings.shutdown_grace_seconds,
        reuse_port=settings.worker_index is not None,
    )
    failure = app[RUNTIME].failure
    if failure is not None:
        raise failure


if __name__ == "__main__":
    main()
