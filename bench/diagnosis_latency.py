"""How long "why can't I connect?" takes when 50 people ask at once and Graph is slow.

Three processes, as in a deployment: the sandbox tenant (``python -m sandbox
serve``) with 100 ms added to every Graph call (``--latency-ms``), the bot
(``python app.py``, its own process and store), and this load generator,
which also plays the Bot Connector (it records the replies) on 127.0.0.1.

After a warm-up (tenant settings, scope catalogue and app index are then
cached), each round sends 50 personal messages at once, mixing apps and input
forms, and times each ``/api/messages`` call: the bot answers within the call,
so it ends once the answer card has reached the connector. Reports p50, p95,
p99 and max, and Graph calls per answer. With ``--workers N`` the bot runs
N processes on its port, each with caches of its own, so the warm-up is sent
to every one of them (a new connection lands on any worker; ``/healthz`` says
which). Part of ``./run bench`` (``--only diagnosis``); ``python -m
bench.diagnosis_latency`` runs it alone and prints JSON (exit 1 when p99
misses the target).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from aiohttp import ClientSession, TCPConnector

from bench.activities import ADELE, ALEX, LYNNE, MEGAN, PATTI, personal_message
from bench.figures import Figure, latency_summary, millis
from bench.rig import BotOptions, Pair, running_pair
from bench.rss import rss_figure

PEOPLE = (ADELE, PATTI, LYNNE, MEGAN, ALEX)
TARGET_P99_MS = 300.0


def _questions(consent_url: str) -> list[str]:
    """What people send: names in three languages, an app id, a consent URL."""
    return [
        "why can't I connect Pipeline CRM Sidebar?",
        "pourquoi je ne peux pas connecter Wingtip Whiteboard",
        "Northwind Expenses に接続できない",
        "c5b7e9d1-3a2f-4b6c-8d0e-7f1a2b3c4d55",
        consent_url,
        "why is Quick PDF Converter Online blocked?",
    ]


async def _one(pair: Pair, body: dict[str, object]) -> float:
    status, text, elapsed = await pair.post(body)
    if status not in (200, 202):
        raise RuntimeError(f"the bot answered {status}: {text[:200]}")
    return elapsed * 1000


async def _warm_every_worker(pair: Pair, questions: list[str], workers: int) -> None:
    """The warm-up once in each worker: new connections until every pid has had it."""
    warmed: set[int] = set()
    for _ in range(64 * workers):  # a new connection lands on any worker
        async with ClientSession(connector=TCPConnector(limit=1)) as http:  # one connection
            async with http.get(f"{pair.bot_url}/healthz") as health:
                worker = int((await health.json())["pid"])
            if worker in warmed:
                continue
            for person in PEOPLE:
                for text in questions:
                    body = personal_message(text, pair.connector.url, person)
                    async with http.post(f"{pair.bot_url}/api/messages", json=body) as answer:
                        if answer.status not in (200, 202):
                            raise RuntimeError(f"the bot answered {answer.status}")
            warmed.add(worker)
        if len(warmed) == workers:
            return
    raise RuntimeError(f"only {len(warmed)} of {workers} workers were reached for the warm-up")


async def measure(pair: Pair, askers: int, rounds: int, workers: int = 1) -> dict[str, Any]:
    """Warm every cache and chat (in every worker), then ``rounds`` of ``askers`` at once."""
    url = pair.connector.url
    attempt = await pair.sandbox.call("POST", "/sign-in", {"app": "Zeliq", "user": ADELE.upn})
    questions = _questions(str(attempt["consentUrl"]))
    if workers > 1:
        await _warm_every_worker(pair, questions, workers)
    else:
        for person in PEOPLE:  # warm-up: every cache the answers use, every chat
            for text in questions:
                await _one(pair, personal_message(text, url, person))
    await pair.sandbox.reset_calls()
    timings: list[float] = []
    for _ in range(rounds):
        bodies = [
            personal_message(questions[i % len(questions)], url, PEOPLE[i % len(PEOPLE)])
            for i in range(askers)
        ]
        timings += await asyncio.gather(*(_one(pair, body) for body in bodies))
    calls = sum((await pair.sandbox.calls()).values())
    return {
        **latency_summary(timings),
        "askers": askers,
        "rounds": rounds,
        "workers": workers,
        "graph_calls_per_answer": round(calls / len(timings), 2),
    }


def _figure(result: dict[str, Any], askers: int) -> Figure:
    p99 = float(result["p99_ms"])
    return Figure(
        "diagnosis_latency",
        f'"Why can\'t I connect?", {askers} people at once, warm',
        f"p99 <= {TARGET_P99_MS:g} ms",
        measured=(
            f"p50 {millis(result['p50_ms'])}, p95 {millis(result['p95_ms'])}, p99 {millis(p99)}"
        ),
        value=p99,
        unit="ms",
        meets=p99 <= TARGET_P99_MS,
        floor_ms=p99,
        detail=result,
    )


async def run_diagnosis(
    options: BotOptions, askers: int, rounds: int, findings: list[str]
) -> list[Figure]:
    async with running_pair(options, findings=findings) as pair:
        result = await measure(pair, askers, rounds, options.workers)
        every = f" ({options.workers} workers together)" if options.workers > 1 else ""
        rss = rss_figure(
            "rss_diagnosis_load",
            f"Bot RSS after {askers * rounds} diagnoses{every}",
            pair.bot.rss_mb(),
            pair.bot.peak_rss_mb(),
        )
    return [_figure(result, askers), rss]


async def run(
    askers: int, rounds: int, latency_ms: int, database_url: str | None = None, workers: int = 1
) -> dict[str, object]:
    """The scenario alone, as ``python -m bench.diagnosis_latency`` prints it."""
    env = {"DATABASE_URL": database_url} if database_url else {}
    findings: list[str] = []
    options = BotOptions(latency_ms, extra_env=env, workers=workers)
    async with running_pair(options, findings=findings) as pair:
        result = await measure(pair, askers, rounds, workers)
    return {
        **result,
        "graph_latency_ms": latency_ms,
        "store": (database_url or "sqlite").split(":", 1)[0],
        "target_p99_ms": TARGET_P99_MS,
        "meets_target": result["p99_ms"] <= TARGET_P99_MS,
        "findings": findings,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--askers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument(
        "--database-url", help="the bot's store (default: SQLite in a temporary directory)"
    )
    parser.add_argument("--workers", type=int, default=1, help="the bot's WORKERS")
    args = parser.parse_args(argv)
    result = asyncio.run(
        run(args.askers, args.rounds, args.latency_ms, args.database_url, args.workers)
    )
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
