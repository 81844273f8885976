"""A fresh sandbox tenant + bot pair for one scenario, and the connector they talk to.

Every scenario gets its own pair (new processes, new data directory, new
tenant), so one scenario's backlog, caches or leftover work cannot change
another's figures. The bot runs in sandbox mode with Graph pointed at the
sandbox process; the settings that could send it elsewhere (credentials, a
database URL, a config file, proxies) are pinned so that nothing leaves
127.0.0.1 whatever the caller's environment holds.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout

from bench.bot_log import log_problems
from bench.connector import TimedConnector, running_connector
from bench.processes import HOST, ChildProcess, free_port
from bench.sandbox_api import SandboxApi


@dataclass(frozen=True)
class BotOptions:
    latency_ms: int = 100
    poll_interval_s: float = 2.0
    extra_env: dict[str, str] = field(default_factory=dict)
    workers: int = 1
    """``WORKERS``: processes serving the bot's port (pinned, whatever the caller's environment)."""


def bot_env(
    sandbox_url: str, connector_url: str, port: int, data_dir: Path, poll_interval_s: float
) -> dict[str, str]:
    """The bot's environment: sandbox mode against ``sandbox_url``, all on 127.0.0.1."""
    return {
        "GRAPH_BASE_URL": sandbox_url,
        "HOST": HOST,
        "PORT": str(port),
        "DATA_DIR": str(data_dir),
        "POLL_INTERVAL_SECONDS": f"{poll_interval_s:g}",
        # The requester refresh (one Graph call per pending request, every 5 minutes by
        # default) is not the poll; kept out of the windows where polls are counted.
        "REQUESTER_REFRESH_SECONDS": "3600",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "text",
        "CLOUD": "public",
        "APPROVAL_MODE": "app_only",
        # Pinned empty: with any of them the bot would leave sandbox mode or this directory.
        "CLIENT_ID": "",
        "CLIENT_SECRET": "",
        "TENANT_ID": "",
        "CLIENT_CERTIFICATE_PATH": "",
        "USE_MANAGED_IDENTITY": "false",
        "DATABASE_URL": "",
        "CONFIG_FILE": "",
        "BOT_OPENID_METADATA_URL": "",
        "BOT_TOKEN_SERVICE_URL": "",
        # 1:1 notices to people the bot never talked to go here: the local connector.
        "TEAMS_SERVICE_URL": connector_url,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }


async def start_sandbox(work: Path, name: str = "sandbox") -> tuple[ChildProcess, str]:
    """``python -m sandbox serve`` on a free port; the child and its URL once it answers."""
    port = free_port()
    url = f"http://{HOST}:{port}"
    sandbox = ChildProcess(
        name,
        ["-m", "sandbox", "serve", "--host", HOST, "--port", str(port)],
        work / f"{name}.log",
        {"NO_PROXY": "127.0.0.1,localhost"},
    )
    await sandbox.start()
    await sandbox.wait_ready(f"{url}/_sandbox/state")
    return sandbox, url


@dataclass
class Pair:
    """A running sandbox and bot; times are ``time.perf_counter()`` readings."""

    sandbox: SandboxApi
    bot: ChildProcess
    bot_url: str
    connector: TimedConnector
    http: ClientSession
    data_dir: Path
    healthz_after_s: float
    rss_at_start_mb: float | None

    async def post(self, body: dict[str, Any]) -> tuple[int, str, float]:
        """POST an activity to ``/api/messages``: status, body text, seconds it took."""
        started = time.perf_counter()
        async with self.http.post(f"{self.bot_url}/api/messages", json=body) as response:
            text = await response.text()
        return response.status, text, time.perf_counter() - started

    def bot_problems(self) -> list[str]:
        """Distinct warnings, errors and exceptions in the bot's log so far."""
        return log_problems(self.bot.log_path)


SandboxSetup = Callable[[SandboxApi], Awaitable[None]]


async def _findings(pair: Pair) -> list[str]:
    """What looked wrong during the run: errors the bot logged, requests Graph would refuse."""
    found = [f"bot log: {line}" for line in pair.bot_problems()]
    try:
        violations = await pair.sandbox.contract_violations()
    except Exception as error:  # reported, never fatal: the figures are what was asked for
        violations = [f"could not read /_sandbox/contract: {error}"]
    found += [f"Graph contract: {str(v)[:300]}" for v in violations]
    return found


@asynccontextmanager
async def running_pair(
    options: BotOptions,
    before_bot: SandboxSetup | None = None,
    findings: list[str] | None = None,
) -> AsyncIterator[Pair]:
    """Connector, sandbox (latency set, ``before_bot`` applied), then the bot, ready.

    On the way out, whatever looked wrong (``_findings``) is added to ``findings``.
    """
    async with AsyncExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        connector = await stack.enter_async_context(running_connector())
        http = await stack.enter_async_context(ClientSession(timeout=ClientTimeout(total=120)))
        sandbox, sandbox_url = await start_sandbox(work)
        stack.push_async_callback(sandbox.stop)
        api = SandboxApi(sandbox_url, http)
        await api.set_latency(options.latency_ms)
        if before_bot is not None:
            await before_bot(api)
        port = free_port()
        (work / "data").mkdir()
        env = bot_env(sandbox_url, connector.url, port, work / "data", options.poll_interval_s)
        env["WORKERS"] = str(options.workers)
        bot = ChildProcess("bot", ["app.py"], work / "bot.log", {**env, **options.extra_env})
        await bot.start()
        stack.push_async_callback(bot.stop)
        bot_url = f"http://{HOST}:{port}"
        healthz_after = await bot.wait_ready(f"{bot_url}/healthz")
        pair = Pair(api, bot, bot_url, connector, http, work / "data", healthz_after, bot.rss_mb())
        try:
            yield pair
        finally:
            if findings is not None:
                findings += await _findings(pair)
