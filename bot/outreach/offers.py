"""Offering help to one person about one app: the card, its language, and "once a period".

The card is the diagnosis the person would get by asking, computed now for
the app and the error code the sign-in log recorded, in the language of
their chat with the bot or, for someone who never wrote to it, the
``preferredLanguage`` of their directory profile. It is queued as a 1:1
notice through the outbox, so delivery installs the bot for people who never
talked to it, and records those who blocked it.

Nobody is written to twice about an app within the period, whatever the log
repeats and however many replicas read it: the outbox row is written in the
same transaction as a compare-and-set on the person's ``outreach`` row
(``bot.store.outreach.claim_offer``), and its idempotency key
``help:{user}:{app}:{period start}`` is unique.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.diagnosis.service import Diagnostician
from bot.graph.json_reads import GraphJson
from bot.graph.sign_in_log import CONSENT_ERRORS
from bot.graph.user_profiles import user_profile
from bot.store import decisions, outbox, sign_ins
from bot.store.outbox import OutboxKind
from bot.store.outreach import claim_offer, opted_out_among, unoffered_attempts
from bot.store.tables import UserChatRow
from cards import verbs
from cards.outreach import build_outreach_card
from domain.i18n import Messages, language_of
from domain.sign_ins import ConsentAttempt
from domain.types import Actor

logger = logging.getLogger(__name__)

HELP_HORIZON = timedelta(hours=24)
"""Attempts older than this get no message: help about last week's try comes too late."""


class HelpOffers:
    """Queues the messages offering help for the attempts kept from the sign-in log."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        diagnostician: Diagnostician,
        graph: GraphJson,
        clock: Callable[[], datetime],
        *,
        period: timedelta,
    ) -> None:
        self._sessions = sessions
        self._diagnostician = diagnostician
        self._graph = graph
        self._clock = clock
        self._period = period

    async def offer_pending(self) -> int:
        """Offer help for every kept attempt within the horizon nobody was offered help for.

        Read from the store, not from what this pass found new: an attempt a
        crashed or failed pass kept but did not act on still gets its message.
        """
        now = self._clock()
        async with self._sessions() as session:
            attempts = await unoffered_attempts(session, now - HELP_HORIZON, now - self._period)
        return await self.offer(attempts)

    async def offer(self, attempts: Sequence[ConsentAttempt]) -> int:
        """Offer help for each person and app among ``attempts``; returns messages queued.

        The newest attempt of a person for an app decides the error code; an
        excluded app, a person who said "stop", an error that is not about
        consent or an attempt past the horizon gets nothing.
        """
        now = self._clock()
        latest: dict[tuple[str, str], ConsentAttempt] = {}
        for attempt in sorted(attempts, key=lambda a: a.created_at):
            if attempt.error_code in CONSENT_ERRORS and now - attempt.created_at <= HELP_HORIZON:
                latest[(attempt.user_id, attempt.app_id.lower())] = attempt
        if not latest:
            return 0
        async with self._sessions() as session:
            excluded = await sign_ins.excluded_apps(session)
            stopped = await opted_out_among(session, {user for user, _ in latest})
        queued = 0
        for (user_id, app_id), attempt in latest.items():
            if app_id in excluded or user_id in stopped:
                continue
            try:
                queued += await self._offer_one(attempt)
            except Exception:  # one person's failure must not keep help from the others
                logger.exception("could not offer help to user %s about app %s", user_id, app_id)
        return queued

    async def _offer_one(self, attempt: ConsentAttempt) -> int:
        user_id, app_id = attempt.user_id, attempt.app_id.lower()
        async with self._sessions() as session:
            if await sign_ins.offered_since(session, user_id, app_id, self._clock() - self._period):
                return 0  # the usual case for a retry: decided without a Graph read
            chat = await decisions.chat_of(session, user_id)
        if chat is not None and chat.blocked_at is not None:
            return 0  # they blocked the bot: not a word until they write to it again
        actor = await self._actor(user_id, chat)
        if actor is None:
            return 0
        card = await self._card(attempt, actor)
        async with self._sessions() as session:
            now = self._clock()
            if not await claim_offer(session, user_id, app_id, now, self._period):
                return 0  # another replica offered it meanwhile
            queued = await outbox.enqueue(
                session,
                key=f"help:{user_id}:{app_id}:{now:%Y-%m-%dT%H:%M:%SZ}",
                kind=OutboxKind.NOTIFY_USER,
                destination_id=None,
                request_id=None,
                user_id=user_id,
                payload={"card": card},
                now=now,
            )
            if not queued:
                await session.rollback()
                return 0
            await session.commit()
        logger.info(
            "offered help to user %s about app %s (AADSTS%s)", user_id, app_id, attempt.error_code
        )
        return 1

    async def _actor(self, user_id: str, chat: UserChatRow | None) -> Actor | None:
        """The person as the directory names them, in the language they read; None if gone."""
        profile = await user_profile(self._graph, user_id)
        if profile is None:
            return None
        locale = chat.locale if chat is not None and chat.locale else profile.preferred_language
        return Actor(user_id, profile.display_name or user_id, locale)

    async def _card(self, attempt: ConsentAttempt, actor: Actor) -> dict[str, Any]:
        language = language_of(actor.locale)
        data = {
            verbs.APP_ID_KEY: attempt.app_id,
            verbs.ERROR_CODE_KEY: f"AADSTS{attempt.error_code}",
            verbs.LANGUAGE_KEY: language,
            # The log names apps Graph cannot name (new to the tenant).
            verbs.APP_NAME_INPUT_ID: attempt.app_display_name,
        }
        answer = await self._diagnostician.answer_for_app(data, actor)
        assert actor.user_id is not None
        return build_outreach_card(
            answer,
            Messages(language),
            app_name=attempt.app_display_name,
            user_id=actor.user_id,
            refresh_data=data,
        )
