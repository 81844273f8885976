"""The Teams app catalogue and per-user installations the bot needs for 1:1 chats.

Proactive messages to a user need the bot installed for that user and the chat
id of that installation. A user may also have blocked the bot; Teams then
refuses message writes with 403 ``MessageWritesBlocked``, which the bot must
record rather than retry, so the sandbox can simulate it per user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.clock import Clock, graph_time
from sandbox.errors import Conflict, Forbidden, NotFound, missing
from sandbox.ids import installation_id


@dataclass(frozen=True)
class CatalogApp:
    id: str
    external_id: str
    display_name: str
    distribution_method: str = "organization"
    bot_app_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "externalId": self.external_id,
            "displayName": self.display_name,
            "distributionMethod": self.distribution_method,
        }


@dataclass(frozen=True)
class Installation:
    id: str
    user_id: str
    app: CatalogApp
    created: datetime

    @property
    def chat_id(self) -> str:
        # 1:1 chats between a user and a bot are named after both parties.
        return f"19:{self.user_id}_{self.app.bot_app_id or self.app.id}@unq.gbl.spaces"

    def to_json(self, expand_app: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "consentedPermissionSet": None}
        if expand_app:
            body["teamsApp"] = self.app.to_json()
        return body


class Teams:
    def __init__(self, clock: Clock, tenant_id: str) -> None:
        self._clock = clock
        self._tenant_id = tenant_id
        self.catalog: dict[str, CatalogApp] = {}
        self.installations: dict[str, Installation] = {}
        self.blocked_users: set[str] = set()

    def add_catalog_app(self, app: CatalogApp) -> CatalogApp:
        self.catalog[app.id] = app
        return app

    def catalog_app(self, app_id: str) -> CatalogApp:
        if app_id not in self.catalog:
            raise NotFound(
                f"Teams app '{app_id}' was not found in the app catalog.", code="NotFound"
            )
        return self.catalog[app_id]

    def installed_for(self, user_id: str) -> list[Installation]:
        return [i for i in self.installations.values() if i.user_id == user_id]

    def installation(self, user_id: str, key: str) -> Installation:
        found = self.installations.get(key)
        if found is None or found.user_id != user_id:
            raise missing(key)
        return found

    def install(self, user_id: str, app_id: str) -> Installation:
        app = self.catalog_app(app_id)
        self.check_not_blocked(user_id)
        key = installation_id(user_id, app.id)
        if key in self.installations:
            raise Conflict(f"App '{app.display_name}' is already installed for this user.")
        installed = Installation(key, user_id, app, self._clock())
        self.installations[key] = installed
        return installed

    def uninstall(self, user_id: str, key: str) -> None:
        self.installation(user_id, key)
        del self.installations[key]

    def chat(self, user_id: str, key: str) -> dict[str, Any]:
        installed = self.installation(user_id, key)
        self.check_not_blocked(user_id)
        return {
            "id": installed.chat_id,
            "topic": None,
            "createdDateTime": graph_time(installed.created),
            "lastUpdatedDateTime": graph_time(installed.created),
            "chatType": "oneOnOne",
            "webUrl": f"https://teams.microsoft.com/l/chat/{installed.chat_id}/0?tenantId={self._tenant_id}",
            "tenantId": self._tenant_id,
            "onlineMeetingInfo": None,
            "viewpoint": None,
        }

    def check_not_blocked(self, user_id: str) -> None:
        if user_id in self.blocked_users:
            raise Forbidden(
                "The user has blocked this bot or removed it; messages cannot be delivered.",
                code="MessageWritesBlocked",
            )
