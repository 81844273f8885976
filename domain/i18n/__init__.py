"""Message catalogues: every sentence a user reads comes from here.

Cards and replies never hard-code prose, so a reviewer in Paris or Tokyo reads
the same card in their own language and adding a language means adding one
JSON file. Lookups fall back to English per key: a half-translated catalogue
then shows a few English words instead of failing in front of a user, while
the unit tests keep the shipped catalogues complete and consistent.

Templates use ``str.format`` named fields. Values passed in are inserted as
they are, never re-read as templates, so text from outside (app names, user
names) must already be made safe for its destination by the caller.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from types import MappingProxyType

DEFAULT_LANGUAGE = "en"
SUPPORTED_LANGUAGES = ("en", "fr", "ja")

# CLDR cardinal rules, reduced to what the catalogues need: French counts 0 as
# singular ("0 jour"), Japanese has no grammatical plural.
_PLURAL_FORMS: dict[str, Callable[[int], str]] = {
    "en": lambda n: "one" if n == 1 else "other",
    "fr": lambda n: "one" if n in (0, 1) else "other",
    "ja": lambda n: "other",
}

_DURATION_UNITS = (("days", 86_400), ("hours", 3_600), ("minutes", 60))


class MessageParameterError(ValueError):
    """A template needs a parameter the caller did not pass.

    A ``ValueError`` rather than the bare ``KeyError`` from ``str.format`` so
    the message names the catalogue key and language, not just the field.
    """


def language_of(locale: str | None) -> str:
    """The supported language for a Teams/BCP 47 locale ("fr-FR" -> "fr").

    Anything unknown or empty becomes English: a reply in English beats none.
    """
    if not locale:
        return DEFAULT_LANGUAGE
    primary = locale.replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


@cache
def load_catalogue(language: str) -> Mapping[str, str]:
    """The flat ``key -> template`` map shipped as ``<language>.json``.

    Read once per process through importlib.resources so it works from a
    source tree, a wheel or a zip alike; read-only so no caller can change
    what every other caller sees.
    """
    raw = resources.files(__name__).joinpath(f"{language}.json").read_text(encoding="utf-8")
    data = json.loads(raw)
    if not isinstance(data, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in data.items()
    ):
        raise ValueError(f"catalogue {language}.json must be an object of strings")
    return MappingProxyType(data)


def placeholders(template: str) -> frozenset[str]:
    """Names of the ``{fields}`` a template expects, for consistency checks."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _as_utc(moment: datetime) -> datetime:
    # The store keeps UTC; a naive value is taken to be UTC rather than local
    # time, which would shift with the server's time zone.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class Messages:
    """The texts of one language, with English as the per-key fallback."""

    __slots__ = ("_catalogue", "_fallback", "language")

    def __init__(self, language: str) -> None:
        if language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        self.language = language
        self._catalogue = load_catalogue(language)
        self._fallback = load_catalogue(DEFAULT_LANGUAGE)

    @classmethod
    def for_locale(cls, locale: str | None) -> Messages:
        """Messages for a user's locale as Teams reports it (e.g. "ja-JP")."""
        return cls(language_of(locale))

    def t(self, key: str, **params: object) -> str:
        """The text for ``key`` with ``params`` filled in."""
        template = self._catalogue.get(key) or self._fallback.get(key)
        if template is None:
            raise KeyError(f"no message {key!r} in any catalogue")
        try:
            return template.format(**params)
        except KeyError as missing:
            raise MessageParameterError(
                f"message {key!r} ({self.language}) needs parameter {missing.args[0]!r};"
                f" got {sorted(params)}"
            ) from None

    def has(self, key: str) -> bool:
        """Whether any catalogue has ``key`` (for keys built from outside values)."""
        return key in self._catalogue or key in self._fallback

    def plural(self, key: str, count: int, **params: object) -> str:
        """``key.one`` or ``key.other`` by the language's rule, with ``count``."""
        form = _PLURAL_FORMS[self.language](count)
        return self.t(f"{key}.{form}", count=count, **params)

    def duration(self, delta: timedelta) -> str:
        """A rough human duration in its largest whole unit ("2 days").

        Rounded down: "waiting 2 days" must not overstate, and a negative
        value (clock skew between Graph and us) reads as "less than a minute".
        """
        seconds = max(int(delta.total_seconds()), 0)
        for unit, size in _DURATION_UNITS:
            if seconds >= size:
                return self.plural(f"duration.{unit}", seconds // size)
        return self.t("duration.under_a_minute")

    def date(self, moment: datetime) -> str:
        """A calendar date in UTC, written the language's way ("12 Mar 2026")."""
        utc = _as_utc(moment)
        month = self.t(f"date.month.{utc.month}")
        return self.t("date.format", day=utc.day, month=month, year=utc.year)

    def date_time(self, moment: datetime) -> str:
        """A date with hours and minutes, labelled UTC so nobody guesses a zone."""
        utc = _as_utc(moment)
        return self.t("date.time_format", date=self.date(utc), time=f"{utc:%H:%M}")
