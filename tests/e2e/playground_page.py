"""Page object for the Agents Playground's web client, so tests read like a person's steps.

Selectors use what the page exposes to assistive technology (tree items,
buttons, text boxes and their names) and the Adaptive Card renderer's
``ac-adaptiveCard`` class. The page's own class names are generated and change
between versions, so none is used.

Layout facts the selectors rely on (Playground 0.2.28):

- The left pane is a ``region`` "Chat and Teams Channel" with tree items
  "Personal Chat", "Group Chat" and "<team> - <channel>". It previews the last
  message of each chat, so text searches skip it.
- The log panel on the right repeats every message; ``open`` hides it (which
  removes it from the page) and ``log_panel_text`` shows it again to read it.
- A channel lists one ``group`` per thread, newest first; the first group
  holds the "Start a new post" box and its "Post" button. The bot hears a
  channel post only when it @mentions the bot: the mention is made by typing
  ``@`` and picking the bot from a menu, not by typing its name.
- Only what arrives while the page is connected is shown: open the page
  before the bot sends anything the test wants to see.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Locator, Page

DEFAULT_TIMEOUT_S = 20.0
_CARD = ".ac-adaptiveCard"
# Everything outside the left pane (chat list with its last-message previews).
_OUTSIDE_CHAT_LIST = "xpath=//*[not(ancestor-or-self::*[@role='region'])]"
_LOG_ENTRY = re.compile(r"\[\d{1,2}:\d{2}:\d{2}")


def _ms(seconds: float) -> float:
    return seconds * 1000


class PlaygroundPage:
    """One browser tab on the Playground, acting as its current user."""

    def __init__(self, page: Page, url: str, *, bot_name: str) -> None:
        self.page = page
        self.url = url
        self.bot_name = bot_name

    async def open(self, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        """Load the page and wait until the chat list is there; hide the log panel."""
        await self.page.goto(self.url, timeout=_ms(timeout_s))
        await self.page.get_by_role("treeitem", name="Personal Chat").wait_for(
            timeout=_ms(timeout_s)
        )
        # The panel starts open but may render after the chat list; hiding it too early is lost.
        await self.page.get_by_role("button", name="Clear logs").wait_for(timeout=_ms(timeout_s))
        await self._set_log_panel(visible=False)

    async def open_personal_chat(self) -> None:
        await self.page.get_by_role("treeitem", name="Personal Chat", exact=True).click()
        await self._compose_box().wait_for()

    async def open_channel(self, name: str, *, team: str | None = None) -> None:
        """Click the channel in the left pane (its item is named "<team> - <channel>")."""
        label = (
            re.compile(f"^{re.escape(team)} - {re.escape(name)}$")
            if team is not None
            else re.compile(f" - {re.escape(name)}$")
        )
        await self.page.get_by_role("treeitem", name=label).click()
        await self._new_post_group().get_by_role("textbox").wait_for()

    async def send(self, text: str) -> None:
        """Type a message in the open chat and press Enter; returns once it is shown."""
        box = self._compose_box()
        await box.click()
        await self.page.keyboard.type(text)
        await box.press("Enter")
        await self.wait_for_text(text)

    async def post_mentioning_bot(self, text: str) -> Locator:
        """Start a channel thread "@<bot> text"; returns the new thread once it is shown."""
        group = self._new_post_group()
        await group.get_by_role("textbox").click()
        await self.page.keyboard.type("@" + self.bot_name.split()[0])
        # The item's accessible name repeats the name (avatar + label), so match its text.
        exact_name = re.compile(rf"^\s*{re.escape(self.bot_name)}\s*$")
        await self.page.get_by_role("menuitem").filter(has_text=exact_name).click()
        await self.page.keyboard.type(" " + text)
        await group.get_by_role("button", name="Post", exact=True).click()
        return await self.wait_for_thread_containing(f"{self.bot_name} {text}")

    async def wait_for_text(
        self, text: str, timeout_s: float = DEFAULT_TIMEOUT_S, *, exact: bool = False
    ) -> Locator:
        """Wait until the conversation shows ``text``; returns the first element holding it."""
        found = (
            self.page.get_by_text(text, exact=exact)
            .and_(self.page.locator(_OUTSIDE_CHAT_LIST))
            .filter(visible=True)
            .first
        )
        await found.wait_for(timeout=_ms(timeout_s))
        return found

    async def wait_for_card_containing(
        self, text: str, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> Locator:
        """Wait for an Adaptive Card whose text contains ``text``; returns the first such card.

        Channel threads are listed newest first, a chat's messages oldest
        first, so make ``text`` specific to one card.
        """
        card = self.page.locator(_CARD).filter(has_text=text).first
        await card.wait_for(timeout=_ms(timeout_s))
        return card

    async def wait_for_thread_containing(
        self, text: str, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> Locator:
        """A channel thread (root post and its replies) whose text contains ``text``."""
        thread = self.page.get_by_role("group").filter(has_text=text).first
        await thread.wait_for(timeout=_ms(timeout_s))
        return thread

    async def click_card_button(self, title: str, *, card: Locator | None = None) -> None:
        """Click a card action by its title; without ``card`` exactly one card may have it.

        ``Action.OpenUrl`` opens a new tab, whose outside address the browser
        blocks (and records in ``BrowserSession.blocked_urls``, without the
        ``#fragment``); ``card_link_url`` reads the full address without clicking.
        """
        await self._card_action(title, card).click()

    async def card_link_url(self, title: str, *, card: Locator | None = None) -> str | None:
        """Where an ``Action.OpenUrl`` button goes (the renderer puts the URL in its title)."""
        scope = card if card is not None else self.page.locator(_CARD)
        return await scope.get_by_role("link", name=title, exact=True).get_attribute("title")

    def _card_action(self, title: str, card: Locator | None) -> Locator:
        # Action.Execute/Submit render as buttons, Action.OpenUrl as a button with role "link".
        scope = card if card is not None else self.page.locator(_CARD)
        return scope.get_by_role("button", name=title, exact=True).or_(
            scope.get_by_role("link", name=title, exact=True)
        )

    async def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(path), full_page=True)
        return path

    async def log_panel_text(self) -> str:
        """The page's traffic log (every activity in and out, with HTTP status), for reports."""
        await self._set_log_panel(visible=True)
        try:
            panel = (
                self.page.locator("div")
                .filter(has=self.page.get_by_text("Log Panel", exact=True))
                .filter(has=self.page.get_by_role("button", name="Clear logs"))
                .filter(has_text=_LOG_ENTRY)
                .last  # the innermost: ancestors come first in document order
            )
            return await panel.inner_text()
        finally:
            await self._set_log_panel(visible=False)

    async def _set_log_panel(self, *, visible: bool) -> None:
        clear = self.page.get_by_role("button", name="Clear logs")
        if await clear.is_visible() != visible:
            await self.page.get_by_role("button", name="Toggle Log Panel").click()
            await clear.wait_for(state="visible" if visible else "hidden")

    def _compose_box(self) -> Locator:
        # A chat has one text box; a channel has one per thread, so this fails there on purpose.
        return self.page.get_by_role("textbox")

    def _new_post_group(self) -> Locator:
        return self.page.get_by_role("group").filter(
            has=self.page.get_by_role("button", name="Post", exact=True)
        )
