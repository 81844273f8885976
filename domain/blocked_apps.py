"""What people stopped by consent saw, read from the sign-in log, and the periods admins ask for.

Entra writes one of three codes when consent stops a sign-in, and each is a
different situation for the admins: AADSTS90095 "Approval required" (the
request form was shown, or the user already has a request pending),
AADSTS90094 "Need admin approval" (no form: the admin consent workflow is
off) and AADSTS65001 (consent is needed and the user could not give it).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final


class Situation(StrEnum):
    """What the person saw; the order is the order cards list them in."""

    FORM_SHOWN = "form_shown"
    NO_FORM = "no_form"
    CONSENT_NEEDED = "consent_needed"


SITUATION_OF_CODE: Final = {
    90095: Situation.FORM_SHOWN,
    90094: Situation.NO_FORM,
    65001: Situation.CONSENT_NEEDED,
}

DEFAULT_DAYS: Final = 7
MAX_DAYS: Final = 30
"""Entra keeps the sign-in log 30 days (P1/P2), and the bot keeps no more of it."""


def situations(codes: Iterable[int]) -> tuple[Situation, ...]:
    """The distinct situations behind ``codes``, in ``Situation`` order; other codes left out."""
    seen = {SITUATION_OF_CODE[code] for code in codes if code in SITUATION_OF_CODE}
    return tuple(s for s in Situation if s in seen)
