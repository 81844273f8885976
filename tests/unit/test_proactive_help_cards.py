"""Proactive help's cards: the unasked answer and the admins' view, valid 1.5 cards in every
language, with outside text inert and meaning named by element id."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cards import verbs
from cards.diagnosis import DiagnosisView, build_diagnosis_card
from cards.outreach import build_outreach_card, teams_user_id
from cards.proactive_help import (
    EXCLUDED_SHOWN,
    ExcludedApp,
    LogAccess,
    ProactiveHelpStatus,
    build_proactive_help_card,
)
from domain.diagnosis.analysis import diagnose
from domain.i18n import Messages
from tests.card_checks import by_id, shown_texts, validate_card
from tests.hostile_text import HOSTILE_APP, as_read, assert_inert
from tests.unit.card_samples import EN, LANGUAGES, NOW
from tests.unit.diagnosis_cases import NEW_APP, OFF, facts

USER = "00000000-0000-0000-0000-000000000022"
APP_ID = "8a4e6c2b-1f3d-4e5a-b7c9-3d2e1f0a9b84"
DATA = {verbs.APP_ID_KEY: APP_ID, verbs.ERROR_CODE_KEY: "AADSTS90094", verbs.LANGUAGE_KEY: "en"}


def outreach_card(messages: Messages = EN, app_name: str = "Zeliq") -> dict[str, Any]:
    given = facts(OFF, requests=False, error_code="AADSTS90094")
    answer = build_diagnosis_card(DiagnosisView(given, diagnose(given), NOW, "Adele"), messages)
    return build_outreach_card(answer, messages, app_name=app_name, user_id=USER, refresh_data=DATA)


def status(**changes: Any) -> ProactiveHelpStatus:
    values: dict[str, Any] = {
        "on": True,
        "excluded": [ExcludedApp(APP_ID, "Zeliq")],
        "period_days": 7,
        "retention_days": 30,
        "offered": 3,
        "log": LogAccess.READABLE,
        **changes,
    }
    return ProactiveHelpStatus(**values)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_unasked_answer_is_the_diagnosis_introduced_and_refreshable(language: str) -> None:
    messages = Messages(language)
    card = outreach_card(messages)
    validate_card(card)
    given = facts(OFF, requests=False, error_code="AADSTS90094")
    answer = build_diagnosis_card(DiagnosisView(given, diagnose(given), NOW, "Adele"), messages)
    assert card["body"][1:-1] == answer["body"]
    assert card["actions"] == answer["actions"]
    assert card["lang"] == language
    assert card["refresh"]["action"]["verb"] == verbs.DIAGNOSE
    assert card["refresh"]["action"]["data"] == DATA
    assert card["refresh"]["userIds"] == [teams_user_id(USER)] == [f"8:orgid:{USER}"]
    assert by_id(card, "outreach-stop")["text"] == messages.t("outreach.stop_hint")


def test_a_hostile_app_name_stays_inert() -> None:
    card = outreach_card(app_name=HOSTILE_APP)
    title = by_id(card, "outreach-intro")["items"][0]["text"]
    assert_inert(title)
    assert HOSTILE_APP in as_read(title)
    assert_inert(card["fallbackText"])


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("log", list(LogAccess))
def test_the_admins_view_says_every_state(language: str, log: LogAccess) -> None:
    messages = Messages(language)
    card = build_proactive_help_card(status(log=log), messages, ("good", "Done."))
    validate_card(card)
    assert by_id(card, f"proactive-help-log-{log.value}")
    assert by_id(card, "proactive-help-lead")["items"][0]["text"] == "Done."
    off = build_proactive_help_card(status(on=False, excluded=[]), messages)
    assert by_id(off, "proactive-help-off")["text"] == messages.t("proactive_help.state_off")
    assert messages.t("proactive_help.excluded_none") in shown_texts(off)


def test_excluded_apps_are_named_safely_and_a_long_list_is_counted() -> None:
    many = [ExcludedApp(f"{n:08d}-0000-4000-8000-000000000000", None) for n in range(40)]
    card = build_proactive_help_card(status(excluded=[ExcludedApp(APP_ID, HOSTILE_APP), *many]), EN)
    facts_shown = {f["title"]: f["value"] for f in by_id(card, "proactive-help-facts")["facts"]}
    excluded = facts_shown["Excluded apps"]
    assert_inert(excluded)
    assert f"({APP_ID})" in excluded
    assert excluded.endswith(f"and {41 - EXCLUDED_SHOWN} more")
    assert facts_shown["Messages"] == "At most one per person and app every 7 days"
    assert facts_shown["Sent in that time"] == "3 messages"


def test_the_ask_button_keeps_a_name_graph_cannot_give() -> None:
    named = facts(OFF, requests=False)
    card = build_diagnosis_card(DiagnosisView(named, diagnose(named), NOW, "Adele"), EN)
    assert by_id(card, "ask-submit")["data"][verbs.APP_NAME_INPUT_ID] == named.app.display_name
    unnamed = facts(OFF, requests=False, app=replace(NEW_APP, display_name=NEW_APP.app_id))
    card = build_diagnosis_card(DiagnosisView(unnamed, diagnose(unnamed), NOW, "Adele"), EN)
    assert verbs.APP_NAME_INPUT_ID not in by_id(card, "ask-submit")["data"]
    assert by_id(card, verbs.APP_NAME_INPUT_ID)  # the form asks for it instead
