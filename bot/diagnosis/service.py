"""Answers "why can't I connect <app>?" and "ask the reviewers for me" with cards.

``bot.application`` hands over the message text or the button's data and
the asker; everything else (which app, the facts, the analysis, the card in
the asker's language) happens here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.diagnosis.ask_reviewers import JUSTIFICATION_LIMIT, ReviewerAsk
from bot.diagnosis.fact_reader import FactReader
from cards import verbs
from cards.diagnosis import (
    DiagnosisView,
    build_app_choice_card,
    build_diagnosis_card,
    name_unknown,
)
from cards.text import NAME_LIMIT
from domain.diagnosis.analysis import diagnose
from domain.diagnosis.matching import Candidate, Match, match_app
from domain.diagnosis.question import Question, read_question
from domain.i18n import SUPPORTED_LANGUAGES, Messages, language_of
from domain.types import Actor

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Resolved:
    app_id: str
    name: str


class Diagnostician:
    def __init__(
        self, reader: FactReader, asks: ReviewerAsk, clock: Callable[[], datetime]
    ) -> None:
        self._reader = reader
        self._asks = asks
        self._clock = clock

    async def answer(self, text: str | None, asker: Actor) -> dict[str, Any] | None:
        """The card for a free-text message, or None when it is not about an app."""
        question = read_question(text)
        asker = _in_language(asker, question.language)
        messages = Messages.for_locale(asker.locale)
        candidates = await self._reader.candidates()
        if question.app_ids:
            if not _names_a_known_app(question, candidates):
                return await self._card_catching_up(question, asker)
            resolved = self._by_id(question, candidates)
            assert resolved is not None
            return await self._card(resolved, asker, question)
        match = await _matched(question, candidates)
        if match.chosen is None and (
            question.looks_like_question or question.has_pointer or question.scopes
        ):
            # A miss is never final: catch up with the tenant, then match again.
            match = await _matched(question, await self._reader.fresh_candidates())
        if match.chosen is not None:
            resolved = _Resolved(match.chosen.app_id, match.chosen.display_name)
            return await self._card(resolved, asker, question)
        if not (question.looks_like_question or question.has_pointer or question.scopes):
            return None  # small talk: the caller answers with help
        data = _carried(question)
        return build_app_choice_card(match.suggestions, question.name_text, messages, data)

    async def answer_for_app(self, data: dict[str, Any], asker: Actor) -> dict[str, Any]:
        """The card for an app picked on the "which app?" card (or a refreshed answer)."""
        question = _question_from(data)
        asker = _in_language(asker, _text(data, verbs.LANGUAGE_KEY) or None)
        resolved = self._by_id(question, await self._reader.candidates())
        if resolved is None:
            return build_app_choice_card([], "", Messages.for_locale(asker.locale))
        named = " ".join(_text(data, verbs.APP_NAME_INPUT_ID).split())[:NAME_LIMIT]
        if named and resolved.name.lower() == resolved.app_id.lower():
            # Graph cannot name an app the tenant never met; the card's data (from the
            # sign-in log, or typed by the user) can.
            resolved = _Resolved(resolved.app_id, named)
        return await self._card(resolved, asker, question)

    async def ask_reviewers(self, data: dict[str, Any], asker: Actor) -> dict[str, Any]:
        """Record the ask and answer with the updated diagnosis (or why it was not sent)."""
        question = _question_from(data)
        asker = _in_language(asker, _text(data, verbs.LANGUAGE_KEY) or None)
        raw = data.get(verbs.JUSTIFICATION_INPUT_ID)
        justification = " ".join(str(raw).split())[:JUSTIFICATION_LIMIT] if raw else ""
        resolved = self._by_id(question, await self._reader.candidates())
        if resolved is None:
            return build_app_choice_card([], "", Messages.for_locale(asker.locale))
        facts = await self._reader.read(resolved.app_id, resolved.name, asker.user_id, question)
        typed_name = " ".join(str(data.get(verbs.APP_NAME_INPUT_ID) or "").split())[:NAME_LIMIT]
        if name_unknown(facts) and typed_name:
            # Graph cannot name an app the tenant never met; the requester can.
            facts = replace(facts, app=replace(facts.app, display_name=typed_name))
        diagnosis = diagnose(facts)
        view = DiagnosisView(facts, diagnosis, self._clock(), asker.name)
        messages = Messages.for_locale(asker.locale)
        if not justification:
            view = _noted(view, "diagnosis.ask_empty", "attention")
        elif name_unknown(facts):
            view = _noted(view, "diagnosis.ask_no_name", "attention")
        elif not diagnosis.can_ask_reviewers:
            view = _noted(view, "diagnosis.ask_not_needed", "warning")
        elif not asker.user_id:
            view = _noted(view, "diagnosis.ask_no_user", "attention")
        else:
            outcome = await self._asks.ask(facts, asker, justification)
            if not outcome.places:
                view = _noted(view, "diagnosis.ask_no_destination", "attention")
            else:
                logger.info(
                    "asked the reviewers for app %s (joined=%s)", facts.app.app_id, outcome.joined
                )
                facts = await self._reader.read(
                    resolved.app_id, resolved.name, asker.user_id, question
                )
                view = DiagnosisView(
                    facts,
                    diagnose(facts),
                    self._clock(),
                    asker.name,
                    note_key="diagnosis.ask_sent",
                    note_places=outcome.places,
                )
        return build_diagnosis_card(view, messages)

    async def _card(self, resolved: _Resolved, asker: Actor, question: Question) -> dict[str, Any]:
        facts, diagnosis = await self._reader.diagnosed(
            resolved.app_id, resolved.name, asker.user_id, question
        )
        view = DiagnosisView(facts, diagnosis, self._clock(), asker.name)
        return build_diagnosis_card(view, Messages.for_locale(asker.locale))

    async def _card_catching_up(self, question: Question, asker: Actor) -> dict[str, Any]:
        """An id the index does not hold: catch up before naming it by its id only.

        The first id's facts do not depend on the catch-up, only its name and
        which id is the app do, so they are read meanwhile (one round trip, not
        two) and kept unless the catch-up finds that another id of the message
        names a known app.
        """
        first = question.app_ids[0]
        candidates, (facts, diagnosis) = await asyncio.gather(
            self._reader.fresh_candidates(),
            self._reader.diagnosed(first, first, asker.user_id, question),
        )
        resolved = self._by_id(question, candidates)
        assert resolved is not None
        if resolved.app_id.lower() != first:
            return await self._card(resolved, asker, question)
        if facts.app.display_name == first and resolved.name.lower() != first:
            facts = replace(facts, app=replace(facts.app, display_name=resolved.name))
        view = DiagnosisView(facts, diagnosis, self._clock(), asker.name)
        return build_diagnosis_card(view, Messages.for_locale(asker.locale))

    @staticmethod
    def _by_id(question: Question, candidates: list[Candidate]) -> _Resolved | None:
        """The first id in the message that names a known app, else the first id at all."""
        by_id = {c.app_id.lower(): c for c in candidates}
        for app_id in question.app_ids:
            if app_id in by_id:
                return _Resolved(by_id[app_id].app_id, by_id[app_id].display_name)
        if question.app_ids:
            return _Resolved(question.app_ids[0], question.app_ids[0])
        return None


async def _matched(question: Question, candidates: list[Candidate]) -> Match:
    """The app the typed name means, or suggestions; comparing names costs milliseconds of
    CPU, so it runs off the event loop and other turns and /healthz are answered meanwhile."""
    return await asyncio.to_thread(match_app, question.text, question.name_text, candidates)


def _names_a_known_app(question: Question, candidates: list[Candidate]) -> bool:
    known = {c.app_id.lower() for c in candidates}
    return any(app_id in known for app_id in question.app_ids)


def _noted(view: DiagnosisView, key: str, style: str) -> DiagnosisView:
    return DiagnosisView(view.facts, view.diagnosis, view.now, view.asker_name, key, style)


def _carried(question: Question) -> dict[str, str]:
    """What the "which app?" buttons pass on, so the answer still uses the pasted facts."""
    data = {}
    if question.scopes:
        data[verbs.SCOPES_KEY] = " ".join(question.scopes)
    if question.error_code:
        data[verbs.ERROR_CODE_KEY] = question.error_code
    return data


def _in_language(asker: Actor, language: str | None) -> Actor:
    """The asker, answered in ``language`` when it is one the catalogues have."""
    if language and language in SUPPORTED_LANGUAGES and language != language_of(asker.locale):
        return replace(asker, locale=language)
    return asker


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _question_from(data: dict[str, Any]) -> Question:
    """The question a button's data stands for (app id, pasted scopes, error code)."""
    parsed = read_question(_text(data, verbs.APP_ID_KEY))
    code = read_question(_text(data, verbs.ERROR_CODE_KEY)).error_code
    scopes = tuple(s for s in _text(data, verbs.SCOPES_KEY).split()[:100] if len(s) <= 200)
    return Question(text="", app_ids=parsed.app_ids, scopes=scopes, error_code=code)
