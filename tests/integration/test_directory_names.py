"""Names of the people who act come from the directory, kept a minute, and stay true.

Runs ``DirectoryNames`` against the sandbox tenant over HTTP: a name is read
once and then served from memory; a rename in the directory shows once the
minute is over; a user the directory does not know has no name; a failed read
is not remembered, so the next turn asks again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from bot.graph.json_reads import GraphJson
from bot.graph.user_names import DirectoryNames
from bot.infra.graph_auth import SandboxTokenProvider
from sandbox.seed import ALEX_ID, MEGAN_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock


@pytest.fixture
async def names(sandbox: SandboxHandle, clock: ManualClock) -> AsyncIterator[DirectoryNames]:
    graph = GraphJson(sandbox.url, SandboxTokenProvider(sandbox.url), max_wait_seconds=0)
    yield DirectoryNames(graph, clock)
    await graph.close()


def user_reads(sandbox: SandboxHandle) -> int:
    return sandbox.tenant.calls.routes["GET /users/{id}"]


async def test_a_name_is_read_once_and_a_rename_shows_after_a_minute(
    names: DirectoryNames, sandbox: SandboxHandle, clock: ManualClock
) -> None:
    assert await names.name_of(ALEX_ID) == "Alex Wilber"
    assert await names.name_of(ALEX_ID.upper()) == "Alex Wilber"
    assert user_reads(sandbox) == 1

    sandbox.tenant.directory.user(ALEX_ID).display_name = "Alex Wilber-Ng"
    clock.advance(seconds=30)
    assert await names.name_of(ALEX_ID) == "Alex Wilber"
    clock.advance(seconds=31)
    assert await names.name_of(ALEX_ID) == "Alex Wilber-Ng"
    assert user_reads(sandbox) == 2


async def test_people_asking_at_once_cost_one_read(
    names: DirectoryNames, sandbox: SandboxHandle
) -> None:
    found = await asyncio.gather(*(names.name_of(MEGAN_ID) for _ in range(20)))
    assert set(found) == {"Megan Bowen"}
    assert user_reads(sandbox) == 1


async def test_unknown_users_and_non_ids_have_no_name(
    names: DirectoryNames, sandbox: SandboxHandle
) -> None:
    assert await names.name_of(str(uuid.uuid4())) is None
    assert await names.name_of("alexw@example.com") is None  # never a Graph key but an id
    assert await names.name_of("' or 1 eq 1") is None
    assert user_reads(sandbox) == 1


async def test_a_failed_read_is_not_remembered(
    names: DirectoryNames, sandbox: SandboxHandle
) -> None:
    sandbox.tenant.set_faults(fail_next=[503, 503, 503], retry_after_seconds=0)
    assert await names.name_of(ALEX_ID) is None
    assert await names.name_of(ALEX_ID) == "Alex Wilber"
