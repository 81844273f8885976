"""``match_app`` picks an app only when the message clearly names it, and otherwise offers names.

A name written out in full wins (the longest of several); typos, partial
names and ambiguous words give at most five suggestions instead of a guess;
nothing close gives none; case, accents and full-width letters do not matter.
"""

from __future__ import annotations

from domain.diagnosis.matching import MAX_SUGGESTIONS, Candidate, Match, match_app
from domain.diagnosis.question import read_question

CRM = Candidate("a1", "Pipeline CRM Sidebar")
CALENDAR = Candidate("a2", "Contoso Calendar Sync")
DOCS = Candidate("a3", "Fabrikam Docs for SharePoint")
CONNECTOR = Candidate("a4", "Contoso SharePoint Connector")
NOTES = Candidate("a5", "Fabrikam Notes")
OUTLOOK = Candidate("a6", "Outlook")
CAFE = Candidate("a7", "Café Planner")
SHAREPOINT = Candidate("a8", "SharePoint")
TENANT = [CRM, CALENDAR, DOCS, CONNECTOR, NOTES, OUTLOOK, CAFE]


def ask(text: str, candidates: list[Candidate] = TENANT) -> Match:
    """What the bot matches for a message, the way the service calls it."""
    question = read_question(text)
    return match_app(question.text, question.name_text, candidates)


def wide(text: str) -> str:
    """``text`` in full-width Latin forms, as a Japanese input method types it."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_a_name_written_in_full_inside_a_sentence_is_chosen() -> None:
    assert ask("Hi, why can't I connect Contoso Calendar Sync today?") == Match(CALENDAR)


def test_the_longest_of_several_written_names_wins() -> None:
    match = ask("why can't I connect Fabrikam Docs for SharePoint", [*TENANT, SHAREPOINT])
    assert match.chosen == DOCS


def test_a_name_only_counts_on_word_boundaries() -> None:
    # "Outlook" is not written in "Outlookish"; the bot does not pick it outright.
    assert ask("why can't I connect Outlookish").chosen is None


def test_typos_give_suggestions_not_a_choice() -> None:
    match = ask("why can't I connect Contoso Calender Synk")
    assert match.chosen is None
    assert match.suggestions[0] == CALENDAR

    match = ask("why can't I connect Fabrikam Note")
    assert match.chosen is None
    assert NOTES in match.suggestions


def test_typed_words_that_are_all_in_one_name_choose_it() -> None:
    assert ask("why can't I connect CRM sidebar?").chosen == CRM
    assert ask("CRM Sidebarに接続できないのですか?").chosen == CRM


def test_a_distinctive_first_word_chooses_the_app() -> None:
    assert ask("Pipeline doesn't work").chosen == CRM


def test_a_word_shared_by_two_apps_gives_both_as_suggestions() -> None:
    match = ask("why can't I connect sharepoint")
    assert match.chosen is None
    assert set(match.suggestions) == {DOCS, CONNECTOR}


def test_an_exact_app_named_like_the_word_is_chosen_over_longer_names() -> None:
    assert ask("why can't I connect sharepoint", [*TENANT, SHAREPOINT]).chosen == SHAREPOINT


def test_nothing_close_gives_no_suggestions() -> None:
    assert ask("why can't I connect Zoom") == Match(None)
    assert ask("why can't I connect qwxz") == Match(None)


def test_case_accents_and_width_do_not_matter() -> None:
    assert ask("WHY CAN'T I CONNECT CAFE PLANNER").chosen == CAFE
    assert ask("why can't I connect café planner").chosen == CAFE
    # Full-width Latin letters, as Japanese keyboards type them.
    assert ask(f"{wide('Café Planner')}に接続できません").chosen == CAFE
    assert ask(f"{wide('pipeline crm sidebar')} が使えない").chosen == CRM


def test_at_most_five_suggestions_best_first() -> None:
    similar = [Candidate(f"n{i}", f"Fabrikam Notes {i}") for i in range(9)]
    match = ask("why can't I connect Fabrikam Note", similar)
    assert match.chosen is None
    assert len(match.suggestions) == MAX_SUGGESTIONS
    # Equal scores are ordered by name, so the offer is stable.
    assert [c.display_name for c in match.suggestions] == [
        f"Fabrikam Notes {i}" for i in range(MAX_SUGGESTIONS)
    ]


def test_no_candidates_or_blank_names_match_nothing() -> None:
    assert ask("why can't I connect Contoso", []) == Match(None)
    assert ask("why can't I connect Contoso", [Candidate("b1", "  ")]) == Match(None)


def test_the_same_app_listed_twice_is_not_its_own_rival() -> None:
    # Ids compare case-insensitively; a duplicate would otherwise tie with itself.
    twice = [Candidate("A2", "Contoso Calendar Sync"), CALENDAR]
    assert ask("why can't I connect Contoso Calender", twice) == Match(CALENDAR)
