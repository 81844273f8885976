"""The same answer in English, French and Japanese, and what a warm answer costs in Graph calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from domain.i18n import Messages
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, running_bot
from tests.integration.diagnosis_rig import ADELE, PATTI, Reading, ask

QUESTIONS = {
    "en-US": "why can't I connect Pipeline CRM Sidebar?",
    "fr-FR": "pourquoi je ne peux pas connecter Pipeline CRM Sidebar",
    "ja-JP": "Pipeline CRM Sidebar に接続できない",
}


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        yield rig


async def test_the_same_answer_in_three_languages(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    sandbox.tenant.set_consent_settings(user_consent="low", requests_enabled=False)
    answers: dict[str, Reading] = {}
    for locale, question in QUESTIONS.items():
        answers[locale] = await ask(bot, connector, question, ADELE, locale)
    meanings = {(a.headline, frozenset(a.causes), a.next_step) for a in answers.values()}
    assert len(meanings) == 1, meanings
    for locale, answer in answers.items():
        messages = Messages.for_locale(locale)
        assert answer.card["lang"] == messages.language
        situation = answer.element("situation-3")["items"][0]["text"]
        assert situation == messages.t("diagnosis.situation.3.title")
        assert answer.element("why")["text"] == messages.t("diagnosis.why_heading")
    french = answers["fr-FR"].text
    assert "Pourquoi" in french or "pourquoi" in french
    assert "connecter" in french
    assert "管理者" in answers["ja-JP"].text


async def test_unknown_locales_fall_back_to_english(
    bot: BotRig, connector: RecordingConnector
) -> None:
    answer = await ask(bot, connector, QUESTIONS["en-US"], ADELE, "de-DE")
    assert answer.card["lang"] == "en"


async def test_a_warm_answer_reads_only_what_is_not_cached(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector
) -> None:
    """Policies, reviewers' names, the scope catalogue and the app index stay cached."""
    url = sandbox.tenant.attempt_sign_in("Pipeline CRM Sidebar", ADELE.upn)["consentUrl"]
    await ask(bot, connector, url, ADELE)  # warms the caches
    sandbox.tenant.calls.reset()
    await ask(bot, connector, url, PATTI)
    routes = sandbox.tenant.calls.snapshot()["routes"]
    # The app, its tenant-wide grant, Patti's grant and, because the answer tells her to
    # file a request, whether she just did (Entra's pending requests for the app, read live:
    # the store learns of a request one poll later).
    assert sum(routes.values()) == 4, routes
    assert routes["GET /identityGovernance/appConsent/appConsentRequests"] == 1
    assert not any("policies" in route for route in routes)
    assert not any("delegatedPermissionClassifications" in route for route in routes)


async def test_a_question_written_in_french_is_answered_in_french_whatever_the_client(
    bot: BotRig, connector: RecordingConnector
) -> None:
    """Teams may run in English for someone who writes French: their words decide."""
    answer = await ask(bot, connector, QUESTIONS["fr-FR"], ADELE, "en-US")
    assert answer.card["lang"] == "fr"
    submit_language = {
        a["data"]["lang"] for a in _actions(answer.card) if a.get("verb") == "ask_reviewers"
    }
    assert submit_language <= {"fr"}
    japanese = await ask(bot, connector, QUESTIONS["ja-JP"], ADELE, "en-US")
    assert japanese.card["lang"] == "ja"
    plain = await ask(bot, connector, "Pipeline CRM Sidebar", ADELE, "fr-FR")
    assert plain.card["lang"] == "fr"  # no telling words: the client's locale decides


def _actions(node: object) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            found.append(node)
        for value in node.values():
            found += _actions(value)
    elif isinstance(node, list):
        for value in node:
            found += _actions(value)
    return found
