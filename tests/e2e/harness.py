"""One call that gives a test the Playground, a browser on it, and a failure report.

Order matters: the bot must already answer on ``bot_endpoint`` (the page's
first connection makes the Playground wait for it and send
``installationUpdate``/``conversationUpdate``), and the page is opened before
the test lets the bot send anything, because the page shows only what arrives
while it is connected.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.browser import BrowserSession, chromium_page
from tests.e2e.playground import RunningPlayground, run_playground
from tests.e2e.playground_page import PlaygroundPage


@dataclass
class PlaygroundSession:
    playground: RunningPlayground
    browser: BrowserSession
    ui: PlaygroundPage

    async def save_artifacts(self, directory: Path) -> Path:
        """Screenshot, the page's traffic log and the Playground's own logs, for a failed test."""
        await self.ui.screenshot(directory / "page.png")
        texts = {
            "traffic.log": await self.ui.log_panel_text(),
            "playground.log": self.playground.log_text(),
            "browser-console.log": "\n".join(self.browser.console),
            "blocked-urls.txt": "\n".join(self.browser.blocked_urls),
        }
        await asyncio.to_thread(_write_texts, directory, texts)
        return directory


def _write_texts(directory: Path, texts: dict[str, str]) -> None:
    for name, text in texts.items():
        (directory / name).write_text(text)


@asynccontextmanager
async def playground_session(
    bot_endpoint: str, workdir: Path, *, bot_name: str, locale: str = "en-US"
) -> AsyncIterator[PlaygroundSession]:
    """Start the Playground in ``workdir`` (which holds its yml) and open its page.

    ``locale`` is both the browser's and the Playground process's, which is
    where the locale of the activities it sends could come from.
    """
    async with (
        run_playground(bot_endpoint, workdir, locale=locale) as playground,
        chromium_page(locale=locale) as browser,
    ):
        ui = PlaygroundPage(browser.page, playground.url, bot_name=bot_name)
        await ui.open()
        yield PlaygroundSession(playground, browser, ui)
