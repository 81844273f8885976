"""Argument definitions for ``python -m sandbox``, apart from what the commands do."""

from __future__ import annotations

import argparse


def build_parser(default_url: str, default_port: int) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url", default=default_url, help=f"sandbox base URL (default {default_url})"
    )
    common.add_argument("--json", action="store_true", help="print the raw JSON answer")
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="Run or drive the sandbox Entra/Graph tenant."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the sandbox tenant")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=default_port)
    serve.add_argument(
        "--tls", action="store_true", help="serve https with a certificate made at start"
    )

    playground = sub.add_parser(
        "playground-config", help="write the Agents Playground's config for this tenant"
    )
    playground.add_argument("--directory", default=".", help="where to write the file")
    playground.add_argument("--bot-name", default="Consent Desk")

    request = sub.add_parser("request", parents=[common], help="a user requests admin consent")
    request.add_argument("--app", required=True, help="app display name or appId")
    request.add_argument("--user", required=True, help="user principal name or object id")
    request.add_argument("--reason", required=True, help="the user's justification")
    request.add_argument("--created", help="ISO 8601 creation time (default: now)")

    complete = sub.add_parser("complete", parents=[common], help="decide a request in the portal")
    complete.add_argument("id", help="appConsentRequest id")
    complete.add_argument("--deny", action="store_true", help="deny instead of approving")
    complete.add_argument("--reviewer", help="reviewer UPN (default: a Global Administrator)")
    complete.add_argument("--justification")

    expire = sub.add_parser("expire", parents=[common], help="expire a request now")
    expire.add_argument("id", help="appConsentRequest id")

    sub.add_parser("grants", parents=[common], help="list delegated permission grants")
    sub.add_parser("state", parents=[common], help="summarise the tenant")
    sub.add_parser("reset", parents=[common], help="return to the seeded state")

    settings = sub.add_parser("settings", parents=[common], help="show or change consent settings")
    settings.add_argument("--user-consent", choices=["off", "low", "legacy", "recommended"])
    settings.add_argument("--requests", choices=["on", "off"], help="the admin consent workflow")
    settings.add_argument("--duration", type=int, help="request lifetime in days (1-30)")
    settings.add_argument(
        "--risky-step-up",
        choices=["on", "off"],
        help="risk-based step-up: consent to risky unverified apps goes to an admin",
    )

    yes_no = ["yes", "no"]
    app = sub.add_parser("app", parents=[common], help="show or change an app's properties")
    app.add_argument("name", help="app display name or appId")
    app.add_argument("--verified", choices=yes_no, help="publisher verified")
    app.add_argument("--service-principal", choices=["present", "absent"])
    app.add_argument("--enabled", choices=yes_no, help="no = blocked (accountEnabled false)")
    app.add_argument("--assignment-required", choices=yes_no)
    app.add_argument("--assign", action="append", default=[], metavar="UPN", help="repeatable")
    app.add_argument("--unassign", action="append", default=[], metavar="UPN", help="repeatable")
    app.add_argument("--assign-group", action="append", default=[], metavar="GROUP")
    app.add_argument("--unassign-group", action="append", default=[], metavar="GROUP")

    consent = sub.add_parser(
        "admin-consent", parents=[common], help="grant tenant-wide consent for an app"
    )
    consent.add_argument("name", help="app display name or appId")
    consent.add_argument("--scopes", help='space-separated, e.g. "User.Read offline_access"')

    classify = sub.add_parser(
        "classify", parents=[common], help="classify a delegated scope as low risk"
    )
    classify.add_argument("scope")
    classify.add_argument("--resource", help="resource API name or appId (default Graph)")
    classify.add_argument("--not-low", action="store_true", help="remove the classification")

    sign_in = sub.add_parser(
        "sign-in", parents=[common], help="what Entra shows a user connecting an app"
    )
    sign_in.add_argument("--app", required=True, help="app display name or appId")
    sign_in.add_argument("--user", required=True, help="user principal name or object id")
    sign_in.add_argument("--scopes", help="space-separated (default: the app's scopes)")

    log = sub.add_parser(
        "sign-in-log", parents=[common], help="Entra's sign-in log: entries, lag, licence"
    )
    log.add_argument("--lag", type=int, metavar="SECONDS", help="delay before entries show")
    log.add_argument("--jitter", type=int, metavar="SECONDS", help="extra random delay, 0..N")
    log.add_argument("--licence", choices=yes_no, help="Microsoft Entra ID P1/P2 (no = 403)")
    log.add_argument("--seed", type=int, help="seed of the jitter")
    log.add_argument("--clear", action="store_true", help="delete every entry")

    permissions = sub.add_parser(
        "permissions",
        parents=[common],
        help="show or change the application permissions granted to the bot (local token)",
    )
    permissions.add_argument("--grant", action="append", default=[], metavar="PERMISSION")
    permissions.add_argument("--revoke", action="append", default=[], metavar="PERMISSION")

    faults = sub.add_parser("faults", parents=[common], help="show or change Graph fault knobs")
    faults.add_argument("--latency-ms", type=int)
    faults.add_argument("--throttle", type=float, help="share of calls answered 429")
    faults.add_argument("--unavailable", type=float, help="share of calls answered 503")
    faults.add_argument("--retry-after", type=int, help="Retry-After seconds on 429")
    faults.add_argument("--seed", type=int)
    faults.add_argument("--fail-next", help="statuses for the next calls, e.g. 429,503")
    faults.add_argument(
        "--unavailable-path",
        action="append",
        metavar="FRAGMENT",
        help="Graph calls whose path contains FRAGMENT answer 503 (repeatable)",
    )
    faults.add_argument("--off", action="store_true", help="turn every fault off")

    calls = sub.add_parser("calls", parents=[common], help="Graph calls by route")
    calls.add_argument("--reset", action="store_true")

    block = sub.add_parser("block", parents=[common], help="a user blocks the bot in Teams")
    block.add_argument("user")
    block.add_argument("--unblock", action="store_true")

    sso = sub.add_parser(
        "sso-token", parents=[common], help="the token Teams SSO gives an app for a user"
    )
    sso.add_argument("--user", required=True, help="user principal name or object id")
    sso.add_argument("--client-id", required=True, help="the app (bot) id: the token's audience")
    sso.add_argument("--expired", action="store_true", help="mint one that expired an hour ago")

    client = sub.add_parser(
        "register-client", parents=[common], help="register a confidential client for tokens"
    )
    client.add_argument("client_id")
    client.add_argument("--secret")
    client.add_argument("--certificate", metavar="PEM_FILE", help="X.509 certificate (PEM)")
    client.add_argument("--app-role", action="append", default=[], help="repeatable")
    client.add_argument("--delegated-scope", action="append", default=[], help="repeatable")

    connection = sub.add_parser(
        "oauth-connection", parents=[common], help="add an OAuth connection to a bot"
    )
    connection.add_argument("bot_id")
    connection.add_argument("--name", required=True, help="the connection's name")
    connection.add_argument("--scopes", required=True, help="space-separated, as on the Azure Bot")

    backlog = sub.add_parser("backlog", parents=[common], help="add many pending requests")
    backlog.add_argument("count", type=int)
    backlog.add_argument("--seed", type=int, default=0)
    return parser
