"""Token endpoint refusals, shaped like Entra's so MSAL and the bot read them as real ones.

Entra answers every failure with ``error`` (the OAuth code), an
``error_description`` starting with ``AADSTSnnnn:`` and ending with trace,
correlation and time lines, and the number again in ``error_codes``. Code
that branches on the AADSTS number (consent required, bad secret) can only be
tested against the same shape.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


class IdentityError(Exception):
    """A refused token request: HTTP status, OAuth error, AADSTS number and message."""

    def __init__(
        self,
        status: int,
        error: str,
        code: int,
        message: str,
        *,
        suberror: str | None = None,
    ) -> None:
        super().__init__(f"AADSTS{code}: {message}")
        self.status = status
        self.error = error
        self.code = code
        self.message = message
        self.suberror = suberror

    def body(self, now: float, correlation_id: str | None = None) -> dict[str, Any]:
        trace_id = str(uuid.uuid4())
        correlation_id = correlation_id or str(uuid.uuid4())
        stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        body: dict[str, Any] = {
            "error": self.error,
            "error_description": (
                f"AADSTS{self.code}: {self.message} Trace ID: {trace_id} "
                f"Correlation ID: {correlation_id} Timestamp: {stamp}"
            ),
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }
        if self.suberror:
            body["suberror"] = self.suberror
        return body


def invalid_request(code: int, message: str) -> IdentityError:
    return IdentityError(400, "invalid_request", code, message)


def invalid_grant(code: int, message: str, *, suberror: str | None = None) -> IdentityError:
    return IdentityError(400, "invalid_grant", code, message, suberror=suberror)


def missing_parameter(name: str) -> IdentityError:
    return invalid_request(
        900144, f"The request body must contain the following parameter: '{name}'."
    )
