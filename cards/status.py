"""The banner at the top of a reviewer card: where the request stands and who decided.

Every copy of a posted card is edited when a request moves on, so the banner
is how everyone watching learns that it was decided, by whom and when, and
whether anything is left to do in Entra. The words say it all; the colour
only repeats them.
"""

from __future__ import annotations

from collections.abc import Callable

from cards.auto_approval import auto_approval_line
from cards.elements import Element, callout
from cards.text import DESCRIPTION_LIMIT, REASON_LIMIT, SCOPE_LIMIT, safe
from domain.i18n import Messages
from domain.types import DecisionView, RequestStatus, ReviewerCardView

BANNER_ID = "status-banner"
PROBLEM_ID = "decision-problem"

UNRESOLVED_SHOWN = 20
"""Unresolved scopes named in the problem callout; the rest are counted."""

_CLOSED_ELSEWHERE = {
    RequestStatus.APPROVED_IN_ENTRA: (
        "good",
        "reviewer.status_completed",
        "reviewer.status_completed_hint",
    ),
    RequestStatus.DENIED_IN_ENTRA: (
        "attention",
        "reviewer.status_denied_in_entra",
        "reviewer.status_denied_in_entra_hint",
    ),
    RequestStatus.CLOSED_IN_ENTRA: (
        "default",
        "reviewer.status_closed_in_entra",
        "reviewer.status_closed_in_entra_hint",
    ),
    RequestStatus.EXPIRED: ("warning", "reviewer.status_expired", "reviewer.status_expired_hint"),
    RequestStatus.REQUESTS_ENABLED: (
        "accent",
        "reviewer.status_requests_enabled",
        "reviewer.status_requests_enabled_hint",
    ),
}


def status_banner(view: ReviewerCardView, messages: Messages) -> list[Element]:
    """The banner for ``view``'s status (none for a plain pending request).

    Under it, for an app on the auto-approval list, what the list made of the
    request: approved automatically, or why not.
    """
    return [*_banner(view, messages), *auto_approval_line(view, messages)]


def _banner(view: ReviewerCardView, messages: Messages) -> list[Element]:
    if view.status in _CLOSED_ELSEWHERE:
        style, title, hint = _CLOSED_ELSEWHERE[view.status]
        return [callout(style, BANNER_ID, messages.t(title), messages.t(hint))]
    decided = _DECIDED.get(view.status)
    if decided is not None:
        return [decided(view, messages)]
    decision = view.decision
    if view.status is RequestStatus.PENDING and decision is not None and decision.problem:
        return [_problem(decision, messages)]
    return []


def _actor(decision: DecisionView, messages: Messages) -> str:
    return safe(decision.actor_name) or messages.t("decision.someone")


def _by(key: str, decision: DecisionView | None, messages: Messages) -> str:
    """``key_by`` naming who decided and when, or plain ``key`` if nobody is recorded."""
    if decision is None:
        return messages.t(key)
    return messages.t(
        f"{key}_by",
        name=_actor(decision, messages),
        time=messages.date_time(decision.decided_at),
    )


def _approving(view: ReviewerCardView, messages: Messages) -> Element:
    decision = view.decision
    detail = (
        messages.t(
            "decision.approving_by",
            name=_actor(decision, messages),
            time=messages.date_time(decision.decided_at),
        )
        if decision is not None
        else messages.t("decision.approving_hint")
    )
    return callout("accent", BANNER_ID, messages.t("decision.approving"), detail)


def _approved(view: ReviewerCardView, messages: Messages) -> Element:
    detail = messages.t("decision.approved_hint", app=safe(view.app_display_name))
    return callout("good", BANNER_ID, _by("decision.approved", view.decision, messages), detail)


def _denied(view: ReviewerCardView, messages: Messages) -> Element:
    details = []
    reason = safe(view.decision.reason, REASON_LIMIT) if view.decision is not None else ""
    if reason:
        details.append(messages.t("decision.denied_reason", reason=reason))
    details.append(messages.t("decision.denied_hint"))
    title = _by("decision.denied", view.decision, messages)
    return callout("attention", BANNER_ID, title, *details)


def _blocking(view: ReviewerCardView, messages: Messages) -> Element:
    app = safe(view.app_display_name)
    decision = view.decision
    detail = (
        messages.t("decision.blocking_by", name=_actor(decision, messages), app=app)
        if decision is not None
        else messages.t("decision.blocking_hint", app=app)
    )
    return callout("accent", BANNER_ID, messages.t("decision.blocking"), detail)


def _blocked(view: ReviewerCardView, messages: Messages) -> Element:
    detail = messages.t("decision.blocked_hint", app=safe(view.app_display_name))
    return callout("attention", BANNER_ID, _by("decision.blocked", view.decision, messages), detail)


_DECIDED: dict[RequestStatus, Callable[[ReviewerCardView, Messages], Element]] = {
    RequestStatus.APPROVING: _approving,
    RequestStatus.APPROVED: _approved,
    RequestStatus.DENIED: _denied,
    RequestStatus.BLOCKING: _blocking,
    RequestStatus.BLOCKED: _blocked,
}


def _problem(decision: DecisionView, messages: Messages) -> Element:
    """Why a decision taken here did not go through; the request is open again."""
    title = messages.t(
        f"decision.problem.{decision.action.value}",
        problem=safe(decision.problem, DESCRIPTION_LIMIT),
    )
    button = messages.t("reviewer.open_entra")
    if not decision.unresolved_scopes:
        return callout(
            "attention", PROBLEM_ID, title, messages.t("decision.problem_hint", button=button)
        )
    scopes = decision.unresolved_scopes
    named = [safe(scope, SCOPE_LIMIT) for scope in scopes[:UNRESOLVED_SHOWN]]
    hidden = len(scopes) - len(named)
    if hidden:
        named.append(messages.plural("decision.unresolved_more", hidden))
    detail = messages.t("decision.unresolved_scopes", scopes=", ".join(named), button=button)
    return callout("attention", PROBLEM_ID, title, detail)
