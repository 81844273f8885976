"""Command line for the sandbox tenant: run it, or drive a running one over HTTP.

``python -m sandbox serve`` starts the tenant; every other command talks to the
control surface of a running sandbox (``--url``, default ``$SANDBOX_URL`` or
http://127.0.0.1:3980), prints a readable result (or raw JSON with ``--json``)
and exits non-zero with a one-line message when something goes wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

from sandbox.cli_views import (
    show_admin_consent,
    show_app,
    show_classification,
    show_decision,
    show_fields,
    show_grants,
    show_sign_in,
    show_sign_in_log,
    show_state,
)

DEFAULT_PORT = 3980
DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"


class CliError(Exception):
    """A failure to report in one line, with the exit status to use."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def call(base_url: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One request to the control surface; errors become ``CliError`` with the server's text."""
    if not base_url.startswith(("http://", "https://")):
        raise CliError(f"the sandbox URL must start with http:// or https://, not {base_url!r}")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        base_url.rstrip("/") + "/_sandbox" + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as failure:
        try:
            message = json.loads(failure.read()).get("error", failure.reason)
        except ValueError:
            message = failure.reason
        raise CliError(f"{failure.code}: {message}") from None
    except (urllib.error.URLError, ConnectionError, TimeoutError) as failure:
        reason = getattr(failure, "reason", failure)
        raise CliError(
            f"no sandbox running at {base_url} ({reason}); start one with: python -m sandbox serve",
            status=2,
        ) from None


def _settings_body(args: argparse.Namespace) -> dict[str, Any] | None:
    body: dict[str, Any] = {}
    if args.user_consent:
        body["user_consent"] = args.user_consent
    if args.requests:
        body["requests_enabled"] = args.requests == "on"
    if args.duration is not None:
        body["request_duration_days"] = args.duration
    if args.risky_step_up:
        body["risky_step_up"] = args.risky_step_up == "on"
    return body or None


def _faults_body(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.off:
        return {
            "latency_ms": 0,
            "throttle_ratio": 0.0,
            "unavailable_ratio": 0.0,
            "fail_next": [],
            "unavailable_paths": [],
        }
    names = {
        "latency_ms": args.latency_ms,
        "throttle_ratio": args.throttle,
        "unavailable_ratio": args.unavailable,
        "retry_after_seconds": args.retry_after,
        "seed": args.seed,
    }
    body: dict[str, Any] = {k: v for k, v in names.items() if v is not None}
    if args.fail_next:
        body["fail_next"] = [int(s) for s in args.fail_next.split(",")]
    if args.unavailable_path:
        body["unavailable_paths"] = args.unavailable_path
    return body or None


def _app(args: argparse.Namespace) -> tuple[Any, str]:
    body: dict[str, Any] = {}
    for key, value in (
        ("verified", args.verified),
        ("enabled", args.enabled),
        ("assignmentRequired", args.assignment_required),
    ):
        if value:
            body[key] = value == "yes"
    if args.service_principal:
        body["servicePrincipal"] = args.service_principal
    if args.assign:
        body["assignUsers"] = args.assign
    if args.unassign:
        body["unassignUsers"] = args.unassign
    if args.assign_group:
        body["assignGroups"] = args.assign_group
    if args.unassign_group:
        body["unassignGroups"] = args.unassign_group
    path = "/apps/" + urllib.parse.quote(args.name, safe="")
    result = call(args.url, "POST" if body else "GET", path, body or None)
    return result, show_app(result)


def _admin_consent(args: argparse.Namespace) -> tuple[Any, str]:
    body = {"scopes": args.scopes.split()} if args.scopes else {}
    path = "/apps/" + urllib.parse.quote(args.name, safe="") + "/admin-consent"
    result = call(args.url, "POST", path, body)
    return result, show_admin_consent(result)


def _classify(args: argparse.Namespace) -> tuple[Any, str]:
    body: dict[str, Any] = {"scope": args.scope, "low": not args.not_low}
    if args.resource:
        body["resource"] = args.resource
    result = call(args.url, "POST", "/classifications", body)
    return result, show_classification(result)


def _sign_in(args: argparse.Namespace) -> tuple[Any, str]:
    body: dict[str, Any] = {"app": args.app, "user": args.user}
    if args.scopes is not None:
        body["scopes"] = args.scopes.split()
    result = call(args.url, "POST", "/sign-in", body)
    return result, show_sign_in(result)


def _sign_in_log(args: argparse.Namespace) -> tuple[Any, str]:
    knobs = {"lag_seconds": args.lag, "jitter_seconds": args.jitter, "seed": args.seed}
    body: dict[str, Any] = {k: v for k, v in knobs.items() if v is not None}
    if args.licence:
        body["premium_licence"] = args.licence == "yes"
    if body:
        call(args.url, "POST", "/sign-in-log", body)
    result = call(args.url, "DELETE" if args.clear else "GET", "/sign-in-log")
    return result, show_sign_in_log(result)


def _request(args: argparse.Namespace) -> tuple[Any, str]:
    body = {"app": args.app, "user": args.user, "reason": args.reason}
    if args.created:
        body["created"] = args.created
    result = call(args.url, "POST", "/requests", body)
    return result, f"request created for {args.app} by {args.user}\n" + show_fields(result)


def _complete(args: argparse.Namespace) -> tuple[Any, str]:
    decision = {"approve": not args.deny, "reviewer": args.reviewer}
    decision["justification"] = args.justification
    result = call(args.url, "POST", f"/requests/{args.id}/complete", decision)
    return result, show_decision(result)


def _expire(args: argparse.Namespace) -> tuple[Any, str]:
    result = call(args.url, "POST", f"/requests/{args.id}/expire", {})
    return result, f"expired {len(result['userConsentRequestIds'])} user request(s) of {args.id}"


def _permissions(args: argparse.Namespace) -> tuple[Any, str]:
    current = call(args.url, "GET", "/permissions", None)
    if args.grant or args.revoke:
        revoked = {name.casefold() for name in args.revoke}
        kept = [name for name in current["application"] if name.casefold() not in revoked]
        current = call(args.url, "POST", "/permissions", {"application": kept + args.grant})
    return current, "\n".join(current["application"]) or "(none)"


def _knobs(args: argparse.Namespace) -> tuple[Any, str]:
    body = _settings_body(args) if args.command == "settings" else _faults_body(args)
    result = call(args.url, "POST" if body else "GET", f"/{args.command}", body)
    return result, show_fields(result)


def _calls(args: argparse.Namespace) -> tuple[Any, str]:
    result = call(args.url, "DELETE" if args.reset else "GET", "/calls")
    return result, f"total: {result['total']}\n" + show_fields(result["routes"])


def _block(args: argparse.Namespace) -> tuple[Any, str]:
    result = call(
        args.url, "POST", f"/users/{args.user}/bot-blocked", {"blocked": not args.unblock}
    )
    return result, f"{args.user}: bot {'blocked' if result['blocked'] else 'unblocked'}"


def _backlog(args: argparse.Namespace) -> tuple[Any, str]:
    result = call(args.url, "POST", "/backlog", {"count": args.count, "seed": args.seed})
    return result, f"created {len(result['created'])} user requests"


def _sso_token(args: argparse.Namespace) -> tuple[Any, str]:
    body = {"user": args.user, "client_id": args.client_id, "expired": args.expired}
    result = call(args.url, "POST", "/identity/sso-token", body)
    return result, result["token"]


def _register_client(args: argparse.Namespace) -> tuple[Any, str]:
    body: dict[str, Any] = {
        "client_id": args.client_id,
        "app_roles": args.app_role,
        "delegated_scopes": args.delegated_scope,
    }
    if args.secret is not None:
        body["secret"] = args.secret
    if args.certificate:
        try:
            with open(args.certificate, encoding="utf-8") as pem:
                body["certificate_pem"] = pem.read()
        except OSError as failure:
            raise CliError(f"cannot read {args.certificate}: {failure.strerror}") from None
    result = call(args.url, "POST", "/identity/clients", body)
    return result, show_fields(result)


def _oauth_connection(args: argparse.Namespace) -> tuple[Any, str]:
    body = {"bot_id": args.bot_id, "name": args.name, "scopes": args.scopes}
    result = call(args.url, "POST", "/bot-service/connections", body)
    return result, f"OAuth connection {args.name} of {args.bot_id}: {args.scopes}"


def _state(args: argparse.Namespace) -> tuple[Any, str]:
    result = call(args.url, "POST" if args.command == "reset" else "GET", f"/{args.command}")
    return result, show_state(result)


def _grants(args: argparse.Namespace) -> tuple[Any, str]:
    result = call(args.url, "GET", "/grants")
    return result, show_grants(result)


COMMANDS: dict[str, Callable[[argparse.Namespace], tuple[Any, str]]] = {
    "request": _request,
    "complete": _complete,
    "expire": _expire,
    "grants": _grants,
    "settings": _knobs,
    "faults": _knobs,
    "permissions": _permissions,
    "calls": _calls,
    "block": _block,
    "app": _app,
    "admin-consent": _admin_consent,
    "classify": _classify,
    "sign-in": _sign_in,
    "sign-in-log": _sign_in_log,
    "backlog": _backlog,
    "sso-token": _sso_token,
    "register-client": _register_client,
    "oauth-connection": _oauth_connection,
    "state": _state,
    "reset": _state,
}


def run_command(args: argparse.Namespace) -> str:
    """Perform a control command and return what to print."""
    result, text = COMMANDS[args.command](args)
    return json.dumps(result, indent=2) if args.json else text


async def serve(host: str, port: int, tls: bool = False) -> None:
    from sandbox.seed import fresh_tenant
    from sandbox.server import start_sandbox

    handle = await start_sandbox(host, port, tenant=fresh_tenant(), tls=tls)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    print(f"sandbox tenant {handle.tenant.tenant_id} listening on {handle.url}")
    print(f"  Graph:   {handle.url}/v1.0  (and /beta)")
    print(f"  Control: {handle.url}/_sandbox/state")
    print(f"  Entra:   {handle.authority}  (MSAL authority; MSAL needs --tls)")
    print(f"  Managed identity: IDENTITY_ENDPOINT={handle.identity_endpoint}")
    print(f"  Bot token service: BOT_TOKEN_SERVICE_URL={handle.url}")
    if handle.ca_file:
        print(f"  Trust:   {handle.ca_file}  (e.g. SSL_CERT_FILE for this CLI)")
    print(end="", flush=True)
    try:
        await stop.wait()
    finally:
        await handle.close()


def write_config(directory: str, bot_name: str) -> str:
    """Give the Playground this tenant's id, people and the bot's identity."""
    from pathlib import Path

    from sandbox.playground_config import write_playground_config
    from sandbox.seed import BOT_APP_ID, TENANT_ID

    path = write_playground_config(
        Path(directory), tenant_id=TENANT_ID, bot_id=BOT_APP_ID, bot_name=bot_name
    )
    return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    from sandbox.cli_args import build_parser

    args = build_parser(os.environ.get("SANDBOX_URL") or DEFAULT_URL, DEFAULT_PORT).parse_args(argv)
    try:
        if args.command == "serve":
            asyncio.run(serve(args.host, args.port, args.tls))
            return 0
        if args.command == "playground-config":
            print(write_config(args.directory, args.bot_name))
            return 0
        print(run_command(args))
        return 0
    except CliError as failure:
        print(f"sandbox: {failure}", file=sys.stderr)
        return failure.status
    except OSError as failure:
        print(
            f"sandbox: cannot serve on {args.host}:{args.port}: {failure.strerror}", file=sys.stderr
        )
        return 2
