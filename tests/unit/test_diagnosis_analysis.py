"""``diagnose`` follows Entra's consent rules (graph-contract section 3) on hand-built facts.

One table row per rule: user consent off, custom and low-risk policies,
admin-only and unknown scopes, risk-based step-up, assignment, blocked apps,
grants already made (fully, partly, or with unknown scopes), the user's own
requests, colleagues' requests and switched-off requests. Every cause, next
step and situation appears in the table, with exactly the causes expected.
The table itself is in ``tests/unit/diagnosis_cases.py``.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.diagnosis.analysis import CauseCode, NextStep, Situation, diagnose
from tests.unit.diagnosis_cases import MAIL, NEW_APP, TABLE, facts


@pytest.mark.parametrize("name", TABLE)
def test_diagnose(name: str) -> None:
    given, expected = TABLE[name]
    assert diagnose(given) == expected


def test_the_table_covers_every_cause_step_and_situation() -> None:
    expected = [diagnosis for _, diagnosis in TABLE.values()]
    assert {c.code for d in expected for c in d.causes} == set(CauseCode)
    assert {d.next_step for d in expected} == set(NextStep)
    assert {d.situation for d in expected} == set(Situation)


@pytest.mark.parametrize(
    ("name", "can_ask"),
    [
        ("requests off (others waiting not mentioned)", True),
        ("scopes not known, AADSTS90094 pasted", True),
        ("blocked, even when granted", True),
        ("own request denied, requests off", True),
        ("own request through the bot pending", False),  # already with the reviewers
        ("own request denied", False),  # Entra's form is there
        ("others waiting", False),
        ("free consent", False),
        ("approved for everyone (any casing)", False),
        ("approved, user not assigned", False),
    ],
)
def test_asking_the_reviewers_is_offered_only_where_entra_offers_no_form(
    name: str, can_ask: bool
) -> None:
    assert diagnose(TABLE[name][0]).can_ask_reviewers is can_ask


def test_unknown_verification_under_step_up_is_not_a_certain_free_consent() -> None:
    # Verification is unknown until the app has a service principal here; an unverified
    # app asking for Mail.Read is stepped up to an admin. The user even pasted Entra's
    # "admin needed, no request form" code, yet the answer is a certain "connect it yourself".
    pasted = facts(scopes=MAIL, requests=False, app=NEW_APP, error_code="AADSTS90094")
    assert not diagnose(replace(pasted, error_code=None)).certain
    assert diagnose(pasted).situation is Situation.REQUESTS_OFF
