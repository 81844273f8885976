"""Assembling and running the sandbox tenant as an aiohttp application.

``start_sandbox`` runs on the caller's event loop (``AppRunner`` + ``TCPSite``)
so tests and the bot can host the tenant in-process on a free port; the CLI's
``serve`` command uses the same function.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from sandbox.control_routes import add_control_routes
from sandbox.faults import fault_middleware
from sandbox.graph_routes import add_graph_routes
from sandbox.seed import seeded_tenant
from sandbox.tenant import SandboxTenant

TENANT_KEY = web.AppKey("sandbox_tenant", SandboxTenant)


def create_sandbox_app(tenant: SandboxTenant | None = None) -> web.Application:
    """The sandbox as an aiohttp app: Graph under /v1.0 and /beta, control under /_sandbox."""
    tenant = tenant or seeded_tenant()
    app = web.Application()
    app[TENANT_KEY] = tenant
    count_calls = add_graph_routes(app, tenant)
    control_errors = add_control_routes(app, tenant)
    # Counting runs first so calls turned into 429/503 by faults are counted too.
    app.middlewares.extend([control_errors, count_calls, fault_middleware(tenant)])
    return app


@dataclass
class SandboxHandle:
    """A running sandbox: its base URL (Graph at ``{url}/v1.0``) and its tenant."""

    url: str
    tenant: SandboxTenant
    _runner: web.AppRunner = field(repr=False)

    @property
    def graph_url(self) -> str:
        return f"{self.url}/v1.0"

    async def close(self) -> None:
        await self._runner.cleanup()


async def start_sandbox(
    host: str = "127.0.0.1", port: int = 0, tenant: SandboxTenant | None = None
) -> SandboxHandle:
    """Serve a sandbox tenant on the running event loop; port 0 picks a free port."""
    app = create_sandbox_app(tenant)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = port
    for address in runner.addresses:
        if isinstance(address, tuple):
            bound_port = int(address[1])
            break
    url_host = f"[{host}]" if ":" in host else host
    return SandboxHandle(f"http://{url_host}:{bound_port}", app[TENANT_KEY], runner)
