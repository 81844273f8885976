"""Message catalogues: locale choice, fallback, parameters, durations and dates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone

import pytest

import domain.i18n as i18n
from domain.i18n import (
    SUPPORTED_LANGUAGES,
    MessageParameterError,
    Messages,
    language_of,
    load_catalogue,
    placeholders,
)

TRANSLATIONS = [language for language in SUPPORTED_LANGUAGES if language != "en"]


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("fr-FR", "fr"),
        ("fr_CA", "fr"),
        ("FR", "fr"),
        ("ja-JP", "ja"),
        ("ja", "ja"),
        ("en-GB", "en"),
        ("de-DE", "en"),
        ("", "en"),
        (None, "en"),
        ("  ", "en"),
    ],
)
def test_locale_picks_a_supported_language(locale: str | None, language: str) -> None:
    assert language_of(locale) == language
    assert Messages.for_locale(locale).language == language


def test_unsupported_language_is_refused_by_the_constructor() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        Messages("de")


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_catalogues_have_the_same_keys_and_placeholders(language: str) -> None:
    english, other = load_catalogue("en"), load_catalogue(language)
    assert sorted(set(english) - set(other)) == [], f"missing from {language}.json"
    assert sorted(set(other) - set(english)) == [], f"unknown keys in {language}.json"
    differing = {
        key: (sorted(placeholders(english[key])), sorted(placeholders(other[key])))
        for key in english
        if placeholders(english[key]) != placeholders(other[key])
    }
    assert differing == {}, f"placeholders differ between en and {language}"


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_catalogues_are_translated_not_copied(language: str) -> None:
    english, other = load_catalogue("en"), load_catalogue(language)
    same = [key for key in english if english[key] == other[key]]
    # A handful may legitimately match (e.g. "API: {resource}", "minute").
    assert len(same) <= len(english) // 20, f"{language} copies English for {same}"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalogue_texts_are_plain(language: str) -> None:
    # Cards render these as markdown; outside text is escaped, so the
    # catalogues must not carry markup of their own either.
    for key, text in load_catalogue(language).items():
        assert text, f"{language}:{key} is empty"
        assert text.strip() == text, f"{language}:{key} is padded"
        assert not re.search(r"[*_`~<>\[\]\\]|//|^\s*[#\-+]", text), f"{language}:{key}"
        assert all(name.isidentifier() for name in placeholders(text)), f"{language}:{key}"


def test_missing_key_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = i18n.load_catalogue

    def without_kicker(language: str) -> Mapping[str, str]:
        texts = dict(shipped(language))
        if language == "fr":
            del texts["reviewer.kicker"]
        return texts

    monkeypatch.setattr(i18n, "load_catalogue", without_kicker)
    messages = Messages.for_locale("fr-FR")
    assert messages.t("reviewer.kicker") == "Admin consent request"
    assert messages.t("reviewer.expires_label") == "Expiration"


def test_unknown_key_is_an_error() -> None:
    with pytest.raises(KeyError, match=r"no message 'nope\.nothing'"):
        Messages("en").t("nope.nothing")


def test_missing_parameter_names_key_language_and_field() -> None:
    with pytest.raises(MessageParameterError, match=r"'reviewer\.fallback' \(ja\).*'app'"):
        Messages("ja").t("reviewer.fallback", application="x")


def test_parameters_are_inserted_not_interpreted() -> None:
    assert Messages("en").t("reviewer.fallback", app="{app} {0}") == (
        "Admin consent request: {app} {0}"
    )


@pytest.mark.parametrize(
    ("language", "delta", "text"),
    [
        ("en", timedelta(days=2, hours=23), "2 days"),
        ("en", timedelta(days=1), "1 day"),
        ("en", timedelta(hours=3, minutes=59), "3 hours"),
        ("en", timedelta(hours=1), "1 hour"),
        ("en", timedelta(minutes=5, seconds=30), "5 minutes"),
        ("en", timedelta(minutes=1), "1 minute"),
        ("en", timedelta(seconds=59), "less than a minute"),
        ("en", timedelta(hours=-2), "less than a minute"),
        ("fr", timedelta(days=2), "2 jours"),
        ("fr", timedelta(days=1, hours=5), "1 jour"),
        ("fr", timedelta(hours=3), "3 heures"),
        ("fr", timedelta(seconds=10), "moins d'une minute"),
        ("ja", timedelta(days=2), "2日"),
        ("ja", timedelta(hours=3), "3時間"),
        ("ja", timedelta(minutes=5), "5分"),
        ("ja", timedelta(seconds=5), "1分未満"),
    ],
)
def test_durations(language: str, delta: timedelta, text: str) -> None:
    assert Messages(language).duration(delta) == text


def test_french_counts_zero_as_singular() -> None:
    assert Messages("fr").plural("registered.backlog", 0) == "Publication de 0 demande en attente."
    assert Messages("en").plural("registered.backlog", 0) == "Posting 0 pending requests now."


@pytest.mark.parametrize(
    ("language", "date", "date_time"),
    [
        ("en", "9 Mar 2026", "9 Mar 2026, 08:05 UTC"),
        ("fr", "9 mars 2026", "9 mars 2026 à 08:05 UTC"),
        ("ja", "2026年3月9日", "2026年3月9日 08:05 (UTC)"),
    ],
)
def test_dates(language: str, date: str, date_time: str) -> None:
    moment = datetime(2026, 3, 9, 8, 5, tzinfo=UTC)
    messages = Messages(language)
    assert messages.date(moment) == date
    assert messages.date_time(moment) == date_time


def test_dates_are_shown_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    messages = Messages("en")
    assert messages.date_time(datetime(2026, 3, 10, 2, 0, tzinfo=tokyo)) == "9 Mar 2026, 17:00 UTC"
    assert messages.date_time(datetime(2026, 3, 9, 17, 0)) == "9 Mar 2026, 17:00 UTC"  # naive = UTC


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_month_has_a_name(language: str) -> None:
    messages = Messages(language)
    names = {messages.date(datetime(2026, month, 1, tzinfo=UTC)) for month in range(1, 13)}
    assert len(names) == 12
