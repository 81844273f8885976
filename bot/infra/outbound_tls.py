"""TLS trust for the bot's own outgoing connections, read when each connection pool opens.

aiohttp builds its default TLS context once, when it is imported, so the
standard ``SSL_CERT_FILE`` variable set for a container (an organisation's
TLS-inspecting proxy, say) would be ignored by it while httpx and requests
honour it (requests through ``REQUESTS_CA_BUNDLE``). Every aiohttp session of
the bot takes its connector from here so all clients trust the same roots.
"""

from __future__ import annotations

import ssl

import aiohttp


def outbound_connector(limit: int = 100) -> aiohttp.TCPConnector:
    """A connector verifying servers against the system's roots (or ``SSL_CERT_FILE``).

    ``limit`` caps the connections open at once (aiohttp's default is 100);
    a call beyond it waits for a free one.
    """
    return aiohttp.TCPConnector(ssl=ssl.create_default_context(), limit=limit)
