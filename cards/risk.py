"""Risk at a glance: why a request is high risk in one line, and the facts a reviewer weighs.

A reviewer should not have to read every permission row to learn that an app
asks for something the admins listed as high risk. The headline names the
reasons (listed permissions first, then those only an admin may grant, then
an unverified publisher); the facts say how many colleagues already granted
the app something for themselves and whether it keeps access while the user
is away (``offline_access``). The digest and the message for IT reuse the
same reasons, so the three never disagree.

Every string that comes from outside goes through ``cards.text.safe``.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.elements import Element, fact_set, text_block
from cards.text import SCOPE_LIMIT, safe
from domain.i18n import Messages
from domain.types import Publisher, ReviewerCardView, ScopeDetail

OFFLINE_ACCESS = "offline_access"
LISTED_NAMED = 2
"""Listed permissions named in the headline before the rest are counted."""


def asks_offline_access(scopes: Sequence[ScopeDetail]) -> bool:
    return any(s.value.lower() == OFFLINE_ACCESS for s in scopes)


def risk_reasons(
    scopes: Sequence[ScopeDetail], publisher: Publisher | None, messages: Messages
) -> list[str]:
    """Why the request is high risk, most telling first; empty when it is not.

    High risk means what routing means by it: a permission on the admins'
    list, or one only an admin may grant. An unverified publisher is then
    named too, as it makes either worse.
    """
    listed = [safe(s.value, SCOPE_LIMIT) for s in scopes if s.on_risk_list]
    admin = sum(1 for s in scopes if s.needs_admin)
    reasons = []
    if listed:
        named = ", ".join(listed[:LISTED_NAMED])
        hidden = len(listed) - LISTED_NAMED
        if hidden > 0:
            named = messages.plural("reviewer.risk_more", hidden, first=named)
        reasons.append(messages.plural("reviewer.risk_listed", len(listed), scopes=named))
    if admin:
        reasons.append(messages.plural("reviewer.risk_admin", admin))
    if reasons and publisher is not None and not publisher.verified:
        reasons.append(messages.t("reviewer.risk_unverified"))
    return reasons


def risk_headline(view: ReviewerCardView, messages: Messages) -> list[Element]:
    """One bold line under the app's name, or nothing for a request that is not high risk."""
    reasons = risk_reasons(view.scopes, view.publisher, messages)
    if not reasons:
        return []
    text = messages.t("reviewer.risk_high", reasons=" · ".join(reasons))
    return [text_block(text, "risk", color="attention", weight="bolder", spacing="small")]


def risk_facts(view: ReviewerCardView, messages: Messages) -> list[tuple[str, str]]:
    """Who already granted the app something, and whether it asks for offline access."""
    if view.details_pending or view.user_grants is None:
        granted = messages.t("reviewer.grants_unknown")
    elif view.user_grants == 0:
        granted = messages.t("reviewer.grants_none")
    else:
        granted = messages.plural("reviewer.grants", view.user_grants)
    offline = "reviewer.offline_yes" if asks_offline_access(view.scopes) else "reviewer.offline_no"
    return [
        (messages.t("reviewer.grants_label"), granted),
        (messages.t("reviewer.offline_label"), messages.t(offline)),
    ]


def risk_fact_set(view: ReviewerCardView, messages: Messages) -> Element:
    return fact_set(risk_facts(view, messages), "risk-facts")
