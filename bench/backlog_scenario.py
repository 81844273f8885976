"""A first start on a busy tenant: 1,000 requests waiting, then one more.

The sandbox gets the backlog before the bot starts; as soon as the bot's
``/healthz`` answers, an admin says ``review here`` in the General channel.
Measured: how long until the reviewers' first messages reach the connector
(the 5th, or all of them when there are fewer than 5: known once the bot has
recorded the whole backlog and the connector has been quiet for a while),
Graph calls per poll once the backlog is recorded, how long a request
created then takes to show as a card, and the bot's memory. "Recorded" is
read from the bot's store (``bench.bot_store``); if that never happens within
the time allowed, the figures that need it say so instead of guessing.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bench.activities import channel_message
from bench.bot_store import awaiting_details, recorded_requests
from bench.connector import Arrival, describe
from bench.figures import Figure, not_measured, seconds
from bench.polls import count_polls
from bench.rig import BotOptions, Pair, running_pair
from bench.rss import rss_figure
from bench.sandbox_api import SandboxApi

QUIET_S = 3.0
"""No new message for this long after the backlog is recorded: the first messages are all in."""
FIRST_MESSAGES = 5
DETAILS_WITHIN_S = 60.0
"""How long the bot may take to read the backlog's apps before the steady poll is counted."""
WITHIN_S = 5.0
NEW_REQUEST = ("OneCal", "adelev@example.com", "Sync my calendar")


@dataclass
class Settling:
    expected: int
    recorded: int | None = None
    recorded_after_s: float | None = None
    settled: bool = False

    @property
    def why_not(self) -> str:
        if self.recorded_after_s is not None:
            return f"messages were still arriving {QUIET_S:g} s apart or closer"
        return f"{self.recorded or 0} of {self.expected} backlog requests recorded"


async def _settle(pair: Pair, settling: Settling, since: float, within_s: float) -> None:
    """Wait for the whole backlog in the store and then a quiet connector."""
    deadline = since + within_s
    while time.perf_counter() < deadline:
        if settling.recorded_after_s is None:
            settling.recorded = await recorded_requests(pair.data_dir)
            if settling.recorded is not None and settling.recorded >= settling.expected:
                settling.recorded_after_s = time.perf_counter() - since
        if settling.recorded_after_s is not None:
            # Quiet since the backlog was recorded too: its digest is sent after that.
            recorded_at = since + settling.recorded_after_s
            last = max((m.at for m in pair.connector.messages(since)), default=since)
            if time.perf_counter() - max(last, recorded_at) >= QUIET_S:
                settling.settled = True
                return
        await asyncio.sleep(0.25)


def _first_messages(
    messages: list[Arrival], review_at: float, settling: Settling, waited_s: float
) -> Figure:
    label = f"First reviewer messages after `review here` ({settling.expected:,} waiting)"
    target = f"<= {FIRST_MESSAGES} messages within {WITHIN_S:g} s"
    figure = Figure("first_messages", label, target, unit="s")
    figure.detail = {
        "messages": [describe(m, review_at) for m in messages[:10]],
        "message_count": len(messages),
        "all_in": settling.settled,
        "backlog_recorded_after_s": settling.recorded_after_s,
    }
    if len(messages) >= FIRST_MESSAGES:
        count = FIRST_MESSAGES
    elif settling.settled and messages:
        count = len(messages)  # fewer than five, and no more are coming
    else:
        why = settling.why_not if not settling.settled else "none came"
        figure.measured = f"only {len(messages)} message(s) in {waited_s:.0f} s ({why})"
        figure.meets = False
        return figure
    elapsed = messages[count - 1].at - review_at
    figure.value, figure.floor_ms = round(elapsed, 3), elapsed * 1000
    if count < FIRST_MESSAGES:
        figure.measured = f"all {count} messages within {seconds(elapsed)}"
    else:
        total = f"{len(messages)}" if settling.settled else f">= {len(messages)}"
        figure.measured = f"message {count} after {seconds(elapsed)} ({total} in all)"
    figure.meets = elapsed <= WITHIN_S and settling.settled and len(messages) <= FIRST_MESSAGES
    return figure


def _start_to_first(messages: list[Arrival], pair: Pair, waiting: int) -> Figure:
    label = f"Bot start to its first message ({waiting:,} waiting)"
    if not messages:
        return not_measured("start_to_first_message", label, "reported", "no message")
    elapsed = messages[0].at - pair.bot.started_at
    return Figure(
        "start_to_first_message",
        label,
        "reported (no target)",
        measured=seconds(elapsed),
        value=round(elapsed, 3),
        unit="s",
        floor_ms=elapsed * 1000,
        detail={"healthz_after_s": round(pair.healthz_after_s, 3)},
    )


async def _steady_poll(pair: Pair, interval_s: float, settling: Settling) -> Figure:
    label = "Steady poll: Graph calls per poll, backlog recorded"
    if settling.recorded_after_s is None:
        return not_measured("steady_poll_calls", label, "1", settling.why_not)
    # The apps of a backlog are read after it is announced; the steady state starts after.
    deadline = time.perf_counter() + DETAILS_WITHIN_S
    for _ in range(int(DETAILS_WITHIN_S / 0.25)):
        if (await awaiting_details(pair.data_dir) or 0) == 0 or time.perf_counter() > deadline:
            break
        await asyncio.sleep(0.25)
    count = await count_polls(pair.sandbox, interval_s)
    figure = Figure("steady_poll_calls", label, "1", unit="calls", detail=count.__dict__)
    if count.calls == 0:
        figure.measured, figure.meets = f"no Graph call in {count.window_s:.0f} s", False
        return figure
    bound = "" if count.exact else ">= "
    figure.value = round(count.per_poll, 2)
    figure.measured = f"{bound}{count.per_poll:.1f} ({count.calls} calls / {count.polls} polls)"
    figure.meets = count.exact and count.per_poll <= 1
    return figure


async def _new_request(pair: Pair, interval_s: float) -> Figure:
    label = "Request created after the backlog: to its card"
    target = f"<= poll interval + 1 s ({interval_s + 1:g} s)"
    app, user, reason = NEW_REQUEST
    created = time.perf_counter()
    await pair.sandbox.create_request(app, user, reason)
    timeout = max(30.0, 5 * interval_s)
    card = await pair.connector.wait_for(
        lambda a: a.is_message and app in str(a.call.body), created, timeout
    )
    if card is None:
        figure = Figure("new_request_card", label, target, measured=f"no card in {timeout:g} s")
        figure.meets = False
        return figure
    elapsed = card.at - created
    return Figure(
        "new_request_card",
        label,
        target,
        measured=seconds(elapsed),
        value=round(elapsed, 3),
        unit="s",
        meets=elapsed <= interval_s + 1,
        floor_ms=elapsed * 1000,
    )


async def run_backlog(
    options: BotOptions, backlog: int, settle_timeout: float, findings: list[str]
) -> list[Figure]:
    settling = Settling(expected=0)

    async def add_backlog(api: SandboxApi) -> None:
        created = await api.add_backlog(backlog)
        settling.expected = len({c["appConsentRequestId"] for c in created})

    async with running_pair(options, add_backlog, findings) as pair:
        review_at = time.perf_counter()
        status, _, _ = await pair.post(channel_message("review here", pair.connector.url))
        await _settle(pair, settling, review_at, settle_timeout)
        waited = time.perf_counter() - review_at
        messages = pair.connector.messages(review_at)
        figures = [
            _first_messages(messages, review_at, settling, waited),
            _start_to_first(messages, pair, settling.expected),
            await _steady_poll(pair, options.poll_interval_s, settling),
            await _new_request(pair, options.poll_interval_s),
        ]
        figures[0].detail["review_here_status"] = status
        figures += [
            rss_figure("rss_backlog_start", "Bot RSS after start", pair.rss_at_start_mb, None),
            rss_figure(
                "rss_backlog_load",
                "Bot RSS after the backlog",
                pair.bot.rss_mb(),
                pair.bot.peak_rss_mb(),
            ),
        ]
    return figures
