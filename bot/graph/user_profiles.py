"""A user's name and preferred language, for writing to someone who never wrote to the bot.

Someone the bot reaches out to first has no chat locale yet; their directory
profile says which language they read (``preferredLanguage``, a BCP 47 tag
such as ``fr-FR``). ``GET /users/{id}?$select=displayName,preferredLanguage``
needs ``User.Read.All``, which the bot already holds for names.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp

from bot.graph.json_reads import GraphJson, GraphReadError, NotInGraph
from domain.object_ids import is_object_id

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UserProfile:
    display_name: str | None
    preferred_language: str | None


async def user_profile(graph: GraphJson, user_id: str) -> UserProfile | None:
    """The user's profile; None when the directory holds no such user.

    A refusal or an outage reads as an empty profile: the message then goes
    out in English under the user's id rather than not at all.
    """
    if not is_object_id(user_id):
        return None
    try:
        found = await graph.get(
            f"/users/{user_id}", {"$select": "id,displayName,preferredLanguage"}
        )
    except NotInGraph:
        return None
    except (GraphReadError, aiohttp.ClientError, TimeoutError) as error:
        logger.warning("cannot read the profile of user %s: %s", user_id, error)
        return UserProfile(None, None)
    return UserProfile(_text(found.get("displayName")), _text(found.get("preferredLanguage")))


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
