"""The permissions part of the reviewer card: one row per requested scope.

Risk comes first: scopes that need an admin, then scopes nobody can vouch for,
then the ones users could grant themselves. A reviewer skimming the top of the
list sees what matters before deciding to read on.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.elements import Element, columns, container, text_block
from cards.text import DESCRIPTION_LIMIT, SCOPE_LIMIT, clean, safe
from domain.i18n import Messages
from domain.types import ScopeDetail

GRAPH_RESOURCE = "microsoft graph"
"""Most scopes are Graph's; naming it on every row would be noise."""

_RISK_ORDER = {True: 0, None: 1, False: 2}
_BADGES = {
    True: ("reviewer.scope_admin", "attention"),
    None: ("reviewer.scope_unknown", "warning"),
    False: ("reviewer.scope_user", "default"),
}
_KEPT_BADGE = ("reviewer.scope_managed", "attention")
"""Users could consent to it elsewhere; Microsoft's recommended settings keep it for admins here."""


def _risk(scope: ScopeDetail) -> int:
    if scope.on_risk_list:
        return -1  # the admins said so: above everything else
    return 0 if scope.kept_by_microsoft else _RISK_ORDER[scope.needs_admin]


def scope_section(
    scopes: Sequence[ScopeDetail],
    messages: Messages,
    limit: int | None = None,
    descriptions: bool = True,
) -> list[Element]:
    """Heading plus the scopes, riskiest first; ``limit`` caps the rows shown."""
    ordered = sorted(scopes, key=_risk)
    shown = ordered if limit is None else ordered[:limit]
    items = [_scope(index, scope, messages, descriptions) for index, scope in enumerate(shown)]
    hidden = len(ordered) - len(shown)
    if hidden:
        more = messages.plural("reviewer.scopes_more", hidden)
        items.append(text_block(more, "scopes-more", isSubtle=True))
    heading = messages.t("reviewer.scopes_heading", count=len(scopes))
    section = [
        text_block(heading, "scopes-heading", weight="bolder", style="heading", separator=True)
    ]
    if items:
        section.append(container(items, "scopes"))
    return section


def _scope(index: int, scope: ScopeDetail, messages: Messages, description: bool) -> Element:
    badge_key, color = _KEPT_BADGE if scope.kept_by_microsoft else _BADGES[scope.needs_admin]
    items = [
        columns(
            (text_block(safe(scope.value, SCOPE_LIMIT), weight="bolder"), "stretch"),
            (text_block(messages.t(badge_key), color=color, size="small"), "auto"),
        )
    ]
    if scope.on_risk_list:
        listed = messages.t("reviewer.scope_listed")
        items.append(text_block(f"⚠ {listed}", color="attention", size="small", spacing="none"))
    if description:
        items.append(text_block(_description(scope, messages), isSubtle=True, spacing="none"))
    resource = clean(scope.resource_name)
    if resource and resource.casefold() != GRAPH_RESOURCE:
        text = messages.t("reviewer.scope_resource", resource=safe(resource))
        items.append(text_block(text, isSubtle=True, size="small", spacing="none"))
    return container(items, f"scope-{index}", separator=index > 0)


def _description(scope: ScopeDetail, messages: Messages) -> str:
    described = safe(scope.description, DESCRIPTION_LIMIT)
    if described:
        return described
    if scope.needs_admin is None:
        return messages.t("reviewer.scope_unknown_hint")
    return messages.t("reviewer.scope_no_description")
