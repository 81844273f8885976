"""The answer to "why can't I connect <app>?": situation, causes, next step, message for IT.

Read top to bottom it says which app, which of the three situations the user
is in (in words and colour), exactly why, and what to do now. Two buttons
unfold: a ready-to-send message for IT with the facts an admin asks for and,
when Entra offers no request form, "Ask the reviewers for me".

Everything from outside (app and publisher names, scopes, denial reasons)
goes through ``cards.text.safe``; the IT message is an input's plain value,
cleaned but not markdown-escaped, because it is copied, not rendered.

Longer than 300 lines on purpose: the answer card and its two unfolding
parts share their sections, and their order is the order the user reads.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from cards import verbs
from cards.elements import (
    Element,
    action_set,
    adaptive_card,
    callout,
    execute,
    fact_set,
    show_card,
    text_block,
    text_input,
)
from cards.it_message import IT_MESSAGE_LIMIT, it_message
from cards.scopes import scope_section
from cards.text import NAME_LIMIT, REASON_LIMIT, safe
from domain.diagnosis.analysis import Cause, CauseCode, Diagnosis, NextStep, Situation
from domain.diagnosis.facts import AskedFacts, DiagnosisFacts, ScopeFact, ScopeKind, ScopeSource
from domain.diagnosis.matching import Candidate
from domain.i18n import Messages
from domain.types import ScopeDetail

JUSTIFICATION_LIMIT = 1000
_SITUATION_STYLE = {
    Situation.FREE_CONSENT: "good",
    Situation.REQUEST_NEEDED: "warning",
    Situation.REQUESTS_OFF: "attention",
}


@dataclass(frozen=True, slots=True)
class DiagnosisView:
    """What the card shows; ``note_key`` is a message on top (sent, refused...)."""

    facts: DiagnosisFacts
    diagnosis: Diagnosis
    now: datetime
    asker_name: str
    note_key: str | None = None
    note_style: str = "good"
    note_places: tuple[str, ...] = ()


def scope_details(
    scopes: Sequence[ScopeFact], kept: Collection[str] = ()
) -> tuple[ScopeDetail, ...]:
    """The diagnosis's scopes in the shape the shared permission list renders; ``kept`` are
    the ones Microsoft's recommended settings keep for an admin here."""
    return tuple(
        ScopeDetail(
            value=s.value,
            description=s.description,
            needs_admin=None if s.kind is ScopeKind.UNKNOWN else s.kind is ScopeKind.ADMIN,
            resource_name=s.resource_name,
            kept_by_microsoft=s.value in kept,
        )
        for s in scopes
    )


def headline(diagnosis: Diagnosis) -> str:
    """Which headline the card shows: the situation's number, or "approved"/"blocked"."""
    if diagnosis.has(CauseCode.APP_BLOCKED):
        return "blocked"
    if diagnosis.has(CauseCode.ALREADY_APPROVED):
        return "approved"
    return str(diagnosis.situation.value)


def _headline_keys(name: str) -> tuple[str, str]:
    if name in ("blocked", "approved"):
        return f"diagnosis.{name}.title", f"diagnosis.{name}.text"
    return f"diagnosis.situation.{name}.title", f"diagnosis.situation.{name}.text"


def _scope_list(scopes: Sequence[str]) -> str:
    return ", ".join(safe(s, NAME_LIMIT) for s in scopes[:12]) + (" …" if len(scopes) > 12 else "")


def _names(names: Sequence[str], messages: Messages) -> str:
    shown = [safe(n) for n in names[:4] if n]
    return ", ".join(shown) if shown else messages.t("diagnosis.reviewers_unnamed")


def cause_text(cause: Cause, facts: DiagnosisFacts, messages: Messages) -> str:
    """One cause as a sentence for this app and tenant."""
    asked = facts.asked
    params: dict[str, object] = {
        "app": safe(facts.app.display_name),
        "scopes": _scope_list(cause.scopes),
        "count": facts.others_waiting,
        "policies": ", ".join(safe(p) for p in facts.tenant.custom_policies),
    }
    if asked is not None:
        params["date"] = messages.date(asked.asked_at)
        params["reason"] = safe(asked.reason, REASON_LIMIT) if asked.reason else ""
        params["by"] = safe(asked.decided_by) if asked.decided_by else ""
    key = f"cause.{cause.code.value}"
    if cause.code is CauseCode.REQUEST_DENIED:
        key += "_reason" if asked and asked.reason else ""
    if cause.code is CauseCode.REQUEST_PENDING and asked and asked.through_bot:
        key += "_bot"
    if cause.code is CauseCode.OTHERS_WAITING:
        return messages.plural("cause.others_waiting", facts.others_waiting)
    return messages.t(key, **params)


def _publisher(facts: DiagnosisFacts, messages: Messages) -> Element:
    app = facts.app
    if not app.in_tenant:
        return text_block(messages.t("diagnosis.publisher_unknown"), "publisher", isSubtle=True)
    name = safe(app.publisher_name) or messages.t("reviewer.publisher_unnamed")
    if app.verified:
        text = messages.t("diagnosis.publisher_verified", publisher=name)
        return text_block(text, "publisher", color="good")
    text = messages.t("diagnosis.publisher_unverified", publisher=name)
    return text_block(text, "publisher", color="attention")


def _pending(
    asked: AskedFacts, facts: DiagnosisFacts, now: datetime, messages: Messages
) -> Element:
    rows = [(messages.t("diagnosis.asked_on"), messages.date_time(asked.asked_at))]
    if asked.review_places:
        rows.append((messages.t("diagnosis.reviewed_in"), _names(asked.review_places, messages)))
    if facts.tenant.reviewers and not asked.through_bot:
        rows.append((messages.t("diagnosis.reviewers"), _names(facts.tenant.reviewers, messages)))
    if asked.expires_at is not None:
        left = messages.duration(asked.expires_at - now)
        expires = messages.t(
            "diagnosis.expires_value", date=messages.date_time(asked.expires_at), duration=left
        )
        rows.append((messages.t("diagnosis.expires"), expires))
    return fact_set(rows, "request-facts")


def _next_step(view: DiagnosisView, messages: Messages) -> str:
    diagnosis, facts = view.diagnosis, view.facts
    places = facts.asked.review_places if facts.asked else ()
    return messages.t(
        f"next.{diagnosis.next_step.value}",
        app=safe(facts.app.display_name),
        places=_names(places, messages),
    )


def name_unknown(facts: DiagnosisFacts) -> bool:
    """Whether all the bot has for a name is the app id (an app new to the tenant)."""
    return facts.app.display_name.strip().lower() == facts.app.app_id.lower()


def _ask_form(view: DiagnosisView, messages: Messages) -> Element:
    fields: list[Element] = [text_block(messages.t("diagnosis.ask_intro"))]
    if name_unknown(view.facts):
        fields.append(
            text_input(
                verbs.APP_NAME_INPUT_ID,
                label=messages.t("diagnosis.ask_app_name_label"),
                placeholder=messages.t("diagnosis.ask_app_name_placeholder"),
                error_message=messages.t("diagnosis.ask_app_name_error"),
                max_length=NAME_LIMIT,
                required=True,
            )
        )
    fields.append(
        text_input(
            verbs.JUSTIFICATION_INPUT_ID,
            label=messages.t("diagnosis.ask_label"),
            placeholder=messages.t("diagnosis.ask_placeholder"),
            error_message=messages.t("diagnosis.ask_error"),
            max_length=JUSTIFICATION_LIMIT,
            multiline=True,
            required=True,
        )
    )
    send = execute(
        messages.t("diagnosis.ask_submit"),
        verbs.ASK_REVIEWERS,
        {**_app_data(view.facts), verbs.LANGUAGE_KEY: messages.language},
        "ask-submit",
        style="positive",
    )
    return show_card(
        messages.t("diagnosis.ask_button"),
        fields,
        [send],
        "ask-reviewers",
        style="positive",
        tooltip=messages.t("diagnosis.ask_tooltip"),
    )


def _app_data(facts: DiagnosisFacts) -> dict[str, str]:
    data = {verbs.APP_ID_KEY: facts.app.app_id}
    if facts.scope_source is ScopeSource.URL:
        data[verbs.SCOPES_KEY] = " ".join(s.value for s in facts.scopes)
    if facts.error_code:
        data[verbs.ERROR_CODE_KEY] = facts.error_code
    if not name_unknown(facts):
        # Kept for the answer to the click: Graph cannot name an app the tenant never met.
        data[verbs.APP_NAME_INPUT_ID] = facts.app.display_name[:NAME_LIMIT]
    return data


def _it_card(view: DiagnosisView, messages: Messages) -> Element:
    message = it_message(view.facts, view.diagnosis, view.asker_name, messages)
    box: Element = {
        "type": "Input.Text",
        "id": "it-message",
        "label": messages.t("diagnosis.it_label"),
        "isMultiline": True,
        "value": message,
        "maxLength": IT_MESSAGE_LIMIT,
    }
    return show_card(messages.t("diagnosis.it_button"), [box], [], "it-message-card")


def build_diagnosis_card(view: DiagnosisView, messages: Messages) -> Element:
    """The whole answer for one app.

    Long on purpose: the card's sections in the order the user reads them.
    """
    facts, diagnosis = view.facts, view.diagnosis
    body: list[Element] = []
    if view.note_key:
        note = messages.t(view.note_key, places=_names(view.note_places, messages))
        body.append(callout(view.note_style, "note", note))
    body.append(text_block(messages.t("diagnosis.kicker"), "kicker", isSubtle=True))
    body.append(
        text_block(
            safe(facts.app.display_name),
            "app-name",
            spacing="none",
            size="large",
            weight="bolder",
            style="heading",
        )
    )
    body.append(_publisher(facts, messages))
    shown = headline(diagnosis)
    title, summary = _headline_keys(shown)
    style = "good" if shown == "approved" else _SITUATION_STYLE[diagnosis.situation]
    body.append(callout(style, f"situation-{shown}", messages.t(title), messages.t(summary)))
    if facts.error_code:
        code_key = f"code.{facts.error_code}"
        body.append(
            text_block(
                messages.t(code_key) if messages.has(code_key) else messages.t("code.other"),
                "error-code",
                isSubtle=True,
            )
        )
    body.append(text_block(messages.t("diagnosis.why_heading"), "why", weight="bolder"))
    body += [
        text_block(f"- {cause_text(cause, facts, messages)}", f"cause-{cause.code.value}")
        for cause in diagnosis.causes
    ]
    if not diagnosis.certain:
        body.append(text_block(messages.t("diagnosis.uncertain"), "uncertain", isSubtle=True))
    if facts.asked is not None and diagnosis.next_step is NextStep.WAIT:
        body.append(_pending(facts.asked, facts, view.now, messages))
    body.append(
        text_block(messages.t("diagnosis.next_heading"), "next", weight="bolder", separator=True)
    )
    body.append(text_block(_next_step(view, messages), f"next-{diagnosis.next_step.value}"))
    if facts.scopes:
        body += scope_section(scope_details(facts.scopes), messages, limit=15)
        body.append(
            text_block(
                messages.t(f"diagnosis.scopes_from_{facts.scope_source.value}"),
                "scopes-source",
                isSubtle=True,
            )
        )
    actions = [_it_card(view, messages)]
    if diagnosis.can_ask_reviewers:
        actions.insert(0, _ask_form(view, messages))
    return adaptive_card(
        body,
        fallback_text=messages.t("diagnosis.fallback", app=safe(facts.app.display_name)),
        language=messages.language,
        actions=actions,
    )


def build_app_choice_card(
    suggestions: Sequence[Candidate],
    typed: str,
    messages: Messages,
    data: dict[str, str] | None = None,
) -> Element:
    """ "Which app do you mean?" with one button per close name, or how to name it."""
    body: list[Element] = [
        text_block(messages.t("choose.title"), "choose-title", weight="bolder", size="medium")
    ]
    if suggestions:
        body.append(text_block(messages.t("choose.text"), "choose-text"))
        buttons = [
            execute(
                safe(candidate.display_name, 60),
                verbs.DIAGNOSE,
                {
                    **(data or {}),
                    verbs.APP_ID_KEY: candidate.app_id,
                    verbs.LANGUAGE_KEY: messages.language,
                },
                f"choose-{index}",
                with_inputs=False,
            )
            for index, candidate in enumerate(suggestions)
        ]
        body.append(action_set(buttons, "choices"))
    elif typed.strip():
        body.append(text_block(messages.t("choose.none", name=safe(typed, 80)), "choose-none"))
    else:
        body.append(text_block(messages.t("choose.no_name"), "choose-none"))
    return adaptive_card(body, fallback_text=messages.t("choose.title"), language=messages.language)
