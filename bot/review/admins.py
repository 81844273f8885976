"""Who may change how the bot works: Entra's admins, and the admin groups named in settings.

Everything an admin changes in chat (where reviews go, their names, reading
the audit trail) goes through ``AdminCheck``, so "nobody else can change
anything" has one definition. The roles are the ones that may grant consent
in Entra; group membership is checked transitively with checkMemberGroups.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.graph import GraphGateway
from domain.entra import CONSENT_ROLE_TEMPLATE_IDS


class AdminCheck:
    def __init__(self, graph: GraphGateway, admin_group_ids: Sequence[str] = ()) -> None:
        self._graph = graph
        self._groups = list(admin_group_ids)

    async def is_admin(self, user_id: str | None) -> bool:
        if not user_id:
            return False
        roles = await self._graph.directory_role_template_ids(user_id)
        if roles & CONSENT_ROLE_TEMPLATE_IDS:
            return True
        return bool(self._groups) and bool(await self._graph.groups_among(user_id, self._groups))
