"""Opening a 1:1 chat with a user who never talked to the bot (graph-contract section 6).

The bot is installed for the user through Graph when it is not yet, and the
installation's chat id is the conversation the Bot Connector can post to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiota_abstractions.base_request_configuration import RequestConfiguration

from bot.graph.connection import GraphConnection
from bot.graph.sdk_errors import odata_error

if TYPE_CHECKING:
    from msgraph import GraphServiceClient

# msgraph-sdk's models and request builders are imported where they are used, at the
# first chat opened, not at start (``bot.graph.connection`` says why).


class PersonalChats:
    """Finds or opens the chat between a user and this bot's Teams app."""

    def __init__(self, connection: GraphConnection, graph_base_url: str, external_id: str) -> None:
        self._connection = connection
        self._base = graph_base_url
        self._external_id = external_id

    @property
    def _client(self) -> GraphServiceClient:
        return self._connection.client

    async def chat_id(self, user_id: str) -> str | None:
        """The chat id, installing the app for the user first if needed; None if impossible."""
        from msgraph.generated.models.user_scope_teams_app_installation import (
            UserScopeTeamsAppInstallation,
        )

        try:
            installation = await self._installation(user_id)
            if installation is None:
                catalog_id = await self._catalog_id()
                if catalog_id is None:
                    return None
                bind = f"{self._base}/v1.0/appCatalogs/teamsApps/{catalog_id}"
                body = UserScopeTeamsAppInstallation(additional_data={"teamsApp@odata.bind": bind})
                try:
                    await self._client.users.by_user_id(user_id).teamwork.installed_apps.post(body)
                except odata_error() as error:
                    if error.response_status_code != 409:  # installed meanwhile
                        raise
                installation = await self._installation(user_id)
            if installation is None:
                return None
            chat = (
                await self._client.users.by_user_id(user_id)
                .teamwork.installed_apps.by_user_scope_teams_app_installation_id(installation)
                .chat.get()
            )
        except odata_error() as error:
            if error.response_status_code in {403, 404}:
                return None
            raise
        return chat.id if chat and chat.id else None

    async def _installation(self, user_id: str) -> str | None:
        from msgraph.generated.users.item.teamwork.installed_apps.installed_apps_request_builder import (  # noqa: E501
            InstalledAppsRequestBuilder as Builder,
        )

        query = Builder.InstalledAppsRequestBuilderGetQueryParameters(
            expand=["teamsApp"], filter=f"teamsApp/externalId eq '{self._external_id}'"
        )
        page = await self._client.users.by_user_id(user_id).teamwork.installed_apps.get(
            RequestConfiguration(query_parameters=query)
        )
        for item in (page.value if page else None) or []:
            if item.id:
                return str(item.id)
        return None

    async def _catalog_id(self) -> str | None:
        from msgraph.generated.app_catalogs.teams_apps.teams_apps_request_builder import (
            TeamsAppsRequestBuilder as Builder,
        )

        query = Builder.TeamsAppsRequestBuilderGetQueryParameters(
            filter=f"externalId eq '{self._external_id}'"
        )
        page = await self._client.app_catalogs.teams_apps.get(
            RequestConfiguration(query_parameters=query)
        )
        for item in (page.value if page else None) or []:
            if item.id:
                return str(item.id)
        return None
