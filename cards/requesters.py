"""The "requested by" part of the reviewer card.

Newest requests first: a fresh justification is the most likely to explain
what the app is for now, and when hundreds asked, the count of the rest says
more than their names would.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.elements import Element, container, text_block
from cards.text import REASON_LIMIT, safe
from domain.i18n import Messages
from domain.types import Requester


def requester_section(
    requesters: Sequence[Requester], messages: Messages, limit: int
) -> list[Element]:
    """Heading, the newest ``limit`` requesters, and how many more there are."""
    newest = sorted(requesters, key=lambda requester: requester.requested_at, reverse=True)
    items = [_requester(index, person, messages) for index, person in enumerate(newest[:limit])]
    hidden = len(newest) - len(items)
    if hidden:
        more = messages.plural("reviewer.requesters_more", hidden)
        items.append(text_block(more, "requesters-more", isSubtle=True, weight="bolder"))
    heading = messages.t("reviewer.requesters_heading", count=len(requesters))
    section = [
        text_block(heading, "requesters-heading", weight="bolder", style="heading", separator=True)
    ]
    if items:
        section.append(container(items, "requesters"))
    return section


def _requester(index: int, person: Requester, messages: Messages) -> Element:
    name = safe(person.display_name) or safe(person.user_principal_name) or safe(person.user_id)
    upn = safe(person.user_principal_name)
    details = [upn] if upn else []
    details.append(
        messages.t("reviewer.requested_on", date=messages.date_time(person.requested_at))
    )
    reason = safe(person.reason, REASON_LIMIT)
    said = (
        text_block(messages.t("reviewer.reason", reason=reason), spacing="small")
        if reason
        else text_block(messages.t("reviewer.no_reason"), spacing="small", isSubtle=True)
    )
    return container(
        [
            text_block(name, weight="bolder"),
            text_block(" · ".join(details), isSubtle=True, spacing="none", size="small"),
            said,
        ],
        f"requester-{index}",
        separator=index > 0,
    )
