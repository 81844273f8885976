"""The settings form of one conversation: is it a review destination, what comes here, who decides.

An admin types "settings" in a channel or chat and gets this form for *that*
conversation: whether reviewer cards (or only escalations) are posted here,
the name it goes by, which requests the routing sends here and how many
approvals they need, and who may decide here besides the Entra workflow's
own reviewers. A form sent back with problems keeps what was typed, says
under each field what is wrong, and states that nothing was saved.

Destination names, reviewer names and typed values are outside text and go
through ``cards.text.safe`` / ``clean`` before they reach the card.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
from cards.text import safe
from domain.i18n import Messages
from domain.routing import MAX_APPROVALS

ROLE_INPUT_ID: Final = "settings_role"
NAME_INPUT_ID: Final = "settings_name"
ROUTE_INPUT_ID: Final = "settings_route"
APPROVALS_INPUT_ID: Final = "settings_approvals"
REVIEWERS_INPUT_ID: Final = "settings_reviewers"

ROLES: Final = ("review", "escalation", "off")
ROUTES: Final = ("all", "high_risk", "unverified", "verified", "default")
"""``all``: no rule names this place; the others are the routing rule kinds."""
NAME_LIMIT: Final = 80
REVIEWERS_LIMIT: Final = 1000

REMINDER_INPUT_PREFIX: Final = "reminder_"
"""Reminder override inputs are ``reminder_<field>``, one per field of the reminder overrides."""

FIELD_FORM: Final = "form"
"""A problem with the whole form, such as the directory being unreachable."""


@dataclass(frozen=True, slots=True)
class SettingsValues:
    """What the form shows: the saved settings, or what was typed when it comes back."""

    place: str
    role: str = "off"
    name: str = ""
    route: str = "all"
    approvals: str = "1"
    reviewers: str = ""
    reminders: Mapping[str, str] = field(default_factory=dict)
    """Reminder overrides as text by field name; a missing field uses the global setting."""


def _choices(messages: Messages, prefix: str, values: Sequence[str]) -> list[Element]:
    return [{"title": messages.t(f"{prefix}.{value}"), "value": value} for value in values]


def _choice_set(
    input_id: str, label: str, choices: list[Element], value: str, error: str | None
) -> Element:
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "style": "expanded",
        "isRequired": True,
        "choices": choices,
        "value": value,
        "errorMessage": error or label,
    }
    return element


def _error_line(errors: Mapping[str, str], field: str) -> list[Element]:
    message = errors.get(field)
    if not message:
        return []
    return [text_block(message, f"error-{field}", color="attention", spacing="none", size="small")]


def _reminder_fields(
    messages: Messages,
    values: SettingsValues,
    fields: Sequence[str],
    escalation_targets: Sequence[tuple[int, str]],
    errors: Mapping[str, str],
) -> list[Element]:
    body: list[Element] = [
        text_block(
            messages.t("settings.reminders_title"),
            "settings-reminders-title",
            weight="bolder",
            spacing="medium",
        ),
        text_block(messages.t("settings.reminders_hint"), "settings-reminders-hint", isSubtle=True),
    ]
    for name in fields:
        input_id = REMINDER_INPUT_PREFIX + name
        label = messages.t(f"reminder_settings.field.{name}")
        if name == "escalation_destination_id":
            choices = [{"title": messages.t("settings.escalate_everywhere"), "value": ""}]
            choices += [{"title": safe(title), "value": str(i)} for i, title in escalation_targets]
            body.append(
                {
                    "type": "Input.ChoiceSet",
                    "id": input_id,
                    "label": label,
                    "style": "compact",
                    "choices": choices,
                    "value": values.reminders.get(name, ""),
                }
            )
        else:
            placeholder = messages.t(f"settings.reminder_placeholder.{name}")
            body.append(
                filled_text_input(
                    input_id,
                    label,
                    placeholder,
                    values.reminders.get(name, ""),
                    64,
                    errors.get(input_id),
                )
            )
        body += _error_line(errors, input_id)
    return body


def build_settings_form_card(
    messages: Messages,
    values: SettingsValues,
    errors: Mapping[str, str] | None = None,
    *,
    reminder_fields: Sequence[str] = (),
    escalation_targets: Sequence[tuple[int, str]] = (),
) -> Element:
    """The form for one conversation; ``errors`` maps an input id to its message.

    Long on purpose: the form's layout, field by field, in the order the admin reads it.
    """
    errors = errors or {}
    title = messages.t("settings.title", place=safe(values.place))
    body: list[Element] = [
        text_block(title, "settings-title", size="medium", weight="bolder", style="heading"),
        text_block(messages.t("settings.intro"), "settings-intro", isSubtle=True),
    ]
    if errors:
        details = [errors[FIELD_FORM]] if errors.get(FIELD_FORM) else []
        body.append(
            callout("attention", "settings-not-saved", messages.t("settings.not_saved"), *details)
        )
    approvals = [
        {"title": messages.plural("settings.approvals_choice", n), "value": str(n)}
        for n in range(1, MAX_APPROVALS + 1)
    ]
    body += [
        _choice_set(
            ROLE_INPUT_ID,
            messages.t("settings.role_label"),
            _choices(messages, "settings.role", ROLES),
            values.role if values.role in ROLES else "off",
            errors.get(ROLE_INPUT_ID),
        ),
        *_error_line(errors, ROLE_INPUT_ID),
        filled_text_input(
            NAME_INPUT_ID,
            messages.t("settings.name_label"),
            messages.t("settings.name_placeholder"),
            values.name,
            NAME_LIMIT,
            errors.get(NAME_INPUT_ID),
        ),
        *_error_line(errors, NAME_INPUT_ID),
        _choice_set(
            ROUTE_INPUT_ID,
            messages.t("settings.route_label"),
            _choices(messages, "settings.route", ROUTES),
            values.route if values.route in ROUTES else "all",
            errors.get(ROUTE_INPUT_ID),
        ),
        *_error_line(errors, ROUTE_INPUT_ID),
        {
            "type": "Input.ChoiceSet",
            "id": APPROVALS_INPUT_ID,
            "label": messages.t("settings.approvals_label"),
            "style": "compact",
            "isRequired": True,
            "choices": approvals,
            "value": values.approvals if values.approvals.isdigit() else "1",
            "errorMessage": errors.get(APPROVALS_INPUT_ID)
            or messages.t("settings.approvals_label"),
        },
        *_error_line(errors, APPROVALS_INPUT_ID),
        filled_text_input(
            REVIEWERS_INPUT_ID,
            messages.t("settings.reviewers_label"),
            messages.t("settings.reviewers_placeholder"),
            values.reviewers,
            REVIEWERS_LIMIT,
            errors.get(REVIEWERS_INPUT_ID),
        ),
        *_error_line(errors, REVIEWERS_INPUT_ID),
        *_reminder_fields(messages, values, reminder_fields, escalation_targets, errors),
    ]
    save = execute(
        messages.t("settings.save"), verbs.SETTINGS_SAVE, {}, "settings-save", style="positive"
    )
    return adaptive_card(body, fallback_text=title, language=messages.language, actions=[save])


def build_settings_saved_card(
    messages: Messages, place: str, summary: Sequence[tuple[str, str]]
) -> Element:
    """What is now saved for this conversation, fact by fact, with a way back to the form."""
    title = messages.t("settings.saved_title", place=safe(place))
    body = [
        text_block(
            title,
            "settings-saved-title",
            size="medium",
            weight="bolder",
            style="heading",
            color="good",
        ),
        fact_set([(label, safe(value)) for label, value in summary], "settings-saved"),
    ]
    again = execute(
        messages.t("settings.change"), verbs.SETTINGS_SHOW, {}, "settings-change", with_inputs=False
    )
    return adaptive_card(body, fallback_text=title, language=messages.language, actions=[again])


def build_settings_refused_card(messages: Messages) -> Element:
    text = messages.t("admin.not_allowed")
    return adaptive_card(
        [text_block(text, "settings-refused")], fallback_text=text, language=messages.language
    )
