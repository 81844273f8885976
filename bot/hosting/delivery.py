"""The outbox worker: sends queued cards and edits to Teams, records where they landed.

It claims due rows with a lease, sends each, and commits the result together
with the posted activity id, so every copy of a card can be edited later.
Teams throttling (429), 412 and 5xx are retried with backoff and jitter,
honouring Retry-After; other 4xx answers fail the row with the reason.
A row is only posted once: a crash after Teams accepted a post but before the
commit is the one window where a lease expiry can repeat it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.hosting.connector import Address, PostedMessage, TeamsConnector
from bot.infra.background import RowWorker
from bot.infra.retry_after import retry_after_seconds
from bot.store import decisions, destinations, outbox
from bot.store.outbox import OutboxKind
from bot.store.tables import OutboxRow

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = {408, 412, 429, 500, 502, 503, 504}
LEASE = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 900
WAIT_FOR_POST_SECONDS = 2
MIN_RETRY_SECONDS = 1.0
"""Floor of every wait, ``Retry-After: 0`` included: a refusing server never gets a hot loop."""
MAX_ATTEMPTS = 10
"""Sends tried before a row is given up (with backoff: about an hour of trying)."""
MAX_AGE = timedelta(hours=24)
"""A message not delivered within a day is given up too, however few tries it had:
a card that old is stale, and a row waiting on another that never posts must end."""


class PermanentDeliveryError(RuntimeError):
    """Retrying cannot help (for example the conversation no longer exists)."""


class DeliveryWorker(RowWorker[OutboxRow]):
    """Drains the outbox; wake it with ``notify`` when rows were written."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        connector: TeamsConnector,
        clock: Callable[[], datetime],
        *,
        interval_seconds: float = 1.0,
        rng: random.Random | None = None,
        open_chat: Callable[[str], Awaitable[Address | None]] | None = None,
    ) -> None:
        super().__init__("outbox-delivery", sessions, clock, interval_seconds)
        self._connector = connector
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._open_chat_with = open_chat

    async def _claim(self, session: AsyncSession, now: datetime) -> Sequence[OutboxRow]:
        return await outbox.claim_due(session, now, LEASE)

    async def _handle(self, row: OutboxRow) -> None:
        await self._deliver(row)

    async def _deliver(self, row: OutboxRow) -> None:
        try:
            posted = await self._send(row)
        except _Postpone as wait:
            await self._finish_retry(row, wait.seconds, str(wait), count_attempt=False)
            return
        except PermanentDeliveryError as error:
            await self._finish_failed(row, str(error))
            return
        except aiohttp.ClientResponseError as error:
            if error.status in RETRYABLE_STATUSES:
                retry_after = retry_after_seconds(error.headers, self._clock())
                await self._finish_retry(row, retry_after, f"HTTP {error.status}")
            else:
                await self._finish_failed(row, f"HTTP {error.status}: {error.message[:500]}")
            return
        except (aiohttp.ClientError, TimeoutError) as error:
            await self._finish_retry(row, None, f"{type(error).__name__}: {error}")
            return
        except Exception as error:
            # Anything else (Graph refusing to open a requester's chat, a connector answer
            # without ids) concerns this row only: count the try and go on with the others.
            logger.exception("outbox row %s could not be sent", row.id)
            await self._finish_retry(row, None, f"{type(error).__name__}: {str(error)[:500]}")
            return
        async with self._sessions() as session:
            if (
                posted is not None
                and row.request_id is not None
                and row.destination_id is not None
                and row.kind == OutboxKind.POST_CARD
            ):
                await outbox.record_post(
                    session,
                    request_id=row.request_id,
                    destination_id=row.destination_id,
                    conversation_id=posted.conversation_id,
                    activity_id=posted.activity_id,
                    now=self._clock(),
                )
            await outbox.mark_sent(session, row.id, self._clock())
            await session.commit()

    async def _send(self, row: OutboxRow) -> PostedMessage | None:
        if row.kind == OutboxKind.NOTIFY_USER:
            await self._notify(row)
            return None
        if row.destination_id is None:
            raise PermanentDeliveryError("no destination on a card row")
        async with self._sessions() as session:
            destination = await destinations.get_destination(session, row.destination_id)
            existing = (
                await outbox.post_for(session, row.request_id, row.destination_id)
                if row.request_id
                else None
            )
            post_queued = (
                await outbox.has_unsent_post(session, row.request_id, row.destination_id)
                if row.request_id
                else False
            )
        if destination is None:
            raise PermanentDeliveryError("destination no longer exists")
        if row.kind == OutboxKind.REPLY:
            if existing is None:
                if post_queued:
                    raise _Postpone(WAIT_FOR_POST_SECONDS, "waiting for the card to be posted")
                raise PermanentDeliveryError("no posted card to reply to")
            posted = PostedMessage(existing.conversation_id, existing.activity_id)
            await self._connector.reply(destination.service_url, posted, row.payload["text"])
            return None
        card = row.payload["card"]
        if row.kind == OutboxKind.POST_CARD:
            if existing is not None:
                return None  # already posted (e.g. the row was re-queued after a crash)
            address = Address(
                kind=destination.kind,
                service_url=destination.service_url,
                conversation_id=destination.conversation_id,
                channel_id=destination.channel_id,
                tenant_id=destination.tenant_id,
            )
            return await self._connector.post_card(address, card)
        if row.kind == OutboxKind.UPDATE_CARD:
            if existing is None:
                if post_queued:
                    raise _Postpone(WAIT_FOR_POST_SECONDS, "waiting for the card to be posted")
                raise PermanentDeliveryError("no posted card to edit")
            posted = PostedMessage(existing.conversation_id, existing.activity_id)
            await self._connector.update_card(destination.service_url, posted, card)
            return None
        raise PermanentDeliveryError(f"unknown outbox kind {row.kind!r}")

    async def _open_chat(self, user_id: str) -> Address | None:
        return await self._open_chat_with(user_id) if self._open_chat_with else None

    async def _notify(self, row: OutboxRow) -> None:
        """A 1:1 notice: to the chat the user has with the bot, found or opened for them."""
        if not row.user_id:
            raise PermanentDeliveryError("notice without a recipient")
        async with self._sessions() as session:
            chat = await decisions.chat_of(session, row.user_id)
        if chat is not None and chat.blocked_at is not None:
            raise PermanentDeliveryError("the user blocked the bot")
        address = (
            Address("personal", chat.service_url, chat.conversation_id, None, chat.tenant_id)
            if chat is not None
            else await self._open_chat(row.user_id)
        )
        if address is None:
            raise PermanentDeliveryError("no chat with this user and none could be opened")
        try:
            await self._connector.post_card(address, row.payload["card"])
        except aiohttp.ClientResponseError as error:
            if error.status == 403:
                async with self._sessions() as session:
                    await decisions.mark_chat_blocked(session, row.user_id, self._clock())
                    await session.commit()
                raise PermanentDeliveryError("the user blocked the bot (403)") from error
            raise

    def _backoff(self, attempts: int) -> float:
        base = min(MAX_BACKOFF_SECONDS, 2 ** min(attempts, 10))
        return float(base * (0.5 + self._rng.random()))

    async def _finish_retry(
        self, row: OutboxRow, seconds: float | None, error: str, *, count_attempt: bool = True
    ) -> None:
        """Try again later, within bounds: a server's ``Retry-After`` is honoured but never
        below one second (no hot loop) nor above the backoff ceiling, and a row that has
        used its tries or its day is given up instead."""
        attempts = row.attempts + (1 if count_attempt else 0)
        if attempts >= MAX_ATTEMPTS or self._clock() - row.created_at >= MAX_AGE:
            await self._finish_failed(row, f"gave up after {attempts} tries: {error}", attempts)
            return
        delay = self._backoff(attempts) if seconds is None else seconds
        delay = min(max(delay, MIN_RETRY_SECONDS), MAX_BACKOFF_SECONDS)
        logger.warning("outbox row %s: %s; retrying in %.1fs", row.id, error, delay)
        async with self._sessions() as session:
            await outbox.schedule_retry(
                session, row.id, attempts, self._clock() + timedelta(seconds=delay), error
            )
            await session.commit()

    async def _finish_failed(self, row: OutboxRow, error: str, attempts: int | None = None) -> None:
        logger.error("outbox row %s failed for good: %s", row.id, error)
        async with self._sessions() as session:
            tries = row.attempts + 1 if attempts is None else attempts
            await outbox.mark_failed(session, row.id, tries, error)
            await session.commit()


class _Postpone(Exception):
    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds
