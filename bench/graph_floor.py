"""The Graph floor: one round trip to the stand-in at the run's latency.

Latency figures are read against it ("3.1 x floor" = the time of about three
sequential Graph calls), so a run on a slower machine or with another latency
stays comparable. The call timed is the bot's own readiness probe, ``GET
/v1.0/identityGovernance/appConsent/appConsentRequests?$top=1&$select=id``
with the bot's sandbox token (``sandbox-local-token``): authenticated,
permission-checked and checked against Graph's metadata like every call the
bot makes, with the fault middleware's latency applied, yet as small as a
Graph answer gets (the tenant has no request yet). It runs against a
sandbox process of its own, over one kept-alive connection as the bot's
client uses, after two warm-up calls (the first parses Graph's metadata);
the figure is the median of ``samples`` calls.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout

from bench.figures import Figure, millis
from bench.rig import start_sandbox
from bench.sandbox_api import SandboxApi

WARM_UP = 2
PROBE_PATH = "/v1.0/identityGovernance/appConsent/appConsentRequests?$top=1&$select=id"
"""``bot.hosting.readiness.PROBE_PATH``, copied: the load generator does not import the bot."""
SANDBOX_TOKEN = "sandbox-local-token"  # noqa: S105 - bot.infra.graph_auth's fixed local token


async def _timed_get(http: ClientSession, url: str) -> float:
    started = time.perf_counter()
    async with http.get(url, headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"the Graph floor call answered {response.status}")
    return (time.perf_counter() - started) * 1000


async def measure_floor(latency_ms: int, samples: int = 10) -> Figure:
    """One Graph round trip in ms (median of ``samples``), as a reference figure."""
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as work:
        sandbox, url = await start_sandbox(Path(work), "floor-sandbox")
        try:
            async with ClientSession(timeout=ClientTimeout(total=30)) as http:
                await SandboxApi(url, http).set_latency(latency_ms)
                timings = [await _timed_get(http, url + PROBE_PATH) for _ in range(WARM_UP)]
                timings = [await _timed_get(http, url + PROBE_PATH) for _ in range(samples)]
        finally:
            await sandbox.stop()
    floor = statistics.median(timings)
    return Figure(
        "graph_floor",
        "Graph floor: one round trip to the stand-in",
        f"reference ({latency_ms} ms latency)",
        measured=millis(floor),
        value=round(floor, 1),
        unit="ms",
        detail={
            "call": "GET " + PROBE_PATH,
            "samples": samples,
            "min_ms": round(min(timings), 1),
            "max_ms": round(max(timings), 1),
            "latency_ms": latency_ms,
        },
    )
