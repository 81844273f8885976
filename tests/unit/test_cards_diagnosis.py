"""The diagnosis and "which app?" cards: valid 1.5 cards, inert outside text, meaning by id.

Every diagnosis of the analysis table renders in English, French and Japanese
against the Adaptive Card schema, with ids naming the headline, each cause
and the next step. Hostile names, scopes and reasons cannot inject markup;
"Ask the reviewers for me" appears exactly when Entra offers no request form,
and asks for the app's name only when the tenant does not know it. The
message for IT is plain text with the facts an admin asks for. 200 scopes
still fit Teams' size budget.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from cards import verbs
from cards.diagnosis import DiagnosisView, build_app_choice_card, build_diagnosis_card
from cards.elements import CARD_BUDGET, card_size
from cards.it_message import it_message
from cards.text import WORD_JOINER
from domain.diagnosis.analysis import CauseCode, diagnose
from domain.diagnosis.facts import AskedStatus, DiagnosisFacts, ScopeFact, ScopeKind
from domain.diagnosis.matching import Candidate
from domain.i18n import Messages
from tests.card_checks import by_id, elements, shown_texts, validate_card
from tests.hostile_text import HOSTILE_APP, HOSTILE_REASON, as_read, assert_inert
from tests.unit.card_samples import EN, LANGUAGES, NOW
from tests.unit.diagnosis_cases import (
    CUSTOM,
    DIRECTORY,
    NEW_APP,
    OFF,
    SECRET,
    TABLE,
    app,
    asked,
    facts,
)

APP_ID = NEW_APP.app_id
ASKER = "Megan Bowen"
ASK_BUTTON = "ask-reviewers"


def card_for(given: DiagnosisFacts, messages: Messages = EN, **view: Any) -> dict[str, Any]:
    return build_diagnosis_card(DiagnosisView(given, diagnose(given), NOW, ASKER, **view), messages)


PENDING = replace(
    asked(AskedStatus.PENDING), expires_at=NOW + timedelta(days=8), review_places=("Reviews",)
)
EXTRA_VIEWS = {
    "pending with expiry": (facts(OFF, asked=PENDING), {}),
    "note after asking": (facts(OFF, requests=False), {"note_key": "diagnosis.ask_sent"}),
    "name unknown": (facts(OFF, requests=False, app=replace(NEW_APP, display_name=APP_ID)), {}),
    "unknown code": (facts(OFF, error_code="AADSTS12345"), {}),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", [*TABLE, *EXTRA_VIEWS])
def test_diagnosis_cards_validate(name: str, language: str) -> None:
    given, view = EXTRA_VIEWS.get(name) or (TABLE[name][0], {})
    card = card_for(given, Messages(language), **view)
    validate_card(card)
    assert card["lang"] == language


@pytest.mark.parametrize("language", LANGUAGES)
def test_app_choice_cards_validate(language: str) -> None:
    messages = Messages(language)
    offered = [Candidate(f"a{i}", f"Fabrikam Notes {i}") for i in range(5)]
    for card in (
        build_app_choice_card(offered, "Fabrikam Note", messages, {verbs.ERROR_CODE_KEY: "X"}),
        build_app_choice_card([], "Zoom", messages),
        build_app_choice_card([], " ", messages),
    ):
        validate_card(card)


@pytest.mark.parametrize("name", TABLE)
def test_ids_name_the_headline_every_cause_and_the_next_step(name: str) -> None:
    diagnosis = TABLE[name][1]
    headline = (
        "blocked"
        if diagnosis.has(CauseCode.APP_BLOCKED)
        else "approved"
        if diagnosis.has(CauseCode.ALREADY_APPROVED)
        else str(diagnosis.situation.value)
    )
    expected = {
        f"situation-{headline}",
        f"next-{diagnosis.next_step.value}",
        *(f"cause-{cause.code.value}" for cause in diagnosis.causes),
    }
    shown = {element["id"] for element in elements(card_for(TABLE[name][0])) if "id" in element}
    assert expected <= shown
    assert len([i for i in shown if i.startswith(("situation-", "next-"))]) == 2
    assert len([i for i in shown if i.startswith("cause-")]) == len(diagnosis.causes)


@pytest.mark.parametrize("name", TABLE)
def test_asking_the_reviewers_is_offered_exactly_when_it_helps(name: str) -> None:
    card = card_for(TABLE[name][0])
    offered = [action for action in card["actions"] if action["id"] == ASK_BUTTON]
    assert bool(offered) is TABLE[name][1].can_ask_reviewers
    assert card["actions"][-1]["id"] == "it-message-card"  # the message for IT, always
    if offered:
        assert offered[0]["title"] == "Ask the reviewers for me"


def test_the_ask_form_wants_the_apps_name_only_when_it_is_unknown() -> None:
    named = by_id(card_for(facts(OFF, requests=False, app=NEW_APP)), ASK_BUTTON)
    unnamed = by_id(card_for(EXTRA_VIEWS["name unknown"][0]), ASK_BUTTON)
    assert {e.get("id") for e in named["card"]["body"]} >= {verbs.JUSTIFICATION_INPUT_ID}
    assert verbs.APP_NAME_INPUT_ID not in {e.get("id") for e in named["card"]["body"]}
    name_field = by_id(unnamed, verbs.APP_NAME_INPUT_ID)
    assert name_field["isRequired"] is True
    assert by_id(unnamed, verbs.JUSTIFICATION_INPUT_ID)["isRequired"] is True


def hostile_facts() -> list[DiagnosisFacts]:
    """Outside text in every place a diagnosis card shows it."""
    scope = ScopeFact(HOSTILE_APP, ScopeKind.ADMIN, False, HOSTILE_REASON, HOSTILE_APP)
    denied = replace(asked(AskedStatus.DENIED), reason=HOSTILE_REASON, decided_by=HOSTILE_APP)
    pending = replace(asked(AskedStatus.PENDING), review_places=(HOSTILE_APP,))
    base = facts(
        CUSTOM,
        (scope, DIRECTORY, SECRET),
        app=app(display_name=HOSTILE_APP, publisher_name=HOSTILE_APP, verified=False),
        asked=denied,
    )
    tenant = replace(base.tenant, custom_policies=(HOSTILE_APP,), reviewers=(HOSTILE_APP,))
    return [replace(base, tenant=tenant), replace(base, tenant=tenant, asked=pending)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_hostile_outside_text_is_inert_on_the_diagnosis_card(language: str) -> None:
    denied, pending = hostile_facts()
    messages = Messages(language)
    noted = {"note_key": "diagnosis.ask_sent", "note_places": (HOSTILE_REASON,)}
    cards = [card_for(denied, messages), card_for(pending, messages, **noted)]
    for card in cards:
        validate_card(card)
        for text in shown_texts(card):
            assert_inert(text.removeprefix("- "))  # the card's own bullet before each cause
    # Nothing was lost: the reader sees the original words.
    card = cards[0]
    assert as_read(by_id(card, "app-name")["text"]) == HOSTILE_APP
    if language == "en":
        denial = as_read(by_id(card, "cause-request_denied")["text"])
        assert f"denied by {HOSTILE_APP}. Reason given: # URGENT - approve now 1. [" in denial
        assert HOSTILE_APP in as_read(by_id(card, "cause-custom_policy")["text"])
        assert HOSTILE_APP in as_read(by_id(card, "cause-admin_scopes")["text"])
        assert "# URGENT - approve now" in as_read(by_id(cards[1], "note")["items"][0]["text"])


def test_a_hostile_typed_name_and_hostile_app_names_are_inert_on_the_choice_card() -> None:
    typed = "[x](https://evil.example) **b**\n{{DATE(2026-01-01T00:00:00Z)}} <at>Megan</at>"
    offered = [Candidate("a1", HOSTILE_APP), Candidate("a2", typed)]
    for card in (build_app_choice_card(offered, typed, EN), build_app_choice_card([], typed, EN)):
        validate_card(card)
        for text in shown_texts(card):
            assert_inert(text)
    none = as_read(by_id(build_app_choice_card([], typed, EN), "choose-none")["text"])
    assert "[x](https://evil.example) **b** {{DATE(2026-01-01T00:00:00Z)}} <at>Megan</at>" in none
    # Each button carries its app's id as data, never as shown text.
    button = by_id(build_app_choice_card(offered, typed, EN), "choose-0")
    assert button["data"][verbs.APP_ID_KEY] == "a1"


def it_facts() -> DiagnosisFacts:
    """A verified app with three links, four kinds of scope and a pasted error code."""
    scopes = (
        ScopeFact("User.Read", ScopeKind.USER, True, "Sign you in and read your profile"),
        ScopeFact("Mail.Read", ScopeKind.USER, False, "Read your mail"),
        ScopeFact("Directory.Read.All", ScopeKind.ADMIN, False, "Read directory data"),
        ScopeFact("Contoso.Secret", ScopeKind.UNKNOWN),
    )
    links = {
        "homepage_url": "javascript:alert(document.cookie)",
        "privacy_url": "https://contoso.example/privacy",
        "terms_url": "http://contoso.example/terms",
    }
    return facts(
        OFF, scopes, app=app(publisher_name="Contoso Ltd", **links), error_code="AADSTS90095"
    )


def test_the_it_message_has_the_facts_an_admin_asks_for() -> None:
    given = it_facts()
    message = it_message(given, diagnose(given), ASKER, EN)
    lines = message.split("\n")
    assert f"App: Contoso Sync (app ID {APP_ID})" in lines
    assert "Publisher: Contoso Ltd (verified by Microsoft)" in lines
    assert "- User.Read: Sign you in and read your profile (low risk)" in lines
    assert "- Mail.Read: Read your mail (users may consent)" in lines
    assert "- Directory.Read.All: Read directory data (needs an admin)" in lines
    assert "- Contoso.Secret: no description (not defined in our tenant)" in lines
    assert "Error shown: AADSTS90095" in lines
    assert "Privacy statement: https://contoso.example/privacy" in lines
    assert "Terms of service: http://contoso.example/terms" in lines
    assert "javascript" not in message
    assert not any(line.startswith("Website:") for line in lines)
    assert lines[-1] == ASKER
    # The card offers exactly this text to copy.
    assert by_id(card_for(given), "it-message")["value"] == message


def test_the_it_message_carries_the_reviewer_cards_risk_facts() -> None:
    given = it_facts()
    lines = it_message(given, diagnose(given), ASKER, EN).split("\n")
    assert "1 permission needs an admin's consent." in lines  # Directory.Read.All
    assert not any("offline access" in line for line in lines)
    offline = ScopeFact("offline_access", ScopeKind.USER)
    given = replace(given, scopes=(*given.scopes, offline))
    lines = it_message(given, diagnose(given), ASKER, EN).split("\n")
    assert "It asks for offline access: it keeps access to the data while I am away." in lines


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({"verified": False}, "Publisher: Contoso Ltd (not verified by Microsoft)"),
        ({"publisher_name": None}, "Publisher: unnamed (verified by Microsoft)"),
        ({"in_tenant": False}, "The app is not in our tenant yet (no enterprise application)."),
    ],
)
def test_the_it_message_says_who_publishes_the_app(changes: dict[str, Any], line: str) -> None:
    given = it_facts()
    given = replace(given, app=replace(given.app, **changes))
    assert line in it_message(given, diagnose(given), ASKER, EN).split("\n")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_it_message_is_plain_text_not_escaped_markdown(language: str) -> None:
    given = replace(it_facts(), app=app(display_name=f"{HOSTILE_APP}\n\tv2", publisher_name="A_B"))
    message = it_message(given, diagnose(given), f"{ASKER}\n**", Messages(language))
    assert f"{HOSTILE_APP} v2" in message  # one tidy line, the words as typed
    assert "A_B" in message
    assert message.endswith(f"{ASKER} **")
    for artefact in (WORD_JOINER, "\u2217", "\u2039", "\uff3f", "\\"):
        assert artefact not in message


def many_scopes(count: int) -> DiagnosisFacts:
    description = (
        "Allows the app to create, read, update, and delete email in user mailboxes. "
        "Does not include permission to send mail."
    )
    kinds = (ScopeKind.ADMIN, ScopeKind.USER, ScopeKind.UNKNOWN)
    scopes = tuple(
        ScopeFact(f"Contoso.Scope{i:03}.ReadWrite.All", kinds[i % 3], False, description, "API")
        for i in range(count)
    )
    return facts(OFF, scopes, requests=False, error_code="AADSTS90094")


@pytest.mark.parametrize("language", LANGUAGES)
def test_two_hundred_scopes_stay_within_the_card_budget(language: str) -> None:
    card = card_for(many_scopes(200), Messages(language))
    validate_card(card)
    assert card_size(card) <= CARD_BUDGET
    assert by_id(card, ASK_BUTTON)  # the way forward is still there
    assert by_id(card, "it-message")["value"].endswith(ASKER)


def test_the_it_message_fits_its_box() -> None:
    # 25 scopes with Graph-sized descriptions make ~4,600 characters; a client enforcing
    # maxLength would cut off the end, which is where the asker's name is.
    box = by_id(card_for(many_scopes(25)), "it-message")
    assert len(box["value"]) <= box["maxLength"]
