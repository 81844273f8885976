"""Assembling and running the sandbox tenant as an aiohttp application.

``start_sandbox`` runs on the caller's event loop (``AppRunner`` + ``TCPSite``)
so tests and the bot can host the tenant in-process on a free port; the CLI's
``serve`` command uses the same function. With ``tls=True`` it serves https
with a certificate made at start, because MSAL refuses a plain-http authority.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from sandbox.bot_service.routes import add_token_service_routes
from sandbox.control_routes import add_control_routes
from sandbox.faults import fault_middleware
from sandbox.graph_routes import add_graph_routes
from sandbox.identity.routes import add_identity_routes
from sandbox.seed import seeded_tenant
from sandbox.sign_in_log_routes import add_sign_in_log_routes
from sandbox.tenant import SandboxTenant
from sandbox.tls import write_server_certificate

TENANT_KEY = web.AppKey("sandbox_tenant", SandboxTenant)


def create_sandbox_app(tenant: SandboxTenant | None = None) -> web.Application:
    """The sandbox as an aiohttp app: Graph under /v1.0 and /beta, control under /_sandbox,
    the identity platform under /{tenant}/... and /msi/token, the bot token service under /api."""
    tenant = tenant or seeded_tenant()
    app = web.Application()
    app[TENANT_KEY] = tenant
    count_calls = add_graph_routes(app, tenant)
    control_errors = add_control_routes(app, tenant)
    add_sign_in_log_routes(app, tenant)
    add_identity_routes(app, tenant)
    add_token_service_routes(app, tenant)
    # Counting runs first so calls turned into 429/503 by faults are counted too.
    app.middlewares.extend([control_errors, count_calls, fault_middleware(tenant)])
    return app


@dataclass
class SandboxHandle:
    """A running sandbox: its base URL (Graph at ``{url}/v1.0``) and its tenant.

    ``ca_file`` is the PEM certificate to trust when it serves https (else None).
    """

    url: str
    tenant: SandboxTenant
    _runner: web.AppRunner = field(repr=False)
    ca_file: str | None = None
    _certificates: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @property
    def graph_url(self) -> str:
        return f"{self.url}/v1.0"

    @property
    def authority(self) -> str:
        """The MSAL authority of the seeded tenant (https only, as MSAL requires)."""
        return f"{self.url}/{self.tenant.tenant_id}"

    @property
    def identity_endpoint(self) -> str:
        """``IDENTITY_ENDPOINT`` for an App Service managed identity."""
        return f"{self.url}/msi/token"

    async def close(self) -> None:
        await self._runner.cleanup()
        if self._certificates is not None:
            self._certificates.cleanup()


async def start_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    tenant: SandboxTenant | None = None,
    *,
    tls: bool = False,
) -> SandboxHandle:
    """Serve a sandbox tenant on the running event loop; port 0 picks a free port."""
    app = create_sandbox_app(tenant)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    certificates = tempfile.TemporaryDirectory(prefix="sandbox-tls-") if tls else None
    ca_file = None
    ssl_context = None
    if certificates is not None:
        paths = write_server_certificate(Path(certificates.name), host)
        ca_file, ssl_context = paths.ca_file, paths.server_context()
    try:
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
        await site.start()
    except BaseException:
        await runner.cleanup()
        if certificates is not None:
            certificates.cleanup()
        raise
    bound_port = port
    for address in runner.addresses:
        if isinstance(address, tuple):
            bound_port = int(address[1])
            break
    url_host = f"[{host}]" if ":" in host else host
    scheme = "https" if tls else "http"
    return SandboxHandle(
        f"{scheme}://{url_host}:{bound_port}", app[TENANT_KEY], runner, ca_file, certificates
    )
