"""Writes the ``.m365agentsplayground.yml`` that gives the Agents Playground our tenant.

The Playground reads this file from its working directory at start. Without it
the Playground invents a personal-chat id on every run and names the bot
"Test Bot"; with it, the tenant id, the bot's name, the people (same
``aadObjectId`` values as the sandbox directory) and the team's channel ids
are fixed, so the bot, the sandbox tenant and the end-to-end tests agree.

The Playground validates the file against its own schema (config version
0.1.1) and refuses to start on any mismatch, so the limits it enforces are
checked here first, where the error can say what to change: exactly five other
users, one channel besides General, a bot name of at most 42 characters, and
unique ids. The key ``userPrincipleName`` is spelled as the Playground spells
it. The General channel is not listed: its conversation id is the team id.

Scalars are written as JSON strings, which are valid YAML double-quoted
scalars, so no YAML library is needed and no value can change the structure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

CONFIG_FILE_NAME = ".m365agentsplayground.yml"
CONFIG_VERSION = "0.1.1"
USER_COUNT = 5
MAX_EXTRA_CHANNELS = 1
MAX_BOT_NAME_LENGTH = 42


@dataclass(frozen=True)
class PlaygroundUser:
    """A person the Playground can act as; ``id`` is the Teams user id, not the Entra one."""

    id: str
    name: str
    user_principal_name: str
    aad_object_id: str
    given_name: str
    surname: str
    email: str


@dataclass(frozen=True)
class PlaygroundChannel:
    """A standard channel of the team, besides General."""

    id: str
    name: str


def _user(
    user_id: str, given: str, surname: str, upn: str, aad_suffix: str, email: str | None = None
) -> PlaygroundUser:
    return PlaygroundUser(
        id=user_id,
        name=f"{given} {surname}",
        user_principal_name=upn,
        aad_object_id=f"00000000-0000-0000-0000-0000000000{aad_suffix}",
        given_name=given,
        surname=surname,
        email=email or upn,
    )


# The Playground's built-in people; the sandbox directory seeds the same object ids.
ALEX_WILBER = _user("user-id-0", "Alex", "Wilber", "alexw@example.com", "20")
MEGAN_BOWEN = _user("user-id-1", "Megan", "Bowen", "meganb@example.com", "21")
ADELE_VANCE = _user("user-id-2", "Adele", "Vance", "adelev@example.com", "22")
ISAIAH_LANGER = _user(
    "user-id-3", "Isaiah", "Langer", "isaiah@example.com", "23", email="isaiahl@example.com"
)
PATTI_FERNANDEZ = _user("user-id-4", "Patti", "Fernandez", "pattif@example.com", "24")
LYNNE_ROBBINS = _user("user-id-5", "Lynne", "Robbins", "lynner@example.com", "25")
DEFAULT_OTHER_USERS: tuple[PlaygroundUser, ...] = (
    MEGAN_BOWEN,
    ADELE_VANCE,
    ISAIAH_LANGER,
    PATTI_FERNANDEZ,
    LYNNE_ROBBINS,
)

# Teams-shaped ids, so code that parses "19:...@thread.tacv2" sees what Teams sends.
DEFAULT_TEAM_ID = "19:consent-desk-general@thread.tacv2"
DEFAULT_TEAM_AAD_GROUP_ID = "00000000-0000-0000-0000-000000000031"
APP_REVIEWS_CHANNEL = PlaygroundChannel(
    id="19:consent-desk-app-reviews@thread.tacv2", name="App Reviews"
)
DEFAULT_PERSONAL_CHAT_ID = "a:consent-desk-personal-chat"
DEFAULT_GROUP_CHAT_ID = "19:consent-desk-group-chat@thread.v2"


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _user_lines(user: PlaygroundUser, indent: str, first: str) -> list[str]:
    fields = (
        ("id", user.id),
        ("name", user.name),
        ("userPrincipleName", user.user_principal_name),
        ("aadObjectId", user.aad_object_id),
        ("givenName", user.given_name),
        ("surname", user.surname),
        ("email", user.email),
    )
    lines = []
    for number, (key, value) in enumerate(fields):
        lead = first if number == 0 else indent
        lines.append(f"{lead}{key}: {_q(value)}")
    return lines


def _check(
    bot_name: str,
    current_user: PlaygroundUser,
    users: Sequence[PlaygroundUser],
    channels: Sequence[PlaygroundChannel],
    conversation_ids: Iterable[str],
) -> None:
    if len(bot_name) > MAX_BOT_NAME_LENGTH:
        raise ValueError(f"bot name longer than {MAX_BOT_NAME_LENGTH} characters: {bot_name!r}")
    if len(users) != USER_COUNT:
        raise ValueError(f"the Playground needs exactly {USER_COUNT} users, got {len(users)}")
    if len(channels) > MAX_EXTRA_CHANNELS:
        raise ValueError(
            f"the Playground takes at most {MAX_EXTRA_CHANNELS} channel besides General"
        )
    user_ids = [current_user.id, *(user.id for user in users)]
    if len(set(user_ids)) != len(user_ids):
        raise ValueError("user ids must be unique")
    ids = list(conversation_ids)
    if len(set(ids)) != len(ids):
        raise ValueError("personal chat, group chat, team and channel ids must be unique")


def render_playground_config(
    *,
    tenant_id: str,
    bot_id: str,
    bot_name: str,
    current_user: PlaygroundUser,
    users: Sequence[PlaygroundUser] = DEFAULT_OTHER_USERS,
    team_id: str = DEFAULT_TEAM_ID,
    team_name: str = "Consent Desk",
    team_aad_group_id: str = DEFAULT_TEAM_AAD_GROUP_ID,
    channels: Sequence[PlaygroundChannel] = (APP_REVIEWS_CHANNEL,),
    personal_chat_id: str = DEFAULT_PERSONAL_CHAT_ID,
    group_chat_id: str = DEFAULT_GROUP_CHAT_ID,
    group_chat_name: str = "Group Chat",
) -> str:
    """The file's text; raises ``ValueError`` where the Playground would refuse to start."""
    _check(
        bot_name,
        current_user,
        users,
        channels,
        [personal_chat_id, group_chat_id, team_id, *(channel.id for channel in channels)],
    )
    lines = [
        f"version: {_q(CONFIG_VERSION)}",
        f"tenantId: {_q(tenant_id)}",
        "bot:",
        f"  id: {_q(bot_id)}",
        f"  name: {_q(bot_name)}",
        "currentUser:",
        *_user_lines(current_user, "  ", "  "),
        "users:",
    ]
    for user in users:
        lines.extend(_user_lines(user, "    ", "  - "))
    lines += [
        "personalChat:",
        f"  id: {_q(personal_chat_id)}",
        "groupChat:",
        f"  id: {_q(group_chat_id)}",
        f"  name: {_q(group_chat_name)}",
        "team:",
        f"  id: {_q(team_id)}",
        f"  name: {_q(team_name)}",
        f"  aadGroupId: {_q(team_aad_group_id)}",
        "  channels:" if channels else "  channels: []",
    ]
    for channel in channels:
        lines += [f"    - id: {_q(channel.id)}", f"      name: {_q(channel.name)}"]
    return "\n".join(lines) + "\n"


def write_playground_config(
    directory: Path,
    *,
    tenant_id: str,
    bot_id: str,
    bot_name: str,
    current_user: PlaygroundUser = ALEX_WILBER,
    users: Sequence[PlaygroundUser] = DEFAULT_OTHER_USERS,
    team_id: str = DEFAULT_TEAM_ID,
    team_name: str = "Consent Desk",
    team_aad_group_id: str = DEFAULT_TEAM_AAD_GROUP_ID,
    channels: Sequence[PlaygroundChannel] = (APP_REVIEWS_CHANNEL,),
    personal_chat_id: str = DEFAULT_PERSONAL_CHAT_ID,
    group_chat_id: str = DEFAULT_GROUP_CHAT_ID,
    group_chat_name: str = "Group Chat",
) -> Path:
    """Write the config into ``directory`` (the Playground's working directory); return its path."""
    text = render_playground_config(
        tenant_id=tenant_id,
        bot_id=bot_id,
        bot_name=bot_name,
        current_user=current_user,
        users=users,
        team_id=team_id,
        team_name=team_name,
        team_aad_group_id=team_aad_group_id,
        channels=channels,
        personal_chat_id=personal_chat_id,
        group_chat_id=group_chat_id,
        group_chat_name=group_chat_name,
    )
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CONFIG_FILE_NAME
    path.write_text(text, encoding="utf-8")
    return path
