"""Headless Chromium for end-to-end tests, driven through Playwright's async API.

The browser is Debian's ``chromium`` package, not one of Playwright's own
builds: ``playwright install`` downloads browsers, and nothing outside the
package registries can be fetched on the machines this project runs on. The
flags keep Chromium from phoning home (component updates, sync, background
networking) and make it work as root in a container (``--no-sandbox``).

Every request to a host other than loopback is aborted: the Playground's page
asks a CDN for fonts, and an Adaptive Card's ``Action.OpenUrl`` opens an outside
address. Tests must not reach the internet, and the aborted addresses are kept
so a test can still check which link a button opened.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page, Route, ViewportSize, async_playwright

CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}


@dataclass
class BrowserSession:
    """An open page plus what the page tried to reach outside and said on its console."""

    page: Page
    context: BrowserContext
    blocked_urls: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


def _is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return (parts.hostname or "") in LOOPBACK_HOSTS or (parts.hostname or "").startswith("127.")


@asynccontextmanager
async def chromium_page(
    *,
    executable: Path = CHROMIUM_PATH,
    timeout_ms: float = 20_000,
    locale: str = "en-US",
) -> AsyncIterator[BrowserSession]:
    """A fresh browser, context and page; everything is closed on exit, even after a failure."""
    if not os.access(executable, os.X_OK):
        raise FileNotFoundError(
            f"{executable} not found: install Debian's chromium (apt-get install -y chromium)"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(executable), args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            context = await browser.new_context(viewport=VIEWPORT, locale=locale)
            context.set_default_timeout(timeout_ms)
            session = BrowserSession(page=await context.new_page(), context=context)

            async def guard(route: Route) -> None:
                if _is_loopback(route.request.url):
                    await route.continue_()
                else:
                    session.blocked_urls.append(route.request.url)
                    await route.abort("blockedbyclient")

            await context.route("**/*", guard)
            session.page.on(
                "console", lambda message: session.console.append(f"{message.type}: {message.text}")
            )
            yield session
        finally:
            await browser.close()
