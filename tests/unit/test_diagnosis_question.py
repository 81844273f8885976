"""``read_question`` finds the app in whatever a user pastes, and never raises.

Names are left in ``name_text`` with the question's words removed, in English,
French (including elided articles) and Japanese; ids come from a bare GUID, a
consent URL's ``client_id`` or an error page, where the GUIDs of tracing lines
(correlation, request, trace ids) are skipped; a consent URL's ``scope``
parameter is decoded into bare scope names.
"""

from __future__ import annotations

import pytest

from domain.diagnosis.question import read_question

APP_ID = "11111111-2222-3333-4444-555555555555"
API_ID = "22222222-3333-4444-5555-666666666666"
GRAPH_ID = "00000003-0000-0000-c000-000000000000"
AUTHORIZE = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
RSQ = "\u2019"  # the apostrophe phones and Word type


@pytest.mark.parametrize(
    ("text", "name", "language"),
    [
        ("Why can't I connect Contoso Calendar Sync?", "Contoso Calendar Sync", None),
        (
            "why cant i use Pipeline CRM Sidebar, it says admin approval",
            "Pipeline CRM Sidebar",
            None,
        ),
        ("Pourquoi je ne peux pas connecter Fabrikam Notes ?", "Fabrikam Notes", "fr"),
        (f"Pourquoi l{RSQ}appli Fabrikam Notes est bloquée ?", "Fabrikam Notes", "fr"),
        ("Pourquoi je ne peux pas me connecter d'Outlook ?", "Outlook", "fr"),
        (f"Pourquoi je ne peux pas utiliser l{RSQ}application d{RSQ}Outlook ?", "Outlook", "fr"),
        ("Pipeline CRM Sidebar に接続できない", "Pipeline CRM Sidebar", "ja"),
        ("なぜContoso Calendar Syncに接続できないのですか?", "Contoso Calendar Sync", "ja"),
        ("ＯｎｅＣａｌのアプリが使えません。", "OneCal", "ja"),
    ],
)
def test_the_app_name_is_what_remains_of_a_question(
    text: str, name: str, language: str | None
) -> None:
    question = read_question(text)
    assert question.name_text == name
    assert question.language == language
    assert question.looks_like_question
    assert question.app_ids == ()
    assert not question.has_pointer


def test_a_bare_guid_is_the_app_id_and_leaves_no_name() -> None:
    question = read_question(f"  {APP_ID.upper()}  ")
    assert question.app_ids == (APP_ID,)
    assert question.name_text == ""
    assert question.has_pointer


def test_a_consent_url_gives_the_client_id_and_bare_scope_names() -> None:
    scope = (
        "https%3A%2F%2Fgraph.microsoft.com%2FMail.Read%20openid"
        "%20offline_access%20https%3A%2F%2Fgraph.microsoft.com%2F.default"
        "%20https%3A%2F%2Fgraph.microsoft.com%2FMail.Read"
    )
    question = read_question(f"{AUTHORIZE}?client_id={APP_ID}&response_type=code&scope={scope}")
    assert question.app_ids == (APP_ID,)
    # The Graph prefix is dropped, ".default" names nothing, and duplicates count once.
    assert question.scopes == ("Mail.Read", "openid", "offline_access")
    assert question.name_text == ""


def test_plus_encoded_scopes_and_an_api_uri_prefix() -> None:
    url = (
        f"{AUTHORIZE}?client_id={APP_ID}&scope=api%3A%2F%2F{API_ID}%2Fuser_impersonation+User.Read"
    )
    question = read_question(url)
    assert question.app_ids == (APP_ID,)
    assert question.scopes == ("user_impersonation", "User.Read")


def test_a_url_whose_query_is_itself_encoded_is_decoded() -> None:
    question = read_question(f"{AUTHORIZE}%3Fclient_id%3D{APP_ID}%26scope%3DMail.Read")
    assert question.app_ids == (APP_ID,)
    assert question.scopes == ("Mail.Read",)


def test_a_client_id_parameter_counts_without_a_scheme() -> None:
    question = read_question(f"login.microsoftonline.com/common?client_id={APP_ID}&x=1")
    assert question.app_ids == (APP_ID,)


def test_a_client_id_that_is_not_a_guid_is_ignored() -> None:
    question = read_question(f"{AUTHORIZE}?client_id=not-a-guid&scope=User.Read")
    assert question.app_ids == ()
    assert question.scopes == ("User.Read",)


@pytest.mark.parametrize("resource", [API_ID, GRAPH_ID])
def test_resource_app_ids_in_the_scope_are_not_app_ids(resource: str) -> None:
    # The service resolves the first *known* id; Microsoft Graph (or the tenant's own API)
    # is always known, so a new app's consent URL would be answered for the resource.
    question = read_question(f"{AUTHORIZE}?client_id={APP_ID}&scope={resource}%2FUser.Read")
    assert question.scopes == ("User.Read",)
    assert question.app_ids == (APP_ID,)


ERROR_PAGE = f"""Need admin approval
Contoso Sync needs permission to access resources in your organization.
Request Id: aaaaaaaa-1111-2222-3333-444444444444
Correlation ID: bbbbbbbb-1111-2222-3333-444444444444
Timestamp: 2026-03-12T15:30:00Z
Message: AADSTS90094: The grant requires admin permission.
App id: {APP_ID}
Trace ID: cccccccc-1111-2222-3333-444444444444
ID de corrélation : dddddddd-1111-2222-3333-444444444444
相関 ID: eeeeeeee-1111-2222-3333-444444444444"""


def test_an_error_page_gives_the_code_and_the_app_id_not_the_tracing_ids() -> None:
    question = read_question(ERROR_PAGE)
    assert question.error_code == "AADSTS90094"
    assert question.app_ids == (APP_ID,)
    assert question.has_pointer
    for tracing in ("aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd", "eeeeeeee"):
        assert tracing not in question.name_text


def test_an_id_inside_the_error_sentence_counts() -> None:
    text = f"AADSTS65001: The user has not consented to the application with ID '{APP_ID}'."
    question = read_question(text)
    assert question.app_ids == (APP_ID,)
    assert question.error_code == "AADSTS65001"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("aadsts90095", "AADSTS90095"),
        ("got AADSTS7000112 today", "AADSTS7000112"),
        ("AADSTS12", None),
    ],
)
def test_error_codes_are_read_in_any_case(text: str, code: str | None) -> None:
    assert read_question(text).error_code == code


@pytest.mark.parametrize(
    "text",
    [None, "", "   \n\t", "?!?!...,,;;", "x" * 100_000, "\x00\x1b\u202e", "%%%%", "https://"],
)
def test_odd_input_never_raises_and_finds_nothing(text: str | None) -> None:
    question = read_question(text)
    assert question.app_ids == ()
    assert question.scopes == ()
    assert question.error_code is None
    assert not question.looks_like_question


def test_punctuation_only_leaves_no_name() -> None:
    assert read_question("?!?!...,,;; « » “ ”").name_text == ""


@pytest.mark.parametrize(
    "text", ["hello", "thanks!", "good morning", "Bonjour", "merci", "こんにちは"]
)
def test_small_talk_does_not_look_like_a_question(text: str) -> None:
    assert not read_question(text).looks_like_question


@pytest.mark.parametrize(
    "text",
    [
        "why can't I connect Zoom",
        "Contoso says I need admin approval",
        "pourquoi Fabrikam est bloquée ?",
        "OneCalが使えない",
    ],
)
def test_questions_about_connecting_look_like_questions(text: str) -> None:
    assert read_question(text).looks_like_question


def test_a_fully_encoded_link_is_decoded_once() -> None:
    encoded = (
        "https%3A%2F%2Flogin.microsoftonline.com%2Fcommon%2Foauth2%2Fv2.0%2Fauthorize"
        f"%3Fclient_id%3D{APP_ID}%26scope%3DUser.Read%2520Mail.Read"
    )
    question = read_question(encoded)
    assert question.app_ids == (APP_ID,)
    assert question.scopes == ("User.Read", "Mail.Read")


def test_french_without_why_is_still_a_question() -> None:
    question = read_question("je ne peux pas utiliser Zeliq")
    assert question.looks_like_question
    assert question.name_text == "Zeliq"
    assert question.language == "fr"
