"""No message can make the bot answer 5xx, lose its health, or stop serving the next user.

Several hundred hostile requests are generated from the categories an attacker
inside the tenant (or a broken client) can send to ``/api/messages``: bodies
that are not activities, activities missing what a reply needs, ids and text
with NUL bytes or lone surrogates, oversized fields, invokes whose verb or data
is nonsense, and long or odd chat text. Every one must be answered with 2xx,
400, 413 (or, where it applies, 401/403/503), never 500 or 501. Afterwards the
process is healthy and a normal question is still answered end to end. The
suite runs on SQLite and, when ``TEST_POSTGRES_URL`` is set, on PostgreSQL,
whose text columns refuse NUL bytes that SQLite stores.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.seed import ALEX_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot
from tests.integration.diagnosis_rig import LYNNE, card_click, personal_message
from tests.integration.empty_database import ENGINES, fresh_database

ALLOWED = {200, 201, 202, 204, 400, 401, 403, 413}
NUL = "\x00"
LONE_SURROGATE = "\ud800"
VERBS = (
    "approve",
    "deny",
    "block",
    "blockConfirm",
    "blockCancel",
    "snooze",
    "refresh",
    "showCard",
    "diagnose",
    "askReviewers",
    "no.such.verb",
    "",
)


@pytest.fixture(params=ENGINES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database for the bot: a file, or a PostgreSQL database of its own."""
    async with fresh_database(request.param, tmp_path, "hostile") as url:
        yield url


@pytest.fixture
async def bot(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
    tmp_path: Path,
    database_url: str,
) -> AsyncIterator[BotRig]:
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, database_url=database_url
    ) as rig:
        answer = await rig.post_activity(channel_message("review here", connector.url))
        assert answer.status in {200, 202}, answer.text
        yield rig


def _nested(depth: int, *, as_list: bool) -> str:
    return ("[" * depth + "]" * depth) if as_list else ('{"a":' * depth + "1" + "}" * depth)


def raw_bodies() -> Iterator[tuple[str, bytes]]:
    yield "empty body", b""
    yield "not JSON", b"hello"
    yield "invalid UTF-8", b'{"type": "message", "text": "\xff\xfe"}'
    yield "JSON array", b"[]"
    yield "JSON string", b'"message"'
    yield "JSON number", b"42"
    yield "JSON null", b"null"
    yield "truncated JSON", b'{"type": "message", "conversation": {"id": '
    for depth in (64, 1_000, 5_000, 100_000):
        for as_list in (True, False):
            shape = "lists" if as_list else "objects"
            yield f"{shape} nested {depth} deep", _nested(depth, as_list=as_list).encode()
    inner = _nested(2_000, as_list=False)
    yield (
        "deep object in channelData",
        ('{"type":"message","conversation":{"id":"a"},"channelData":' + inner + "}").encode(),
    )
    yield "over 256 KB", json.dumps({"type": "message", "text": "x" * 300_000}).encode()


def _set(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    *parents, last = path.split(".")
    node = changed
    for name in parents:
        child = node.get(name)
        if not isinstance(child, dict):
            child = {}
            node[name] = child
        node = child
    if value is _DROP:
        node.pop(last, None)
    else:
        node[last] = value
    return changed


_DROP = object()
FIELDS = (
    "type",
    "text",
    "id",
    "channelId",
    "serviceUrl",
    "locale",
    "from",
    "from.id",
    "from.name",
    "from.aadObjectId",
    "recipient",
    "recipient.id",
    "conversation",
    "conversation.id",
    "conversation.tenantId",
    "conversation.conversationType",
    "conversation.name",
    "channelData",
    "channelData.tenant.id",
    "channelData.channel.id",
    "channelData.team.id",
    "channelData.team.name",
)
ODD_VALUES: tuple[tuple[str, Any], ...] = (
    ("missing", _DROP),
    ("null", None),
    ("a number", 7),
    ("a list", ["x"]),
    ("an object", {"x": 1}),
    ("empty", ""),
    ("NUL inside", f"a{NUL}b"),
    ("a lone surrogate", f"a{LONE_SURROGATE}b"),
    ("3,000 characters", "9" * 3_000),
)


def field_cases(service_url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    bases = {
        "channel message": channel_message("help", service_url),
        "personal message": personal_message("why can't I connect OneCal?", service_url, LYNNE),
    }
    for (kind, base), path, (odd, value) in itertools.product(bases.items(), FIELDS, ODD_VALUES):
        yield f"{kind}: {path} {odd}", _set(base, path, value)
    for url in (
        "relative/path",
        "ftp://example.com/",
        "javascript:alert(1)",
        "http://",
        "https://" + "a" * 2_000 + ".example.com/",
        "https://exa mple.com/",
    ):
        yield f"serviceUrl {url[:30]}", _set(bases["channel message"], "serviceUrl", url)


def invoke_cases(service_url: str, request_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    base = card_click("approve", {"request_id": request_id}, service_url, LYNNE)
    for verb in VERBS:
        for odd, data in (
            ("no data", _DROP),
            ("data a string", "approve"),
            ("data a list", [request_id]),
            ("request_id a number", {"request_id": 12}),
            ("request_id NUL", {"request_id": f"{request_id}{NUL}"}),
            ("request_id surrogate", {"request_id": LONE_SURROGATE}),
            ("request_id 3,000 chars", {"request_id": "r" * 3_000}),
            ("unknown request", {"request_id": str(uuid.uuid4())}),
            ("reason with NUL", {"request_id": request_id, "reason": f"no{NUL}pe"}),
        ):
            body = _set(base, "value.action.verb", verb)
            yield f"invoke {verb or '(empty)'}: {odd}", _set(body, "value.action.data", data)
    for odd, value in (
        ("value missing", _DROP),
        ("value a string", "approve"),
        ("value a list", []),
        ("action a string", {"action": "approve"}),
        ("action without verb", {"action": {"type": "Action.Execute"}}),
        ("verb a number", {"action": {"type": "Action.Execute", "verb": 3, "data": {}}}),
    ):
        yield f"invoke: {odd}", _set(base, "value", value)
    for name in ("adaptiveCard/nope", "", "signin/verifyState", "composeExtension/query"):
        yield f"invoke named {name or '(empty)'}", _set(base, "name", name)


def text_cases(service_url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    texts = {
        "10 KB question": "why can't I connect " + "Pipeline CRM " * 800,
        "60 KB of one word": "why can't I connect " + "a" * 60_000,
        "200 KB of words": "why can't I connect " + "zq " * 66_000,
        "regex bait": "why can't I connect " + ("a-" * 5_000) + "!",
        "GUID storm": " ".join(str(uuid.uuid4()) for _ in range(2_000)),
        "URL storm": " ".join(f"https://x.example/?client_id={uuid.uuid4()}" for _ in range(600)),
        "AADSTS storm": "AADSTS90094 " * 3_000,
        "admin command injection": "route app ' or 1 eq 1 -- here",
        "review by odd": "review by a'b@example.com",
        "only NUL": NUL,
    }
    for name, words in texts.items():
        yield f"personal: {name}", personal_message(words, service_url, LYNNE)
        yield f"channel: {name}", channel_message(words, service_url)


async def test_no_hostile_request_gets_a_5xx_and_the_bot_keeps_serving(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    created = sandbox.tenant.create_request("OneCal", "adelev@example.com", "calendar")
    await bot.tick()
    request_id = str(created["appConsentRequestId"])

    statuses: dict[str, int] = {}
    for case, raw in raw_bodies():
        statuses[case] = (await bot.post_activity(None, raw=raw)).status
    cases = itertools.chain(
        field_cases(connector.url),
        invoke_cases(connector.url, request_id),
        text_cases(connector.url),
    )
    for case, body in cases:
        raw = json.dumps(body, ensure_ascii=True).encode()  # lone surrogates survive as \ud800
        statuses[case] = (await bot.post_activity(None, raw=raw)).status
    assert len(statuses) >= 300
    failed = {case: status for case, status in statuses.items() if status not in ALLOWED}
    assert failed == {}

    async with bot.http.get(f"{bot.url}/healthz") as health:
        assert health.status == 200
    await bot.services.delivery.run_due()
    before = len(connector.posts())
    answer = await bot.post_activity(personal_message("help", connector.url, LYNNE))
    assert answer.status in {200, 202}
    assert len(connector.posts()) == before + 1
    approve = card_click("approve", {"request_id": request_id}, connector.url, LYNNE)
    approve["from"] = {"id": f"29:{ALEX_ID}", "name": "Alex Wilber", "aadObjectId": ALEX_ID}
    clicked = await bot.post_activity(approve)
    assert clicked.status == 200
    assert "Approving" in clicked.text


async def test_a_long_message_gets_a_clear_answer_and_health_is_answered_meanwhile(
    bot: BotRig, connector: RecordingConnector
) -> None:
    longest = "why can't I connect " + " ".join(f"word{n}" for n in range(800))
    longest = longest[:4000]
    too_long = "why can't I connect " + "Pipeline CRM " * 8_000

    async def health() -> int:
        async with bot.http.get(f"{bot.url}/healthz") as response:
            return response.status

    sent = len(connector.posts())
    questions = asyncio.gather(
        bot.post_activity(personal_message(longest, connector.url, LYNNE)),
        bot.post_activity(personal_message(too_long, connector.url, LYNNE)),
    )
    healthy = await asyncio.gather(*(health() for _ in range(5)))
    assert {answer.status for answer in await questions} <= {200, 202}
    assert healthy == [200] * 5
    replies = [json.dumps(call.body) for call in connector.posts()[sent:]]
    assert len(replies) == 2
    assert sum("too long for me (104020 characters; I read up to 4000)" in r for r in replies) == 1
