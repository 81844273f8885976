"""Which app a typed name means: fuzzy matching over the names the tenant knows.

Candidates are the service principals' display names and the apps anyone
requested. A name written in full inside the message wins outright (the
longest one, so "Fabrikam Docs for SharePoint" beats "SharePoint"); otherwise
similarity is measured between the leftover words and each name. The bot
picks an app only when one is clearly ahead; otherwise it asks, offering the
closest names, because explaining the wrong app is worse than asking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from domain.diagnosis.question import normalise

SURE = 0.86
CLOSE = 0.55
LEAD = 0.08
MAX_SUGGESTIONS = 5
MAX_NAME_WORDS = 12
"""Words of the typed name compared with each app name: app names are short, and the cost
of a message must not grow with its length (every comparison runs on the event loop)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    app_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Match:
    """The app meant, or the closest names to offer when it is not clear."""

    chosen: Candidate | None
    suggestions: tuple[Candidate, ...] = ()


def _latin_letter(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _contains_phrase(text: str, phrase: str) -> bool:
    """``phrase`` appears in ``text`` on word boundaries (any boundary for CJK)."""
    start = text.find(phrase)
    while start >= 0:
        before = text[start - 1] if start else " "
        end = start + len(phrase)
        after = text[end] if end < len(text) else " "
        if not _latin_letter(before) and not _latin_letter(after):
            return True
        start = text.find(phrase, start + 1)
    return False


class _BestRatio:
    """The best ``SequenceMatcher`` ratio of several texts against one name, if it reaches
    ``floor``; measured cheaply.

    The name is indexed once (``set_seq2``) and each text is first bounded by
    the matcher's quick upper bounds: a text that cannot beat the best so far
    (or the floor) costs no full comparison. Scores under ``CLOSE`` change no
    outcome of ``match_app`` (they are neither offered nor close enough to
    contest a sure match), so most names cost a few quick bounds.
    """

    def __init__(self, name: str, floor: float) -> None:
        self._matcher = SequenceMatcher(None, "", name)
        self._bar = floor - 1e-9
        self.best: float | None = None

    def offer(self, text: str) -> None:
        matcher = self._matcher
        matcher.set_seq1(text)
        if matcher.real_quick_ratio() <= self._bar or matcher.quick_ratio() <= self._bar:
            return
        ratio = matcher.ratio()
        if ratio > self._bar:
            self.best = self._bar = ratio


def _similarity(words: list[str], name: str) -> float:
    """Best ratio between the name and any run of the leftover words of similar length;
    0.0 for anything under ``CLOSE``, which ``match_app`` treats alike."""
    if not words or not name:
        return 0.0
    if not set("".join(words)) & set(name):
        return 0.0  # no letter in common: not worth measuring
    name_words = name.split()
    if all(word in name_words for word in words):
        # "CRM sidebar" for "Pipeline CRM Sidebar": every word typed is in the name.
        return 0.88 + 0.1 * len(set(words)) / len(name_words)
    size = len(name_words)
    whole = _BestRatio(name, CLOSE)
    whole.offer(" ".join(words))
    for length in {max(size - 1, 1), size, size + 1}:
        for start in range(0, max(len(words) - length + 1, 1)):
            whole.offer(" ".join(words[start : start + length]))
    best = whole.best or 0.0
    first = name_words[0]
    if len(first) >= 4 and size > 1:
        # "Pipeline" for "Pipeline CRM Sidebar": a distinctive first word counts, a bit less.
        first_word = _BestRatio(first, max(CLOSE, best) / 0.9)
        for word in words:
            first_word.offer(word)
        best = max(best, 0.9 * (first_word.best or 0.0))
    return best


def match_app(text: str, name_text: str, candidates: Iterable[Candidate]) -> Match:
    """The candidate the message names, or suggestions when none is clearly meant."""
    unique = {c.app_id.lower(): c for c in candidates if c.display_name.strip()}
    if not unique:
        return Match(None)
    whole = normalise(text)
    named = [(normalise(c.display_name), c) for c in unique.values()]
    written = [(name, c) for name, c in named if name and _contains_phrase(whole, name)]
    if written:
        # A name written out in full settles it; no need to measure the others.
        return Match(max(written, key=lambda item: len(item[0]))[1])
    words = normalise(name_text).split()[:MAX_NAME_WORDS]
    scored = sorted(
        ((_similarity(words, name), c) for name, c in named),
        key=lambda item: (-item[0], item[1].display_name.lower()),
    )
    best_score, best = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best_score >= SURE and best_score - runner_up >= LEAD:
        return Match(best)
    close = tuple(c for score, c in scored if score >= CLOSE)[:MAX_SUGGESTIONS]
    return Match(None, close)
