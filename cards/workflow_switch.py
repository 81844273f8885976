"""Cards to switch Entra's admin consent request workflow on from chat.

The form shows the workflow as it is now (on or off, how long requests last,
e-mails and reminders, who reviews, by name) and asks for the new reviewers:
users by UPN or object id, groups by name or id, and any of the four roles
that can grant consent. A form sent back with problems keeps what was typed
and says, under each field, what is wrong; nothing was saved then.

Names read from the directory, typed values and Graph's own messages are
outside text and go through ``cards.text.safe`` before they reach a card.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from cards import verbs
from cards.elements import (
    Element,
    adaptive_card,
    callout,
    execute,
    fact_set,
    filled_text_input,
    text_block,
)
from cards.text import clean, safe
from domain.entra import CONSENT_ROLES
from domain.i18n import Messages

USERS_INPUT_ID: Final = "workflow_users"
GROUPS_INPUT_ID: Final = "workflow_groups"
ROLES_INPUT_ID: Final = "workflow_roles"
DURATION_INPUT_ID: Final = "workflow_duration"
NOTIFY_INPUT_ID: Final = "workflow_notify"
REMINDERS_INPUT_ID: Final = "workflow_reminders"

FIELD_USERS: Final = "users"
FIELD_GROUPS: Final = "groups"
FIELD_ROLES: Final = "roles"
FIELD_REVIEWERS: Final = "reviewers"
"""No reviewer at all: shown after the last reviewer field."""
FIELD_DURATION: Final = "duration"
FIELD_NOTIFY: Final = "notify"
FIELD_REMINDERS: Final = "reminders"
FIELD_FORM: Final = "form"
"""A problem with the whole form, such as Graph refusing the policy."""

TEXT_INPUT_LIMIT = 1000
ON, OFF = "true", "false"


@dataclass(frozen=True, slots=True)
class PolicyView:
    """The workflow as it is now, reviewers already turned into names (outside text)."""

    is_enabled: bool
    notify_reviewers: bool
    reminders_enabled: bool
    request_duration_days: int | None
    reviewers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FormValues:
    """What the form shows in its fields: the defaults, or what the admin typed."""

    users: str = ""
    groups: str = ""
    roles: tuple[str, ...] = ()
    duration: str = "30"
    notify: bool = True
    reminders: bool = True


def _on_off(messages: Messages, value: bool) -> str:
    return messages.t("workflow.on" if value else "workflow.off")


def _days(messages: Messages, days: int | None) -> str:
    return messages.plural("workflow.days", days) if days else messages.t("workflow.not_set")


def _policy_facts(messages: Messages, policy: PolicyView, element_id: str) -> Element:
    reviewers = ", ".join(safe(name) for name in policy.reviewers if name)
    return fact_set(
        [
            (messages.t("workflow.fact.requests"), _on_off(messages, policy.is_enabled)),
            (
                messages.t("workflow.fact.duration"),
                _days(messages, policy.request_duration_days),
            ),
            (messages.t("workflow.fact.notify"), _on_off(messages, policy.notify_reviewers)),
            (messages.t("workflow.fact.reminders"), _on_off(messages, policy.reminders_enabled)),
            (
                messages.t("workflow.fact.reviewers"),
                reviewers or messages.t("workflow.no_reviewers"),
            ),
        ],
        element_id,
    )


def _field_error(errors: Mapping[str, str], field: str) -> list[Element]:
    message = errors.get(field)
    if not message:
        return []
    return [text_block(message, f"error-{field}", color="attention", spacing="none", size="small")]


def _toggle(input_id: str, title: str, value: bool) -> Element:
    return {
        "type": "Input.Toggle",
        "id": input_id,
        "title": title,
        "value": ON if value else OFF,
        "valueOn": ON,
        "valueOff": OFF,
    }


def _duration_value(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def build_workflow_form_card(
    messages: Messages,
    policy: PolicyView | None,
    values: FormValues = FormValues(),
    errors: Mapping[str, str] | None = None,
) -> Element:
    """The current workflow and the form to switch it on with chosen reviewers.

    ``errors`` maps a field (``FIELD_*``) to the message shown under it;
    any error also puts "nothing was saved" at the top.

    Long on purpose: the form's layout, field by field, in the order the admin reads it.
    """
    errors = errors or {}
    title = messages.t("workflow.title")
    body: list[Element] = [
        text_block(title, "workflow-title", size="medium", weight="bolder", style="heading"),
        text_block(messages.t("workflow.intro"), "workflow-intro"),
    ]
    if policy is not None:
        body.append(
            text_block(messages.t("workflow.current"), "workflow-current-title", weight="bolder")
        )
        body.append(_policy_facts(messages, policy, "workflow-current"))
        if policy.is_enabled:
            body.append(
                text_block(messages.t("workflow.already_on"), "workflow-already-on", isSubtle=True)
            )
    if errors:
        details = [errors[FIELD_FORM]] if errors.get(FIELD_FORM) else []
        body.append(
            callout("attention", "workflow-not-saved", messages.t("workflow.not_saved"), *details)
        )
    duration: Element = {
        "type": "Input.Number",
        "id": DURATION_INPUT_ID,
        "label": messages.t("workflow.duration_label"),
        "min": 1,
        "max": 30,
        "isRequired": True,
        "errorMessage": errors.get(FIELD_DURATION) or messages.t("workflow.error.duration"),
    }
    typed_days = _duration_value(values.duration)
    if typed_days is not None:
        duration["value"] = typed_days
    roles: Element = {
        "type": "Input.ChoiceSet",
        "id": ROLES_INPUT_ID,
        "label": messages.t("workflow.roles_label"),
        "isMultiSelect": True,
        "style": "expanded",
        "choices": [{"title": name, "value": role_id} for role_id, name in CONSENT_ROLES.items()],
    }
    chosen = [role for role in values.roles if role in CONSENT_ROLES]
    if chosen:
        roles["value"] = ",".join(chosen)
    body += [
        text_block(messages.t("workflow.form_title"), "workflow-form-title", weight="bolder"),
        filled_text_input(
            USERS_INPUT_ID,
            messages.t("workflow.users_label"),
            messages.t("workflow.users_placeholder"),
            values.users,
            TEXT_INPUT_LIMIT,
            errors.get(FIELD_USERS),
        ),
        *_field_error(errors, FIELD_USERS),
        filled_text_input(
            GROUPS_INPUT_ID,
            messages.t("workflow.groups_label"),
            messages.t("workflow.groups_placeholder"),
            values.groups,
            TEXT_INPUT_LIMIT,
            errors.get(FIELD_GROUPS),
        ),
        *_field_error(errors, FIELD_GROUPS),
        roles,
        *_field_error(errors, FIELD_ROLES),
        *_field_error(errors, FIELD_REVIEWERS),
        duration,
        *_field_error(errors, FIELD_DURATION),
        _toggle(NOTIFY_INPUT_ID, messages.t("workflow.notify_label"), values.notify),
        *_field_error(errors, FIELD_NOTIFY),
        _toggle(REMINDERS_INPUT_ID, messages.t("workflow.reminders_label"), values.reminders),
        *_field_error(errors, FIELD_REMINDERS),
    ]
    confirm = execute(
        messages.t("workflow.confirm"),
        verbs.ENABLE_REQUESTS_CONFIRM,
        {},
        "workflow-confirm",
        style="positive",
    )
    return adaptive_card(body, fallback_text=title, language=messages.language, actions=[confirm])


def build_workflow_saved_card(messages: Messages, policy: PolicyView) -> Element:
    """The workflow is on: what was saved, and that Entra takes up to an hour to show it."""
    title = messages.t("workflow.saved_title")
    body = [
        callout("good", "workflow-saved", title, messages.t("workflow.saved_detail")),
        _policy_facts(messages, policy, "workflow-saved-policy"),
    ]
    again = execute(
        messages.t("workflow.show_again"),
        verbs.ENABLE_REQUESTS_SHOW,
        {},
        "workflow-show-again",
        with_inputs=False,
    )
    return adaptive_card(body, fallback_text=title, language=messages.language, actions=[again])


def build_workflow_refused_card(messages: Messages) -> Element:
    """Someone who is not an Entra admin asked; nothing was sent to Graph."""
    title = messages.t("workflow.refused_title")
    body = [callout("attention", "workflow-refused", title, messages.t("workflow.refused_detail"))]
    return adaptive_card(body, fallback_text=title, language=messages.language)


def reviewer_summary(names: Sequence[str]) -> str:
    """Names for the audit trail (plain text, not a card)."""
    return ", ".join(clean(name) for name in names)
