"""msgraph-sdk's errors, recognised without importing the SDK at start.

Any ``msgraph`` import loads the whole SDK, httpx included (about half a
second), so modules that only need to recognise its ``ODataError`` (or httpx's
``HTTPError``) must not import them at the top:

- ``except odata_error() as error:`` -- Python evaluates an except clause's
  expression only when an exception reaches it, so the SDK is imported then,
  and by that time a Graph call has loaded it anyway;
- ``is_odata_error(error)`` -- when the SDK was never imported, no error can
  be one of its errors, so the answer needs no import at all
  (``graph_call_failures`` and ``is_graph_call_failure`` likewise, with httpx's).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeGuard

if TYPE_CHECKING:
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

ODATA_ERROR_MODULE = "msgraph.generated.models.o_data_errors.o_data_error"


def odata_error() -> type[ODataError]:
    """The SDK's ``ODataError`` class, imported on the first call."""
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    error_type: type[ODataError] = ODataError
    return error_type


def is_odata_error(error: BaseException) -> TypeGuard[ODataError]:
    """Whether ``error`` is the SDK's ``ODataError``; never imports the SDK."""
    module = sys.modules.get(ODATA_ERROR_MODULE)
    return module is not None and isinstance(error, module.ODataError)


def graph_call_failures() -> tuple[type[Exception], ...]:
    """What a Graph call through the SDK raises when Graph refuses it or cannot be reached.

    For ``except graph_call_failures():`` (imported when an exception reaches the clause).
    """
    import httpx

    return (odata_error(), httpx.HTTPError)


def is_graph_call_failure(error: BaseException) -> bool:
    """Whether ``error`` is one of ``graph_call_failures``; never imports the SDK or httpx."""
    transport = sys.modules.get("httpx")
    return is_odata_error(error) or (
        transport is not None and isinstance(error, transport.HTTPError)
    )
