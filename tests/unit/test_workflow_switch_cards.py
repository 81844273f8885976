"""The "switch requests on" cards: schema, escaping, and the per-field validation messages."""

from __future__ import annotations

from typing import Any

import pytest

from bot.admin.workflow_form import parse_form, policy_body
from bot.graph.reviewer_lookup import Directory
from cards.verbs import ENABLE_REQUESTS_CONFIRM
from cards.workflow_switch import (
    DURATION_INPUT_ID,
    FIELD_DURATION,
    FIELD_FORM,
    FIELD_GROUPS,
    FIELD_NOTIFY,
    FIELD_REVIEWERS,
    FIELD_ROLES,
    FIELD_USERS,
    GROUPS_INPUT_ID,
    NOTIFY_INPUT_ID,
    REMINDERS_INPUT_ID,
    ROLES_INPUT_ID,
    USERS_INPUT_ID,
    FormValues,
    PolicyView,
    build_workflow_form_card,
    build_workflow_refused_card,
    build_workflow_saved_card,
)
from domain.entra import CONSENT_ROLES, role_query
from domain.i18n import Messages
from tests.card_checks import all_text, by_id, elements, shown_texts, validate_card
from tests.hostile_text import HOSTILE_APP, as_read, assert_inert
from tests.unit.card_samples import EN, LANGUAGES

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
CLOUD_APP_ADMIN = "158c047a-c907-4556-b7ef-446551a6b5f7"
OFF_POLICY = PolicyView(False, True, True, 30, ())
ON_POLICY = PolicyView(True, False, True, 7, ("Alex Wilber", "Consent Reviewers"))


def form(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        USERS_INPUT_ID: "alexw@example.com",
        GROUPS_INPUT_ID: "",
        ROLES_INPUT_ID: "",
        DURATION_INPUT_ID: "30",
        NOTIFY_INPUT_ID: "true",
        REMINDERS_INPUT_ID: "true",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("policy", [None, OFF_POLICY, ON_POLICY], ids=["unknown", "off", "on"])
def test_form_cards_validate(language: str, policy: PolicyView | None) -> None:
    validate_card(build_workflow_form_card(Messages(language), policy))


@pytest.mark.parametrize("language", LANGUAGES)
def test_form_with_every_error_validates(language: str) -> None:
    messages = Messages(language)
    errors = {
        name: f"problem with {name}"
        for name in (FIELD_USERS, FIELD_GROUPS, FIELD_ROLES, FIELD_REVIEWERS, FIELD_DURATION)
    }
    errors[FIELD_FORM] = "Graph said no"
    values = FormValues("nobody@example.com", "No Such Group", (GLOBAL_ADMIN,), "31", False, True)
    card = build_workflow_form_card(messages, OFF_POLICY, values, errors)
    validate_card(card)
    for name in (FIELD_USERS, FIELD_GROUPS, FIELD_ROLES, FIELD_REVIEWERS, FIELD_DURATION):
        assert by_id(card, f"error-{name}")["text"] == f"problem with {name}"
    assert "Graph said no" in all_text(by_id(card, "workflow-not-saved"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_saved_and_refused_cards_validate(language: str) -> None:
    messages = Messages(language)
    validate_card(build_workflow_saved_card(messages, ON_POLICY))
    validate_card(build_workflow_refused_card(messages))


def test_form_offers_the_four_consent_roles_and_keeps_what_was_typed() -> None:
    values = FormValues("meganb@example.com, x", "Consent Reviewers", (CLOUD_APP_ADMIN,), "12")
    card = build_workflow_form_card(EN, OFF_POLICY, values, {FIELD_USERS: "No such user: x."})
    roles = by_id(card, ROLES_INPUT_ID)
    assert {c["value"] for c in roles["choices"]} == set(CONSENT_ROLES)
    assert roles["isMultiSelect"] is True
    assert roles["value"] == CLOUD_APP_ADMIN
    assert by_id(card, USERS_INPUT_ID)["value"] == "meganb@example.com, x"
    assert by_id(card, GROUPS_INPUT_ID)["value"] == "Consent Reviewers"
    assert by_id(card, DURATION_INPUT_ID)["value"] == 12
    assert by_id(card, NOTIFY_INPUT_ID)["value"] == "true"
    assert by_id(card, "error-users")["text"] == "No such user: x."
    assert by_id(card, "workflow-confirm")["verb"] == ENABLE_REQUESTS_CONFIRM


def test_current_setting_is_shown_with_reviewer_names() -> None:
    card = build_workflow_form_card(EN, ON_POLICY)
    facts = {f["title"]: f["value"] for f in by_id(card, "workflow-current")["facts"]}
    assert facts["Requests"] == "On"
    assert facts["Requests expire after"] == "7 days"
    assert facts["Email reviewers"] == "Off"
    assert facts["Reminders"] == "On"
    assert facts["Reviewers"] == "Alex Wilber, Consent Reviewers"
    off = build_workflow_form_card(EN, OFF_POLICY)
    off_facts = {f["title"]: f["value"] for f in by_id(off, "workflow-current")["facts"]}
    assert off_facts["Requests"] == "Off"
    assert off_facts["Reviewers"] == "None"


def test_saved_card_says_entra_may_take_an_hour() -> None:
    card = build_workflow_saved_card(EN, ON_POLICY)
    assert "up to an hour" in "\n".join(shown_texts(card))


def test_reviewer_names_from_the_directory_are_inert() -> None:
    policy = PolicyView(True, True, True, 30, (HOSTILE_APP,))
    for card in (build_workflow_form_card(EN, policy), build_workflow_saved_card(EN, policy)):
        for text in shown_texts(card):
            assert_inert(text)
        values = [
            fact["value"]
            for element in elements(card)
            if element.get("type") == "FactSet"
            for fact in element["facts"]
        ]
        assert as_read(values[-1]) == HOSTILE_APP


def test_hostile_typed_values_come_back_inert_in_messages() -> None:
    parsed = parse_form(form(**{ROLES_INPUT_ID: HOSTILE_APP}), EN)
    message = parsed.errors[FIELD_ROLES]
    assert_inert(message)
    card = build_workflow_form_card(EN, OFF_POLICY, parsed.values, parsed.errors)
    for text in shown_texts(card):
        assert_inert(text)


def test_a_valid_form_has_no_errors() -> None:
    parsed = parse_form(
        form(**{GROUPS_INPUT_ID: "Consent Reviewers", ROLES_INPUT_ID: GLOBAL_ADMIN}), EN
    )
    assert parsed.errors == {}
    assert parsed.users == ("alexw@example.com",)
    assert parsed.groups == ("Consent Reviewers",)
    assert parsed.roles == (GLOBAL_ADMIN,)
    assert parsed.duration == 30


def test_lists_split_on_commas_and_drop_repeats() -> None:
    parsed = parse_form(
        form(
            **{
                USERS_INPUT_ID: "a@example.com; b@example.com\nA@example.com",
                GROUPS_INPUT_ID: "Consent Reviewers, App Owners,",
                ROLES_INPUT_ID: f"{GLOBAL_ADMIN},{CLOUD_APP_ADMIN}",
            }
        ),
        EN,
    )
    assert parsed.users == ("a@example.com", "b@example.com")
    assert parsed.groups == ("Consent Reviewers", "App Owners")
    assert parsed.roles == (GLOBAL_ADMIN, CLOUD_APP_ADMIN)


@pytest.mark.parametrize("duration", ["0", "31", "-1", "1.5", "ten", "", True])
def test_duration_outside_1_to_30_is_named(duration: object) -> None:
    parsed = parse_form(form(**{DURATION_INPUT_ID: duration}), EN)
    assert parsed.errors == {
        FIELD_DURATION: "The request duration must be a whole number of days from 1 to 30."
    }


@pytest.mark.parametrize("duration", ["1", "30", 15, 15.0])
def test_duration_limits_are_accepted(duration: object) -> None:
    assert parse_form(form(**{DURATION_INPUT_ID: duration}), EN).errors == {}


def test_no_reviewer_at_all_is_named() -> None:
    parsed = parse_form(form(**{USERS_INPUT_ID: " , "}), EN)
    assert parsed.errors == {
        FIELD_REVIEWERS: "Pick at least one reviewer: a user, a group or a role."
    }


def test_unknown_role_and_bad_toggle_are_named() -> None:
    parsed = parse_form(
        form(**{ROLES_INPUT_ID: "00000000-dead-beef-0000-000000000000", NOTIFY_INPUT_ID: "maybe"}),
        EN,
    )
    assert parsed.errors[FIELD_ROLES].startswith("Not one of the roles offered")
    assert parsed.errors[FIELD_NOTIFY] == "Choose on or off."


def test_too_many_entries_are_refused_before_any_lookup() -> None:
    many = ",".join(f"user{i}@example.com" for i in range(21))
    parsed = parse_form(form(**{USERS_INPUT_ID: many}), EN)
    assert parsed.errors == {FIELD_USERS: "At most 20 entries in this field."}


@pytest.mark.parametrize("language", LANGUAGES)
def test_messages_exist_in_every_language(language: str) -> None:
    parsed = parse_form({DURATION_INPUT_ID: "0", NOTIFY_INPUT_ID: "x"}, Messages(language))
    assert set(parsed.errors) == {FIELD_REVIEWERS, FIELD_DURATION, FIELD_NOTIFY}
    assert all(parsed.errors.values())


def test_body_is_the_documented_put_body() -> None:
    body = policy_body(
        users=[Directory("u-1", "Alex")],
        groups=[Directory("g-1", "Consent Reviewers")],
        roles=(GLOBAL_ADMIN,),
        duration=14,
        notify=True,
        reminders=False,
    )
    assert body == {
        "isEnabled": True,
        "notifyReviewers": True,
        "remindersEnabled": False,
        "requestDurationInDays": 14,
        "reviewers": [
            {"query": "/users/u-1", "queryType": "MicrosoftGraph"},
            {
                "query": "/groups/g-1/transitiveMembers/microsoft.graph.user",
                "queryType": "MicrosoftGraph",
            },
            {
                "query": "/beta/roleManagement/directory/roleAssignments"
                f"?$filter=roleDefinitionId eq '{GLOBAL_ADMIN}'",
                "queryType": "MicrosoftGraph",
            },
        ],
    }
    assert role_query(GLOBAL_ADMIN) == body["reviewers"][2]["query"]
