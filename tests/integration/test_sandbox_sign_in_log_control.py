"""The sign-in log's control surface and CLI: entries written by sign-ins, lag, licence, clear."""

from __future__ import annotations

import aiohttp

from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.integration.sandbox_cli_runner import run_cli
from tests.integration.sandbox_graph.graph_calls import fetch

LOG = "/_sandbox/sign-in-log"
ADELE = "adelev@example.com"


async def test_sign_in_answers_the_entry_it_wrote(http: aiohttp.ClientSession) -> None:
    status, attempt, _ = await fetch(
        http, "POST", "/_sandbox/sign-in", json={"app": "OneCal", "user": ADELE}
    )
    assert status == 200
    assert attempt["outcome"] == "approval_required"  # the answer is unchanged otherwise
    status, log, _ = await fetch(http, "GET", LOG)
    assert status == 200
    [entry] = log["entries"]
    assert entry["id"] == attempt["signInId"] == attempt["trace"]["requestId"]
    assert (entry["status"]["errorCode"], entry["outcome"]) == (90095, "approval_required")
    assert entry["logState"] == "served"


async def test_settings_show_pending_entries_until_the_lag_passes(
    http: aiohttp.ClientSession, clock: ManualClock
) -> None:
    status, log, _ = await fetch(http, "POST", LOG, json={"lag_seconds": 120})
    assert status == 200
    assert log["settings"] == {
        "lag_seconds": 120,
        "jitter_seconds": 0,
        "premium_licence": True,
        "retention_days": 30,
    }
    await fetch(http, "POST", "/_sandbox/sign-in", json={"app": "Zeliq", "user": ADELE})
    _, log, _ = await fetch(http, "GET", LOG)
    assert [(e["logState"], e["visibleDateTime"]) for e in log["entries"]] == [
        ("pending", "2026-11-23T09:02:00Z")
    ]
    clock.advance(minutes=2)
    _, log, _ = await fetch(http, "GET", LOG)
    assert log["entries"][0]["logState"] == "served"


async def test_clear_and_bad_settings(http: aiohttp.ClientSession) -> None:
    await fetch(http, "POST", "/_sandbox/sign-in", json={"app": "OneCal", "user": ADELE})
    status, log, _ = await fetch(http, "DELETE", LOG)
    assert (status, log["cleared"], log["entries"]) == (200, 1, [])
    for body in ({"lag_seconds": -1}, {"lag_seconds": "soon"}, {"licence": False}):
        status, answer, _ = await fetch(http, "POST", LOG, json=body)
        assert status == 400, body
        assert "error" in answer


async def test_reset_returns_to_an_empty_log(http: aiohttp.ClientSession) -> None:
    await fetch(http, "POST", LOG, json={"premium_licence": False})
    await fetch(http, "POST", "/_sandbox/sign-in", json={"app": "OneCal", "user": ADELE})
    assert (await fetch(http, "POST", "/_sandbox/reset"))[0] == 200
    _, log, _ = await fetch(http, "GET", LOG)
    assert log["entries"] == []
    assert log["settings"]["premium_licence"] is True


async def test_cli_sign_in_names_the_entry_and_sign_in_log_lists_it(
    sandbox: SandboxHandle,
) -> None:
    code, out, err = await run_cli(
        "sign-in", "--app", "Quick PDF Converter Online", "--user", ADELE, "--url", sandbox.url
    )
    assert code == 0, err
    [entry] = sandbox.tenant.sign_in_log.entries
    assert f"sign-in log entry: {entry.id}" in out
    code, out, err = await run_cli(
        "sign-in-log", "--lag", "60", "--licence", "no", "--url", sandbox.url
    )
    assert code == 0, err
    assert "lag: 60 s" in out
    assert "licence: none" in out
    assert f"7000112  {ADELE}  Quick PDF Converter Online  {entry.id}  (served)" in out
    assert sandbox.tenant.sign_in_log.settings.premium_licence is False
    code, out, err = await run_cli("sign-in-log", "--clear", "--url", sandbox.url)
    assert code == 0, err
    assert "cleared 1 entries" in out
    assert "no entries" in out
