"""How a request that left Entra's pending list ended, from its users' requests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.graph import UserRequest
from bot.review.intake import outcome_in_entra
from domain.types import RequestStatus


def _user(status: str, result: str | None) -> UserRequest:
    return UserRequest(
        id="u",
        status=status,
        review_result=result,
        reason=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        user_id="x",
        display_name="X",
        user_principal_name=None,
        mail=None,
    )


@pytest.mark.parametrize(
    ("users", "expected"),
    [
        ([_user("Completed", "Approve")], RequestStatus.APPROVED_IN_ENTRA),
        ([_user("Completed", "Approved")], RequestStatus.APPROVED_IN_ENTRA),
        ([_user("Completed", "Deny")], RequestStatus.DENIED_IN_ENTRA),
        ([_user("Completed", "Denied")], RequestStatus.DENIED_IN_ENTRA),
        (
            [_user("Completed", "Denied"), _user("Completed", "Approve")],
            RequestStatus.APPROVED_IN_ENTRA,
        ),
        ([_user("Expired", "NotReviewed"), _user("Expired", None)], RequestStatus.EXPIRED),
        ([_user("Completed", None)], RequestStatus.CLOSED_IN_ENTRA),
        ([], RequestStatus.CLOSED_IN_ENTRA),
    ],
)
def test_outcome(users: list[UserRequest], expected: RequestStatus) -> None:
    assert outcome_in_entra(users) is expected
