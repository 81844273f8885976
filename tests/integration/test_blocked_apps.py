"""``blocked apps`` over real HTTP against the sandbox tenant: the list, its buttons, refusals.

Sign-in attempts are written to the store directly (what the sign-in log job
records); publishers come from the sandbox's service principals, requests
from its consent workflow, and approving the review an admin started grants
in the sandbox tenant.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.store import audit_trail, requests, sign_ins
from bot.store.tables import ConsentRequestRow
from cards.blocked_apps import scopes_input_id
from cards.verbs import APPROVE, BLOCKED_APPS_REVIEW, BLOCKED_APPS_SHOW, SHOW_CARD
from domain.sign_ins import ConsentAttempt
from domain.types import ASKED_BECAUSE, RequestOrigin, RequestStatus
from sandbox.seed_apps import EXPENSES_APP_ID, ONECAL_APP_ID, PIPELINE_APP_ID, ZELIQ_APP_ID
from sandbox.server import SandboxHandle
from tests.card_checks import all_text, by_id, elements, validate_card
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import GENERAL_CHANNEL, BotRig, new_cards_in, running_bot
from tests.integration.channel_chat import say
from tests.integration.decision_clicks import click, press, settle, tenant_wide
from tests.integration.diagnosis_rig import ADELE, ALEX, LYNNE, MEGAN, PATTI, Person
from tests.integration.test_admin_commands import say_in_app_reviews

_ids = iter(range(1, 10_000))


@pytest.fixture
async def bot(
    sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[BotRig]:
    async with running_bot(graph_url=sandbox.url, data_dir=tmp_path, clock=clock) as rig:
        yield rig


async def stopped(
    bot: BotRig,
    clock: ManualClock,
    app_id: str,
    name: str,
    who: Person,
    code: int = 90094,
    days_ago: float = 1,
) -> None:
    """One attempt consent stopped, as the sign-in log job records it."""
    attempt = ConsentAttempt(
        id=f"sign-in-{next(_ids)}",
        user_id=who.id,
        app_id=app_id.lower(),
        app_display_name=name,
        created_at=clock() - timedelta(days=days_ago),
        error_code=code,
    )
    async with bot.services.sessions() as session:
        await sign_ins.record_attempts(session, [attempt])
        await session.commit()


def last_card(connector: RecordingConnector, before: int) -> dict[str, Any]:
    """The last card the bot posted since call ``before``."""
    posted = [
        c
        for c in connector.calls[before:]
        if c.method == "POST" and c.body.get("activity", c.body).get("attachments")
    ]
    assert posted, "the bot posted no card"
    return connector.card_of(posted[-1])


async def blocked_apps(
    bot: BotRig, connector: RecordingConnector, text: str = "blocked apps", who: Person = ALEX
) -> dict[str, Any]:
    before = len(connector.calls)
    await say(bot, connector, text, who)
    card = last_card(connector, before)
    validate_card(card)
    return card


def listed(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Each app on the card: name, publisher line, facts by title, its button."""
    found = []
    for element in elements(card):
        if not str(element.get("id", "")).startswith("blocked-app-"):
            continue
        items = element["items"]
        facts = next(e for e in items if e["type"] == "FactSet")["facts"]
        button = next(e for e in elements(element) if e.get("type", "").startswith("Action."))
        found.append(
            {
                "name": items[0]["text"],
                "publisher": items[1]["text"],
                "facts": {f["title"]: f["value"] for f in facts},
                "button": button,
            }
        )
    return found


def invoked_card(answer: str) -> dict[str, Any]:
    """The card an ``adaptiveCard/action`` answer carries."""
    body = json.loads(answer)
    card: dict[str, Any] = body["value"]
    validate_card(card)
    return card


def review_click(
    app_id: str, who: Person, service_url: str, scopes: str, days: str = "7"
) -> dict[str, Any]:
    body = click(BLOCKED_APPS_REVIEW, "", (who.id, who.name), service_url)
    body["value"]["action"]["data"] = {
        "app_id": app_id,
        "days": days,
        scopes_input_id(app_id): scopes,
    }
    return body


async def bot_requests(bot: BotRig) -> list[ConsentRequestRow]:
    async with bot.services.sessions() as session:
        rows = await requests.pending_requests(session)
        return [r for r in rows if r.origin == RequestOrigin.BOT]


async def test_most_people_first_distinct_people_publishers_and_what_they_saw(
    bot: BotRig, connector: RecordingConnector, clock: ManualClock
) -> None:
    await say(bot, connector, "review here", ALEX)
    # Zeliq: Adele twice (one person), Patti once; Entra offered no form, then the form.
    await stopped(bot, clock, ZELIQ_APP_ID, "Zeliq", ADELE)
    await stopped(bot, clock, ZELIQ_APP_ID, "Zeliq", ADELE, days_ago=2)
    await stopped(bot, clock, ZELIQ_APP_ID, "Zeliq", PATTI, code=90095)
    await stopped(bot, clock, PIPELINE_APP_ID, "Pipeline CRM Sidebar", LYNNE, code=65001)
    await stopped(bot, clock, EXPENSES_APP_ID, "Northwind Expenses", LYNNE, days_ago=3)
    # OneCal only before the last week: three people, so first over 30 days.
    for person in (ADELE, PATTI, LYNNE):
        await stopped(bot, clock, ONECAL_APP_ID, "OneCal", person, days_ago=12)

    week = listed(await blocked_apps(bot, connector))
    assert [a["name"] for a in week] == ["Zeliq", "Northwind Expenses", "Pipeline CRM Sidebar"]
    zeliq, expenses, pipeline = week
    assert zeliq["facts"]["People stopped"] == "2"
    assert zeliq["facts"]["Attempts"].startswith("3, the latest on")
    assert zeliq["facts"]["What they saw"] == (
        "Request form shown · No request form (requests are switched off)"
    )
    assert zeliq["facts"]["Consent request"] == "None yet"
    assert zeliq["publisher"].startswith("Not in your organization yet")
    assert zeliq["button"]["title"] == "Review here"
    assert expenses["publisher"] == "Published by Northwind Traders, verified publisher"
    assert pipeline["publisher"] == "Published by Sidebar Apps Ltd, publisher not verified"
    assert pipeline["facts"]["What they saw"] == "Consent needed"

    month_card = await blocked_apps(bot, connector, "blocked apps 30 days")
    month = listed(month_card)
    assert [a["name"] for a in month][:2] == ["OneCal", "Zeliq"]
    assert month[0]["facts"]["People stopped"] == "3"
    assert [a["data"] for a in month_card["actions"]] == [{"days": "7"}]

    # The period button gives the same list as the command.
    answer = await press(
        bot, _with(click(BLOCKED_APPS_SHOW, "", _who(ALEX), connector.url), days="30")
    )
    assert [a["name"] for a in listed(invoked_card(answer))] == [a["name"] for a in month]

    wrong = await say(bot, connector, "blocked apps 90", ALEX)
    assert "blocked apps 30 for the last 30 days" in wrong


async def test_an_app_with_a_request_opens_its_review_card_here(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    await say(bot, connector, "review here", ALEX)
    await say_in_app_reviews(bot, connector, "review here")
    await say_in_app_reviews(bot, connector, "route high risk here")
    created = sandbox.tenant.create_request("Zeliq", ADELE.upn, "Sequences")  # Mail.Send
    await bot.tick()
    assert new_cards_in(connector, GENERAL_CHANNEL, "Zeliq") == 0  # its card went to App Reviews
    await stopped(bot, clock, ZELIQ_APP_ID, "Zeliq", PATTI, code=90095)

    [zeliq] = listed(await blocked_apps(bot, connector))
    assert zeliq["facts"]["Consent request"] == "Waiting for review"
    button = zeliq["button"]
    assert (button["title"], button["verb"]) == ("Open review card", SHOW_CARD)
    assert button["data"] == {"request_id": created["appConsentRequestId"]}

    body = click(SHOW_CARD, button["data"]["request_id"], _who(ALEX), connector.url)
    assert "Posting the full card for Zeliq" in await press(bot, body)
    await bot.services.delivery.run_due()
    assert new_cards_in(connector, GENERAL_CHANNEL, "Zeliq") == 1


async def test_review_here_starts_a_request_whose_approval_grants_in_the_tenant(
    bot: BotRig, sandbox: SandboxHandle, connector: RecordingConnector, clock: ManualClock
) -> None:
    await say(bot, connector, "review here", ALEX)
    await stopped(bot, clock, ZELIQ_APP_ID, "Zeliq", ADELE)
    await stopped(bot, clock, ZELIQ_APP_ID, "Zeliq", PATTI)
    [zeliq] = listed(await blocked_apps(bot, connector))
    start = next(e for e in elements(zeliq["button"]) if e.get("verb") == BLOCKED_APPS_REVIEW)
    assert start["data"] == {"app_id": ZELIQ_APP_ID, "days": "7"}

    body = review_click(ZELIQ_APP_ID, ALEX, connector.url, "Mail.Send, User.Read")
    card = invoked_card(await press(bot, body))
    assert "The review of Zeliq has started" in all_text(by_id(card, "blocked-notice"))
    [after] = listed(card)
    assert after["facts"]["Consent request"] == (
        "Waiting for review; its reviewer card is already in this conversation"
    )
    assert after["button"]["title"] == "Open review card"

    [row] = await bot_requests(bot)
    assert (row.app_id, row.scopes) == (ZELIQ_APP_ID, ["Mail.Send", "User.Read"])
    assert row.app_snapshot[ASKED_BECAUSE] == "sign_in_log"
    async with bot.services.sessions() as session:
        assert list(await requests.requesters_of(session, row.id)) == []
    await bot.services.delivery.run_due()
    assert new_cards_in(connector, GENERAL_CHANNEL, "Zeliq") == 1
    posted = next(
        connector.card_of(c)
        for c in connector.posts()
        if "Admin consent request: Zeliq" in str(c.body)
    )
    assert "Started from the sign-in log" in all_text(by_id(posted, "origin"))
    assert "Alex Wilber started this review" in all_text(by_id(posted, "origin"))

    # A second click (or a replay) starts nothing new: the card of the request is posted.
    again = invoked_card(await press(bot, review_click(ZELIQ_APP_ID, ALEX, connector.url, "")))
    notice = all_text(by_id(again, "blocked-notice"))
    assert "Zeliq already has a consent request" in notice
    assert "already in this conversation" in notice
    assert len(await bot_requests(bot)) == 1

    # Approve goes through the same decision path as any request, and grants for real.
    approved = await press(bot, click(APPROVE, row.id, _who(MEGAN), connector.url))
    assert "Approving" in approved
    await settle(bot)
    [grant] = tenant_wide(sandbox, "Zeliq")
    assert set(grant["scope"].split()) == {"Mail.Send", "User.Read"}
    async with bot.services.sessions() as session:
        done = await requests.get_request(session, row.id)
        log = [(a.action, a.result) for a in await audit_trail.audit_log(session)]
    assert done is not None
    assert done.status == RequestStatus.APPROVED
    assert ("review_blocked_app", "succeeded") in log
    assert ("approve", "succeeded") in log


async def test_review_here_checks_what_it_is_given(
    bot: BotRig, connector: RecordingConnector, clock: ManualClock
) -> None:
    await stopped(bot, clock, ZELIQ_APP_ID, "Zeliq", ADELE)
    # Not a review conversation yet: nothing is started.
    card = invoked_card(await press(bot, review_click(ZELIQ_APP_ID, ALEX, connector.url, "")))
    assert "This conversation gets no reviewer cards" in all_text(by_id(card, "blocked-notice"))
    await say(bot, connector, "review here", ALEX)
    bad = invoked_card(
        await press(bot, review_click(ZELIQ_APP_ID, ALEX, connector.url, "Mail.* [x](y)"))
    )
    assert "these are not permission names" in all_text(by_id(bad, "blocked-notice"))
    unknown = invoked_card(
        await press(bot, review_click(ONECAL_APP_ID, ALEX, connector.url, "User.Read"))
    )
    assert "not among the attempts" in all_text(by_id(unknown, "blocked-notice"))
    assert await bot_requests(bot) == []


async def test_non_admins_are_refused_for_the_command_and_every_button(
    bot: BotRig, connector: RecordingConnector, clock: ManualClock
) -> None:
    await say(bot, connector, "review here", ALEX)
    await stopped(bot, clock, ZELIQ_APP_ID, "Zeliq", ADELE)

    assert (await say(bot, connector, "blocked apps", ADELE)).startswith("Only admins can do that")
    replayed = invoked_card(
        await press(bot, review_click(ZELIQ_APP_ID, ADELE, connector.url, "User.Read"))
    )
    assert "Only admins can see blocked apps" in all_text(replayed)
    assert "Zeliq" not in json.dumps(replayed)
    shown = invoked_card(
        await press(bot, _with(click(BLOCKED_APPS_SHOW, "", _who(ADELE), connector.url), days="30"))
    )
    assert "Only admins can see blocked apps" in all_text(shown)

    assert await bot_requests(bot) == []
    async with bot.services.sessions() as session:
        log = [
            (a.action, a.result, a.actor_name)
            for a in await audit_trail.audit_log(session)
            if a.result == "refused"
        ]
    assert log == [
        ("command:blocked apps", "refused", "Adele Vance"),
        ("review_blocked_app", "refused", "Adele Vance"),
        ("list_blocked_apps", "refused", "Adele Vance"),
    ]


async def test_empty_list_says_how_to_have_the_sign_in_log_read(
    bot: BotRig, connector: RecordingConnector, clock: ManualClock
) -> None:
    off = await blocked_apps(bot, connector)
    assert "Nobody was stopped" in all_text(off)
    assert "Turn on proactive help (proactive help on)" in all_text(off)
    async with bot.services.sessions() as session:
        await sign_ins.set_proactive_help(session, True, clock())
        await session.commit()
    on = await blocked_apps(bot, connector)
    assert "Turn on proactive help" not in all_text(on)


def _who(person: Person) -> tuple[str, str]:
    return person.id, person.name


def _with(body: dict[str, Any], **data: str) -> dict[str, Any]:
    body["value"]["action"]["data"] = dict(data)
    return body


async def test_two_admins_starting_the_same_review_at_once_make_one_request(
    bot: BotRig, connector: RecordingConnector, clock: ManualClock
) -> None:
    """Both clicks read "no request yet"; the store keeps one, the other admin is shown it."""
    await say(bot, connector, "review here", ALEX)
    await stopped(bot, clock, ZELIQ_APP_ID, "Zeliq", ADELE)
    answers = await asyncio.gather(
        press(bot, review_click(ZELIQ_APP_ID, ALEX, connector.url, "Mail.Send")),
        press(bot, review_click(ZELIQ_APP_ID, MEGAN, connector.url, "Mail.Send")),
    )
    notices = [all_text(by_id(invoked_card(a), "blocked-notice")) for a in answers]
    assert len(await bot_requests(bot)) == 1
    assert sum("The review of Zeliq has started" in n for n in notices) == 1
    assert sum("Zeliq already has a consent request" in n for n in notices) == 1
