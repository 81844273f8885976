"""The ready-to-send message for IT: the facts an admin asks for before approving an app.

Who asks and for which app (name and id), the publisher and whether Microsoft
verified it, each permission with what it allows, the app's homepage,
privacy and terms links when the tenant knows them, and what the user saw.
It is plain text for copying into a mail or chat, in the user's language.
"""

from __future__ import annotations

from cards.risk import OFFLINE_ACCESS
from cards.text import DESCRIPTION_LIMIT, NAME_LIMIT, clean
from domain.diagnosis.analysis import CauseCode, Diagnosis
from domain.diagnosis.facts import DiagnosisFacts, ScopeKind
from domain.i18n import Messages

MAX_SCOPES = 25
IT_MESSAGE_LIMIT = 8000
"""Room for 25 scopes with full descriptions in any language; longer ones are cut."""


def _link(url: str | None) -> str | None:
    """Only web links are passed on: a link from outside could be anything."""
    value = clean(url, 300)
    return value if value.lower().startswith(("https://", "http://")) else None


def it_message(
    facts: DiagnosisFacts, diagnosis: Diagnosis, asker_name: str, messages: Messages
) -> str:
    app = facts.app
    name = clean(app.display_name, NAME_LIMIT)
    lines = [
        messages.t("it.greeting"),
        "",
        messages.t(f"it.ask.{diagnosis.situation.value}", app=name),
        "",
        messages.t("it.app", app=name, id=app.app_id),
    ]
    if app.in_tenant:
        publisher = clean(app.publisher_name, NAME_LIMIT) or messages.t("it.publisher_unnamed")
        key = "it.publisher_verified" if app.verified else "it.publisher_unverified"
        lines.append(messages.t(key, publisher=publisher))
    else:
        lines.append(messages.t("it.not_in_tenant"))
    for key, url in (
        ("it.homepage", app.homepage_url),
        ("it.privacy", app.privacy_url),
        ("it.terms", app.terms_url),
    ):
        if link := _link(url):
            lines.append(messages.t(key, url=link))
    if facts.error_code:
        lines.append(messages.t("it.error_code", code=facts.error_code))
    # The same risk facts the reviewer card leads with, so IT weighs what reviewers see.
    admin = sum(1 for scope in facts.scopes if scope.kind is ScopeKind.ADMIN)
    if admin:
        lines.append(messages.plural("it.risk_admin", admin))
    if any(scope.value.lower() == OFFLINE_ACCESS for scope in facts.scopes):
        lines.append(messages.t("it.risk_offline"))
    if facts.scopes:
        lines += ["", messages.t("it.scopes_heading")]
        kept = {
            value
            for cause in diagnosis.causes
            if cause.code is CauseCode.MANAGED_POLICY_SCOPES
            for value in cause.scopes
        }
        for scope in facts.scopes[:MAX_SCOPES]:
            meaning = clean(scope.description, DESCRIPTION_LIMIT) or messages.t("it.no_description")
            kind = messages.t(f"it.kind.{scope.kind.value}")
            if scope.kind is ScopeKind.USER and scope.value in kept:
                kind = messages.t("it.kind.managed")
            elif scope.kind is ScopeKind.USER and scope.classified_low:
                kind = messages.t("it.kind.low")
            lines.append(f"- {clean(scope.value, NAME_LIMIT)}: {meaning} ({kind})")
        if len(facts.scopes) > MAX_SCOPES:
            lines.append(messages.plural("it.scopes_more", len(facts.scopes) - MAX_SCOPES))
    closing = ["", messages.t(f"it.close.{diagnosis.situation.value}"), "", clean(asker_name)]
    body = "\n".join(lines).strip()
    ending = "\n".join(closing)
    # The closing and the name must survive: cut the facts, never the signature.
    room = IT_MESSAGE_LIMIT - len(ending) - 2
    if len(body) > room:
        body = body[: room - 1].rstrip() + "…"
    return body + ending
