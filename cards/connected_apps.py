"""Cards for "connected apps": third-party apps holding delegated grants, and blocking one.

The list shows, per app, what everyone in the organisation already granted
(AllPrincipals scopes) and how many people consented for themselves, ten apps
a page. Blocking asks first on a card of its own; the answer to the
confirmation is the list again, with what happened on top. Every name, scope
and publisher comes from whoever registered the app, so all of it goes
through ``safe``; scopes are capped so ten hostile apps still fit the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cards import verbs
from cards.elements import (
    Element,
    action_set,
    adaptive_card,
    callout,
    container,
    execute,
    fact_set,
    text_block,
)
from cards.text import SCOPE_LIMIT, clean, escape_markdown, safe
from domain.i18n import Messages

PAGE_KEY: Final = "page"
"""The 0-based page number in every button's ``data``, as a string."""
APP_ID_KEY: Final = "app_id"

PAGE_SIZE = 10
SCOPES_SHOWN = 8
"""Tenant-wide scopes listed per app; the rest are counted."""
SCOPES_TEXT_LIMIT = 240
BUTTON_NAME_LIMIT = 40
"""App names in button titles are cut shorter than in text: buttons are narrow."""


@dataclass(frozen=True, slots=True)
class ConnectedApp:
    """One third-party app with delegated grants in the tenant."""

    service_principal_id: str
    app_id: str
    display_name: str
    publisher: str | None
    verified: bool
    enabled: bool
    tenant_wide_scopes: tuple[str, ...]
    users: int


@dataclass(frozen=True, slots=True)
class Notice:
    """What a block did, shown above the list: a Container style and its text."""

    style: str
    title: str
    detail: str = ""


def _page_data(page: int) -> dict[str, str]:
    return {PAGE_KEY: str(page)}


def _app_data(app: ConnectedApp, page: int) -> dict[str, str]:
    return {APP_ID_KEY: app.app_id, PAGE_KEY: str(page)}


def scopes_text(scopes: Sequence[str], messages: Messages) -> str:
    """The tenant-wide scopes, escaped, at most ``SCOPES_SHOWN`` of them, or "none"."""
    if not scopes:
        return messages.t("connected.scopes_none")
    shown = " ".join(clean(scope, SCOPE_LIMIT) for scope in scopes[:SCOPES_SHOWN])
    text = escape_markdown(clean(shown, SCOPES_TEXT_LIMIT))
    hidden = len(scopes) - min(len(scopes), SCOPES_SHOWN)
    return messages.t("connected.scopes_more", scopes=text, count=hidden) if hidden else text


def publisher_text(app: ConnectedApp, messages: Messages) -> str:
    if not app.publisher:
        return messages.t("connected.publisher_unknown")
    key = "connected.publisher_verified" if app.verified else "connected.publisher_unverified"
    return messages.t(key, publisher=safe(app.publisher))


def _app_item(app: ConnectedApp, index: int, page: int, messages: Messages) -> Element:
    name = safe(app.display_name) or safe(app.app_id)
    items = [
        text_block(name, weight="bolder"),
        text_block(publisher_text(app, messages), spacing="none", isSubtle=True),
        fact_set(
            [
                (messages.t("connected.everyone"), scopes_text(app.tenant_wide_scopes, messages)),
                (messages.t("connected.users"), str(app.users)),
            ]
        ),
    ]
    if app.enabled:
        short = safe(app.display_name, BUTTON_NAME_LIMIT) or safe(app.app_id)
        button = execute(
            messages.t("connected.block", app=short),
            verbs.CONNECTED_APPS_BLOCK,
            _app_data(app, page),
            f"connected-block-{index}",
            style="destructive",
            with_inputs=False,
        )
        items.append(action_set([button]))
    else:
        items.append(text_block(messages.t("connected.blocked"), color="attention", spacing="none"))
    return container(items, f"connected-app-{index}", separator=True, spacing="medium")


def build_connected_apps_card(
    apps: Sequence[ConnectedApp],
    *,
    page: int,
    total: int,
    messages: Messages,
    notice: Notice | None = None,
) -> Element:
    """One page (0-based ``page``) of the list; ``apps`` are that page's apps only."""
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    title = messages.t("connected.title")
    body: list[Element] = [
        text_block(title, "connected-title", size="large", weight="bolder", style="heading")
    ]
    if notice is not None:
        details = (notice.detail,) if notice.detail else ()
        body.append(callout(notice.style, "connected-notice", notice.title, *details))
    if total == 0:
        body.append(text_block(messages.t("connected.empty"), "connected-empty"))
    else:
        summary = messages.t("connected.summary", total=total, page=page + 1, pages=pages)
        body.append(text_block(summary, "connected-summary", isSubtle=True, spacing="none"))
        body += [_app_item(app, index, page, messages) for index, app in enumerate(apps)]
    actions = []
    if page > 0:
        actions.append(
            execute(
                messages.t("connected.previous"),
                verbs.CONNECTED_APPS_PAGE,
                _page_data(page - 1),
                "connected-previous",
                with_inputs=False,
            )
        )
    if page + 1 < pages:
        actions.append(
            execute(
                messages.t("connected.next"),
                verbs.CONNECTED_APPS_PAGE,
                _page_data(page + 1),
                "connected-next",
                with_inputs=False,
            )
        )
    return adaptive_card(body, fallback_text=title, language=messages.language, actions=actions)


def build_block_connected_card(app: ConnectedApp, *, page: int, messages: Messages) -> Element:
    """Block ``app``? What that does, then "Yes, block" or "Cancel" (back to the list)."""
    name = safe(app.display_name) or safe(app.app_id)
    title = messages.t("connected.confirm_title", app=name)
    body = [
        text_block(
            title,
            "connected-confirm-title",
            size="large",
            weight="bolder",
            style="heading",
            color="attention",
        ),
        text_block(publisher_text(app, messages), spacing="none", isSubtle=True),
        fact_set(
            [
                (messages.t("connected.app_id"), safe(app.app_id)),
                (messages.t("connected.everyone"), scopes_text(app.tenant_wide_scopes, messages)),
                (messages.t("connected.users"), str(app.users)),
            ],
            "connected-confirm-facts",
        ),
        text_block(messages.t("connected.confirm_what", app=name), "connected-confirm-what"),
        text_block(messages.t("connected.confirm_undo"), "connected-confirm-undo", isSubtle=True),
    ]
    actions = [
        execute(
            messages.t("connected.confirm", app=name),
            verbs.CONNECTED_APPS_BLOCK_CONFIRM,
            _app_data(app, page),
            "connected-confirm",
            style="destructive",
            with_inputs=False,
        ),
        execute(
            messages.t("connected.cancel"),
            verbs.CONNECTED_APPS_PAGE,
            _page_data(page),
            "connected-cancel",
            with_inputs=False,
        ),
    ]
    return adaptive_card(body, fallback_text=title, language=messages.language, actions=actions)


def build_connected_refusal_card(messages: Messages) -> Element:
    """Someone who is not an admin asked for the list or clicked Block."""
    title = messages.t("connected.refused_title")
    body = [callout("attention", "connected-refused", title, messages.t("connected.refused"))]
    return adaptive_card(body, fallback_text=title, language=messages.language)


def build_connected_unavailable_card(messages: Messages, page: int) -> Element:
    """Graph could not be read; a button tries the same page again."""
    title = messages.t("connected.unavailable_title")
    body = [callout("warning", "connected-unavailable", title, messages.t("connected.unavailable"))]
    retry = execute(
        messages.t("connected.retry"),
        verbs.CONNECTED_APPS_PAGE,
        _page_data(page),
        "connected-retry",
        with_inputs=False,
    )
    return adaptive_card(body, fallback_text=title, language=messages.language, actions=[retry])
