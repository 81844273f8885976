"""One contract suite for the store, run on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store import destinations, outbox, requests
from bot.store.database import migrate, session_factory
from bot.store.destinations import DestinationSpec
from bot.store.outbox import OutboxKind, OutboxStatus
from bot.store.outbox_bell import OutboxBell
from bot.store.requests import NewRequest, NewRequester
from bot.store.tables import Base
from domain.types import RequestStatus

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _request(request_id: str = "req-1", users: int = 2) -> NewRequest:
    return NewRequest(
        id=request_id,
        app_id="app-1",
        app_display_name="OneCal",
        scopes=("User.Read", "Calendars.ReadWrite"),
        first_requested_at=NOW - timedelta(days=1),
        expires_at=NOW + timedelta(days=29),
        app_snapshot={"publisher": None, "scopes": []},
        requesters=tuple(
            NewRequester(
                id=f"{request_id}-u{i}",
                user_id=f"user-{i}",
                display_name=f"User {i}",
                user_principal_name=f"user{i}@example.com",
                mail=None,
                reason="calendar sync",
                requested_at=NOW - timedelta(days=1, hours=-i),
                status="InProgress",
            )
            for i in range(users)
        ),
    )


SPEC = DestinationSpec(
    kind="channel",
    conversation_id="19:general@thread.tacv2",
    channel_id="19:general@thread.tacv2",
    service_url="http://127.0.0.1:9/",
    name="My Team / General",
)


async def test_migrations_are_idempotent_and_match_the_tables(engine: AsyncEngine) -> None:
    await migrate(engine)  # second run is a no-op

    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection)
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_request_round_trip_keeps_aware_times_and_requesters(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        await requests.insert_request(session, _request(), NOW)
        await session.commit()
    async with sessions() as session:
        row = await requests.get_request(session, "req-1")
        assert row is not None
        assert row.scopes == ["User.Read", "Calendars.ReadWrite"]
        assert row.expires_at == NOW + timedelta(days=29)
        assert row.expires_at.tzinfo is not None
        people = await requests.requesters_of(session, "req-1")
        assert [p.display_name for p in people] == ["User 0", "User 1"]
        assert await requests.open_request_ids(session) == {"req-1"}
        assert await requests.known_request_ids(session, ["req-1", "other"]) == {"req-1"}


async def test_closing_is_a_compare_and_set(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        await requests.insert_request(session, _request(), NOW)
        await session.commit()
    async with sessions() as first, sessions() as second:
        assert await requests.close_request(first, "req-1", RequestStatus.EXPIRED, NOW)
        await first.commit()
        assert not await requests.close_request(
            second, "req-1", RequestStatus.APPROVED_IN_ENTRA, NOW
        )
        await second.commit()
    async with sessions() as session:
        row = await requests.get_request(session, "req-1")
        assert row is not None
        assert row.status == RequestStatus.EXPIRED
        assert await requests.open_request_ids(session) == set()


async def test_destination_registration_is_idempotent(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        first, new_first = await destinations.register_destination(session, SPEC, "u1", NOW)
        again, new_again = await destinations.register_destination(session, SPEC, "u2", NOW)
        await session.commit()
        assert first.id == again.id
        assert (new_first, new_again) == (True, False)
        assert [d.id for d in await destinations.active_destinations(session)] == [first.id]


async def test_outbox_rows_are_unique_by_key_and_claimed_once(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        dest, _ = await destinations.register_destination(session, SPEC, None, NOW)
        await requests.insert_request(session, _request(), NOW)
        common: dict[str, Any] = {
            "kind": OutboxKind.POST_CARD,
            "destination_id": dest.id,
            "request_id": "req-1",
            "payload": {"card": {"type": "AdaptiveCard"}},
            "now": NOW,
        }
        assert await outbox.enqueue(session, key="post:req-1:1", **common)
        assert not await outbox.enqueue(session, key="post:req-1:1", **common)
        await session.commit()

    async with sessions() as worker_a, sessions() as worker_b:
        claimed_a = await outbox.claim_due(worker_a, NOW, timedelta(seconds=60))
        await worker_a.commit()
        claimed_b = await outbox.claim_due(worker_b, NOW, timedelta(seconds=60))
        await worker_b.commit()
    assert [r.idempotency_key for r in claimed_a] == ["post:req-1:1"]
    assert claimed_b == []

    async with sessions() as session:
        assert await outbox.has_unsent_post(session, "req-1", dest.id)
        # The first worker died: once its lease runs out the row is due again.
        later = NOW + timedelta(seconds=61)
        reclaimed = await outbox.claim_due(session, later, timedelta(seconds=60))
        assert [r.status for r in reclaimed] == [OutboxStatus.SENDING]
        await outbox.record_post(
            session,
            request_id="req-1",
            destination_id=dest.id,
            conversation_id="19:general@thread.tacv2;messageid=1",
            activity_id="1",
            now=later,
        )
        await outbox.mark_sent(session, reclaimed[0].id, later)
        await session.commit()
    async with sessions() as session:
        post = await outbox.post_for(session, "req-1", dest.id)
        assert post is not None
        assert post.activity_id == "1"
        assert not await outbox.has_unsent_post(session, "req-1", dest.id)
        assert await outbox.claim_due(session, NOW + timedelta(hours=1), timedelta(seconds=1)) == []


async def test_retry_waits_until_its_time(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        dest, _ = await destinations.register_destination(session, SPEC, None, NOW)
        await outbox.enqueue(
            session,
            key="k",
            kind=OutboxKind.UPDATE_CARD,
            destination_id=dest.id,
            request_id=None,
            payload={"card": {}},
            now=NOW,
        )
        [row] = await outbox.claim_due(session, NOW, timedelta(seconds=60))
        await outbox.schedule_retry(session, row.id, 1, NOW + timedelta(seconds=30), "HTTP 429")
        await session.commit()
    async with sessions() as session:
        assert await outbox.claim_due(session, NOW + timedelta(seconds=29), timedelta(60)) == []
        again = await outbox.claim_due(session, NOW + timedelta(seconds=30), timedelta(60))
        assert [r.attempts for r in again] == [1]
        assert again[0].last_error == "HTTP 429"


async def test_a_commit_that_queued_messages_rings_the_outbox_bell_once(
    engine: AsyncEngine,
) -> None:
    bell = OutboxBell()
    rings: list[int] = []
    bell.connect(lambda: rings.append(1))
    sessions = session_factory(engine, bell=bell)
    async with sessions() as session:
        dest, _ = await destinations.register_destination(session, SPEC, None, NOW)
        await requests.insert_request(session, _request(), NOW)
        await session.commit()
    assert rings == []  # no message queued: nobody is woken
    common: dict[str, Any] = {
        "kind": OutboxKind.POST_CARD,
        "destination_id": dest.id,
        "request_id": "req-1",
        "payload": {"card": {"type": "AdaptiveCard"}},
        "now": NOW,
    }
    async with sessions() as session:
        assert await outbox.enqueue(session, key="post:req-1:1", **common)
        assert rings == []  # not before the commit: delivery would find nothing yet
        await session.commit()
    assert rings == [1]
    async with sessions() as session:
        assert await outbox.enqueue(session, key="post:req-1:2", **common)
        await session.rollback()
        await session.commit()
    assert rings == [1]  # rolled back: nothing to send
    async with sessions() as session:
        assert not await outbox.enqueue(session, key="post:req-1:1", **common)
        await session.commit()
    assert rings == [1]  # the same key again queues nothing
