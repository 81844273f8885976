"""Fifteen changes to a tenant, made under a warm bot, asked about five ways in three languages.

The bot answers one question first (its caches are filled), the tenant changes
as an admin or a user would change it, a minute passes, and the same user asks
about the app again: by name, by a misspelt name, by app id, with the consent
URL from the sign-in page, or with the error text Entra shows (when it shows
one). Each answer is checked for its situation, the cause that explains it,
the next step (the "ask the reviewers for me" offer included) and its
language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from sandbox.seed_apps import CARERIX_APP_ID
from sandbox.server import SandboxHandle
from sandbox.tenant import SandboxTenant
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig
from tests.integration.diagnosis_rig import ADELE, ALEX, PATTI, ask, diagnosis_bot

__all__ = ["diagnosis_bot"]  # fixture

APP = "Carerix"
QUESTION = {
    "en-US": "why can't I connect {app}?",
    "fr-FR": "pourquoi je ne peux pas connecter {app} ?",
    "ja-JP": "{app} に接続できない",
}


@dataclass(frozen=True)
class Situation:
    """Before the warm-up (``before``), after it (``change``), and what the answer must say."""

    change: Callable[[SandboxTenant], object]
    headline: str
    cause: str | None
    next_step: str
    before: Callable[[SandboxTenant], object] = lambda tenant: None


def _request(tenant: SandboxTenant) -> str:
    return str(tenant.create_request(APP, ADELE.upn, "Team calendars")["appConsentRequestId"])


def _request_then_deny(tenant: SandboxTenant) -> None:
    tenant.complete_request(_request(tenant), False, ALEX.upn, "Use the HR calendar")


def _request_then_expire(tenant: SandboxTenant) -> None:
    tenant.expire_request(_request(tenant))


SITUATIONS = {
    "app added": Situation(
        lambda t: t.set_app(APP, service_principal="present"),
        "2",
        "others_waiting",
        "submit_request",
        before=lambda t: t.set_app(APP, service_principal="absent"),
    ),
    "app deleted": Situation(
        lambda t: t.set_app(APP, service_principal="absent"), "2", "new_to_tenant", "submit_request"
    ),
    "app blocked": Situation(
        lambda t: t.set_app(APP, enabled=False), "blocked", "app_blocked", "ask_to_unblock"
    ),
    "assignment required": Situation(
        lambda t: t.set_app(APP, assignment_required=True),
        "2",
        "user_not_assigned",
        "submit_request",
    ),
    "approved for everyone": Situation(
        lambda t: t.grant_admin_consent(APP), "approved", "already_approved", "try_again"
    ),
    "partly approved": Situation(
        lambda t: t.grant_admin_consent(APP, ["offline_access"]),
        "2",
        "partly_approved",
        "submit_request",
    ),
    "requests switched off": Situation(
        lambda t: t.set_consent_settings(requests_enabled=False),
        "3",
        "requests_off",
        "ask_reviewers",
    ),
    "requests switched on": Situation(
        lambda t: t.set_consent_settings(requests_enabled=True),
        "2",
        "user_consent_off",
        "submit_request",
        before=lambda t: t.set_consent_settings(requests_enabled=False),
    ),
    "user consent allowed": Situation(
        lambda t: t.set_consent_settings(user_consent="legacy"), "1", "user_may_consent", "consent"
    ),
    "Microsoft's recommended setting": Situation(
        lambda t: t.set_consent_settings(user_consent="recommended"),
        "2",
        "managed_policy_scopes",
        "submit_request",
    ),
    "low-risk only, nothing classified": Situation(
        lambda t: t.set_consent_settings(user_consent="low"),
        "2",
        "unclassified_scopes",
        "submit_request",
    ),
    "request filed": Situation(_request, "2", "request_pending", "wait"),
    "request denied in Entra": Situation(
        _request_then_deny, "2", "request_denied", "submit_request"
    ),
    "request expired": Situation(_request_then_expire, "2", "request_expired", "submit_request"),
    "user consent switched off": Situation(
        lambda t: t.set_consent_settings(user_consent="off"),
        "2",
        "user_consent_off",
        "submit_request",
        before=lambda t: t.set_consent_settings(user_consent="legacy"),
    ),
}
FORMS = ("name", "misspelt name", "app id", "consent URL", "error text")


def _asked(form: str, locale: str, tenant: SandboxTenant) -> str | None:
    """What the user types or pastes, or None when Entra shows no error to paste."""
    if form == "name":
        return QUESTION[locale].format(app=APP)
    if form == "misspelt name":
        return QUESTION[locale].format(app="Carerx")
    if form == "app id":
        return CARERIX_APP_ID
    attempt = tenant.attempt_sign_in(APP, ADELE.upn)
    if form == "consent URL":
        return str(attempt["consentUrl"])
    text = attempt.get("errorText")
    return f"{text}\n{attempt['aadsts']}" if text else None


@pytest.mark.parametrize("locale", list(QUESTION))
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", list(SITUATIONS))
async def test_the_next_question_sees_the_change(
    name: str,
    form: str,
    locale: str,
    diagnosis_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    clock: ManualClock,
) -> None:
    situation = SITUATIONS[name]
    tenant = sandbox.tenant
    tenant.set_app(APP, service_principal="present")
    # A colleague asked for the app before: the store knows which permissions it wants.
    tenant.create_request(APP, PATTI.upn, "Shared calendars for the team")
    await diagnosis_bot.tick()
    situation.before(tenant)
    await ask(diagnosis_bot, connector, QUESTION[locale].format(app=APP), ADELE, locale)
    situation.change(tenant)
    clock.advance(seconds=61)
    asked = _asked(form, locale, tenant)
    if asked is None:  # Entra shows no error when the user can go on
        assert situation.next_step in ("consent", "try_again")
        return
    answer = await ask(diagnosis_bot, connector, asked, ADELE, locale)
    if "choose-title" in answer.ids():  # a misspelt name offers the app; the user picks it
        assert APP in answer.text
        return
    assert answer.card["lang"] == locale.split("-")[0]
    assert answer.headline == situation.headline, answer.causes
    if situation.cause is not None:
        assert situation.cause in answer.causes
    assert answer.next_step == situation.next_step
