"""The text a user copies from Entra's sign-in error page, and the authorize URL.

Users paste these into the bot. Entra's sentences change between releases and
languages; only the AADSTS code, the app id and the URL's ``client_id``/``scope``
are stable. So each rendering picks among a few wordings, labels and layouts at
random (seeded by the attempt's request id): a reader that depends on a
sentence breaks in tests, as it would in production.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from sandbox.clock import as_utc, graph_time
from sandbox.state.directory import User
from sandbox.state.registry import AppDefinition
from sandbox.state.sign_in import (
    APP_DISABLED,
    APPROVAL_REQUIRED,
    NEED_ADMIN_APPROVAL,
    REQUEST_PENDING,
    USER_NOT_ASSIGNED,
    Verdict,
)

NATIVE_CLIENT_REDIRECT = "https://login.microsoftonline.com/common/oauth2/nativeclient"

_MESSAGES = {
    "AADSTS90094": (
        "AADSTS90094: The grant requires admin permission.",
        "AADSTS90094: Admin consent is required for the permissions requested by this application.",
    ),
    "AADSTS90095": (
        "AADSTS90095: Admin consent is required for the permissions requested by this "
        "application. An admin consent request may be sent to the admin.",
        "AADSTS90095: This application needs permissions that only an admin can grant. A "
        "request for approval can be sent to an admin.",
    ),
    "AADSTS7000112": (
        "AADSTS7000112: Application '{app_id}'({name}) is disabled.",
        "AADSTS7000112: Application '{name}' ({app_id}) is disabled.",
    ),
    "AADSTS50105": (
        "AADSTS50105: Your administrator has configured the application {name} ('{app_id}') "
        "to block users unless they are specifically granted ('assigned') access to the "
        "application. The signed in user '{upn}' is blocked because they are not a direct "
        "member of a group with access, nor had access directly assigned by an "
        "administrator. Please contact your administrator to assign access to this "
        "application.",
        "AADSTS50105: The signed in user '{upn}' is not assigned to a role for the "
        "application '{app_id}'({name}).",
    ),
}
_TROUBLE = (
    "Sorry, but we're having trouble signing you in.",
    "We couldn't sign you in.",
)
_PAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    NEED_ADMIN_APPROVAL: (
        ("Need admin approval",),
        (
            "{name} needs permission to access resources in your organization that only an "
            "admin can grant. Please ask an admin to grant permission to this app before you "
            "can use it.",
            "{name} needs permission to access resources in your organisation that only an "
            "admin can grant. Ask an admin to grant permission to this app before you use it.",
            "Only an admin can give {name} the access it needs to your organization's "
            "resources. Please ask an admin to approve the app, then try again.",
        ),
    ),
    APPROVAL_REQUIRED: (
        ("Approval required",),
        (
            "{name} needs permission to access resources in your organization that only an "
            "admin can grant. Request approval from an admin to use this app.",
            "This app requires your admin's approval to access resources in your "
            "organization. Tell your admin why you need it and request approval.",
        ),
    ),
    REQUEST_PENDING: (
        ("Approval required", "Request pending"),
        (
            "You've already requested approval for {name}. Your request is pending; you'll be "
            "notified when an admin reviews it.",
            "A request to use {name} is already waiting for an admin's approval. You'll hear "
            "back once it has been reviewed.",
        ),
    ),
    APP_DISABLED: (("Sign in",), _TROUBLE),
    USER_NOT_ASSIGNED: (("Sign in",), _TROUBLE),
}
_FOOTERS = {
    NEED_ADMIN_APPROVAL: (
        "Have an admin account? Sign in with that account",
        "Return to the application without granting consent",
    ),
    APPROVAL_REQUIRED: (
        "Enter justification for requesting this app",
        "Request approval",
        "Return to the application without requesting approval",
    ),
    REQUEST_PENDING: ("Return to the application",),
}


@dataclass(frozen=True)
class Trace:
    """The ids Entra prints on every error page (none of them is the app's)."""

    request_id: str
    correlation_id: str
    timestamp: datetime

    def to_json(self) -> dict[str, str | None]:
        return {
            "requestId": self.request_id,
            "correlationId": self.correlation_id,
            "timestamp": graph_time(self.timestamp),
        }


def _publisher_line(app: AppDefinition, rng: random.Random) -> str:
    if app.verified_publisher is None:
        return rng.choice(("unverified", f"{app.publisher_name} (unverified)"))
    host = (app.homepage or "").split("//", 1)[-1].split("/", 1)[0].removeprefix("www.")
    return host or app.publisher_name


def _details(
    verdict: Verdict, message: str, app: AppDefinition, trace: Trace, rng: random.Random
) -> list[str]:
    stamp = as_utc(trace.timestamp).replace(tzinfo=None)
    iso = stamp.isoformat(timespec="milliseconds") + "Z"
    spaced = stamp.isoformat(sep=" ", timespec="seconds") + "Z"
    layout = rng.randrange(3)
    if layout == 0:
        return [
            "Troubleshooting details",
            "If you contact your administrator, send this info to them.",
            f"Request Id: {trace.request_id}",
            f"Correlation Id: {trace.correlation_id}",
            f"Timestamp: {iso}",
            f"Message: {message}",
            f"App name: {app.display_name}",
            f"App id: {app.app_id}",
        ]
    if layout == 1:
        return [
            "Error details",
            f"Error code: {verdict.aadsts}",
            f"Request ID: {trace.request_id}",
            f"Correlation ID: {trace.correlation_id}",
            f"Timestamp: {spaced}",
            message,
            f"Application: {app.display_name}",
            f"Application (client) ID: {app.app_id}",
        ]
    return [
        "More details",
        f"Request Id: {trace.request_id}",
        f"Correlation Id: {trace.correlation_id}",
        f"Timestamp: {iso}",
        f"App name: {app.display_name}",
        f"App id: {app.app_id}",
        f"Message: {message}",
        "Flag sign-in errors: Disabled",
    ]


def error_text(verdict: Verdict, app: AppDefinition, user: User, trace: Trace) -> str | None:
    """What the user copies from the error page; ``None`` when there is no error page."""
    code = verdict.aadsts
    if code is None:
        return None
    rng = random.Random(trace.request_id)
    names = {"name": app.display_name, "app_id": app.app_id, "upn": user.user_principal_name}
    message = rng.choice(_MESSAGES[code]).format(**names)
    titles, bodies = _PAGES[verdict.outcome]
    lines = [user.user_principal_name, rng.choice(titles)]
    if verdict.outcome in _FOOTERS:
        lines += [app.display_name, _publisher_line(app, rng)]
    lines.append(rng.choice(bodies).format(**names))
    if verdict.outcome == APPROVAL_REQUIRED and rng.random() < 0.5:
        lines.append("This app would like to:")
        lines += [
            f"- {s.definition.user_consent_display_name if s.definition else s.value}"
            for s in verdict.ungranted
        ]
    lines += _FOOTERS.get(verdict.outcome, ())
    lines.append("")
    lines += _details(verdict, message, app, trace, rng)
    return "\n".join(lines)


def consent_url(tenant_id: str, app: AppDefinition, verdict: Verdict, trace: Trace) -> str:
    """The authorize URL the app sends the user to (what the browser's address bar shows)."""
    query = {
        "client_id": app.app_id,
        "response_type": "code",
        "redirect_uri": app.reply_urls[0] if app.reply_urls else NATIVE_CLIENT_REDIRECT,
        "scope": " ".join(s.url_form for s in verdict.scopes),
        "state": random.Random(trace.correlation_id).randbytes(12).hex(),
    }
    encoded = urlencode(query, quote_via=quote, safe="")
    return f"https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/authorize?{encoded}"


def new_trace(now: datetime) -> Trace:
    """Fresh ids for one attempt (the sign-in log entry takes the same ones)."""
    return Trace(str(uuid.uuid4()), str(uuid.uuid4()), now)


def report(
    tenant_id: str,
    app: AppDefinition,
    user: User,
    verdict: Verdict,
    now: datetime,
    trace: Trace | None = None,
) -> dict[str, Any]:
    """The simulator's answer: the verdict, plus what the user sees and could paste."""
    trace = trace or new_trace(now)
    text = error_text(verdict, app, user, trace)
    return {
        "outcome": verdict.outcome,
        "aadsts": verdict.aadsts,
        "reasons": verdict.reasons,
        "errorText": text,
        "consentUrl": consent_url(tenant_id, app, verdict, trace),
        "appId": app.app_id,
        "appDisplayName": app.display_name,
        "user": user.user_principal_name,
        "scopes": [s.value for s in verdict.scopes],
        "ungrantedScopes": [s.value for s in verdict.ungranted],
        "appConsentRequestId": verdict.pending_request_id,
        "trace": trace.to_json() if text is not None else None,
    }
