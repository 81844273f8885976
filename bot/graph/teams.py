"""Opening a 1:1 chat with a user who never talked to the bot (graph-contract section 6).

The bot is installed for the user through Graph when it is not yet, and the
installation's chat id is the conversation the Bot Connector can post to.

The calls go out as plain JSON (``bot.graph.json_reads``): through
msgraph-sdk, the first answer about a Teams app built SDK models that import
a large part of the SDK's model graph, which held the event loop (and every
answer and click waiting on it) for seconds at the first notice after a start.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.graph.json_reads import GraphJson, GraphReadError, NotInGraph


class PersonalChats:
    """Finds or opens the chat between a user and this bot's Teams app."""

    def __init__(self, graph: GraphJson, graph_base_url: str, external_id: str) -> None:
        self._graph = graph
        self._base = graph_base_url.rstrip("/")
        self._external_id = external_id

    async def chat_id(self, user_id: str) -> str | None:
        """The chat id, installing the app for the user first if needed; None if impossible.

        Graph refusing (403) or not knowing the user (404) means no chat can be
        opened; throttling and outages raise, and delivery retries the notice.
        """
        apps = f"/users/{quote(user_id, safe='')}/teamwork/installedApps"
        try:
            installation = await self._installation(apps)
            if installation is None:
                catalog_id = await self._catalog_id()
                if catalog_id is None:
                    return None
                bind = f"{self._base}/v1.0/appCatalogs/teamsApps/{catalog_id}"
                try:
                    await self._graph.post(apps, {"teamsApp@odata.bind": bind})
                except GraphReadError as error:
                    if error.status != 409:  # 409: installed meanwhile
                        raise
                installation = await self._installation(apps)
            if installation is None:
                return None
            chat = await self._graph.get(f"{apps}/{quote(installation, safe='')}/chat")
        except NotInGraph:
            return None
        except GraphReadError as error:
            if error.status == 403:
                return None
            raise
        chat_id = chat.get("id")
        return chat_id if isinstance(chat_id, str) and chat_id else None

    async def _installation(self, apps: str) -> str | None:
        query = {
            "$expand": "teamsApp",
            "$filter": f"teamsApp/externalId eq '{self._external_id}'",
        }
        return _first_id(await self._graph.items(apps, query))

    async def _catalog_id(self) -> str | None:
        query = {"$filter": f"externalId eq '{self._external_id}'"}
        return _first_id(await self._graph.items("/appCatalogs/teamsApps", query))


def _first_id(items: list[dict[str, object]]) -> str | None:
    return next((str(i["id"]) for i in items if isinstance(i.get("id"), str) and i["id"]), None)
