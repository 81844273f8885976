"""Refusals raised by tenant operations, independent of the surface that reports them.

The Graph routes turn them into OData error bodies and the control surface into
``{"error": ...}``; both keep the status, so a rule such as "one pending request
per user and app" is written once and answers 409 everywhere.
"""

from __future__ import annotations


class SandboxError(Exception):
    """A request the tenant refuses, with the HTTP status and Graph error code to use."""

    status = 400
    code = "BadRequest"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequest(SandboxError):
    status = 400
    code = "BadRequest"


class Unauthorized(SandboxError):
    status = 401
    code = "InvalidAuthenticationToken"


class Forbidden(SandboxError):
    status = 403
    code = "Forbidden"


class NotFound(SandboxError):
    status = 404
    code = "Request_ResourceNotFound"


class MethodNotAllowed(SandboxError):
    status = 405
    code = "Request_BadRequest"


class Conflict(SandboxError):
    status = 409
    code = "Conflict"


def missing(resource_id: str) -> NotFound:
    """The message Graph uses for an unknown directory object id."""
    return NotFound(
        f"Resource '{resource_id}' does not exist or one of its queried "
        "reference-property objects are not present."
    )
