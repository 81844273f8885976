"""What an activity must look like before any handler sees it: shape, sizes and clean text.

Every request to ``/api/messages`` is read by code written for Teams' real
activities; one that Teams would never send (JSON nested a thousand deep, a NUL
byte in an id, a ``serviceUrl`` that is not a URL, an invoke whose data is a
string) must get a clear 400 here, not a stack trace from a parser, a database
driver or an HTTP client three layers down. The limits are generous for what
Teams sends and match the store's column sizes, so nothing valid is refused
and nothing refused could have been stored.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from microsoft_agents.activity import Activity, ActivityTypes

from config.clouds import LOCAL_HOSTS

MAX_DEPTH = 64
"""Teams activities nest about eight levels; card data a few more."""
MAX_ID_CHARS = 512
"""Conversation, channel, team and participant ids (the store keeps 512)."""
MAX_TENANT_ID_CHARS = 64
MAX_SERVICE_URL_CHARS = 1024
MAX_LOCALE_CHARS = 32
MAX_SHORT_CHARS = 64
"""Activity type, channel id, invoke name and card verb."""
ACTION_INVOKE = "adaptiveCard/action"


class NotAnActivity(ValueError):
    """The body cannot be handled; the message says why, for the 400 answer and the log."""


def check_json(body: object) -> None:
    """Nesting and text of a parsed JSON body: bounded depth, no NUL, no lone surrogate.

    Walks the tree with an explicit stack, so a hostile depth costs no
    recursion here; PostgreSQL refuses NUL in text and no encoder takes a lone
    surrogate, so such strings are refused before they can reach either.
    """
    stack: list[tuple[object, int]] = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise NotAnActivity(f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, str):
            _clean_text(node)
        elif isinstance(node, dict):
            for key, value in node.items():
                _clean_text(key)
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)


def _clean_text(text: str) -> None:
    if "\x00" in text:
        raise NotAnActivity("text holds a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NotAnActivity("text holds a lone surrogate (not valid Unicode)") from None


def check_activity(activity: Activity, *, https_only: bool) -> None:
    """The fields a reply, the store and the handlers rely on are present and well formed."""
    _text("type", activity.type, MAX_SHORT_CHARS)
    _text("channelId", activity.channel_id, MAX_SHORT_CHARS)
    _service_url(activity.service_url, https_only=https_only)
    conversation = activity.conversation
    if conversation is None:
        raise NotAnActivity("conversation is missing")
    _text("conversation.id", conversation.id, MAX_ID_CHARS)
    _optional("conversation.tenantId", conversation.tenant_id, MAX_TENANT_ID_CHARS)
    for name, account in (("from", activity.from_property), ("recipient", activity.recipient)):
        if account is None:
            raise NotAnActivity(f"{name} is missing")
        _text(f"{name}.id", account.id, MAX_ID_CHARS)
    _optional("locale", activity.locale, MAX_LOCALE_CHARS)
    _channel_data(activity.channel_data)
    if activity.type == ActivityTypes.invoke:
        _text("name", activity.name, MAX_SHORT_CHARS)
        if activity.name == ACTION_INVOKE:
            _action(activity.value)


def _text(name: str, value: object, limit: int) -> None:
    if not isinstance(value, str) or not value.strip():
        raise NotAnActivity(f"{name} is missing or empty")
    if len(value) > limit:
        raise NotAnActivity(f"{name} is longer than {limit} characters")


def _optional(name: str, value: object, limit: int) -> None:
    if value is not None:
        _text(name, value, limit)


def _service_url(value: object, *, https_only: bool) -> None:
    """Where replies go: the Bot Connector is always https; plain http only in sandbox mode
    or on this machine (a local stand-in), never to another host."""
    _text("serviceUrl", value, MAX_SERVICE_URL_CHARS)
    assert isinstance(value, str)
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        host.encode("idna")
        parts.port  # noqa: B018 - a malformed port raises here
    except (ValueError, UnicodeError):
        raise NotAnActivity("serviceUrl is not a URL") from None
    local = host in LOCAL_HOSTS
    schemes = {"https"} if https_only and not local else {"http", "https"}
    if parts.scheme not in schemes or not host or any(c.isspace() for c in value):
        allowed = " or ".join(sorted(schemes))
        raise NotAnActivity(f"serviceUrl must be an absolute {allowed} URL")


def _channel_data(data: object) -> None:
    if data is None:
        return
    if not isinstance(data, dict):
        dumped = getattr(data, "model_dump", None)
        data = dumped(by_alias=True) if callable(dumped) else {}
    assert isinstance(data, dict)
    _optional_id(data, "tenant", MAX_TENANT_ID_CHARS)
    _optional_id(data, "channel", MAX_ID_CHARS)
    _optional_id(data, "team", MAX_ID_CHARS)


def _optional_id(data: dict[str, Any], key: str, limit: int) -> None:
    part = data.get(key)
    if part is None:
        return
    if not isinstance(part, dict):
        raise NotAnActivity(f"channelData.{key} is not an object")
    _optional(f"channelData.{key}.id", part.get("id"), limit)


def _action(value: object) -> None:
    """An ``Action.Execute`` click: ``value.action`` names a verb and carries an object."""
    action = value.get("action") if isinstance(value, dict) else None
    if not isinstance(action, dict):
        raise NotAnActivity("the card action carries no action object")
    _text("value.action.verb", action.get("verb"), MAX_SHORT_CHARS)
    data = action.get("data")
    if data is not None and not isinstance(data, dict):
        raise NotAnActivity("the card action's data is not an object")
