"""Graph's errors are recognised without importing msgraph-sdk until a Graph call has.

The SDK costs about half a second to import, so code that only needs to tell
its ``ODataError`` (or httpx's ``HTTPError``) from other failures must not load
it: when the SDK was never imported, no error can be one of its errors.
"""

from __future__ import annotations

import sys

import httpx
import pytest
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from bot.graph.sdk_errors import (
    ODATA_ERROR_MODULE,
    graph_call_failures,
    is_graph_call_failure,
    is_odata_error,
    odata_error,
)


def test_the_sdks_errors_are_recognised() -> None:
    refused = ODataError()
    refused.response_status_code = 403
    assert is_odata_error(refused)
    assert is_graph_call_failure(refused)
    assert is_graph_call_failure(httpx.ConnectError("no route"))
    assert not is_odata_error(httpx.ConnectError("no route"))
    assert not is_graph_call_failure(ValueError("a bug"))
    assert odata_error() is ODataError
    assert graph_call_failures() == (ODataError, httpx.HTTPError)


def test_an_except_clause_catches_only_the_sdks_errors() -> None:
    def fail(error: Exception) -> str:
        try:
            raise error
        except odata_error() as caught:
            return f"graph {caught.response_status_code}"
        except Exception:
            return "other"

    refused = ODataError()
    refused.response_status_code = 404
    assert fail(refused) == "graph 404"
    assert fail(KeyError("x")) == "other"


def test_nothing_is_imported_to_say_an_error_is_not_the_sdks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, ODATA_ERROR_MODULE)
    monkeypatch.delitem(sys.modules, "httpx")
    assert not is_odata_error(RuntimeError("no Graph call yet"))
    assert not is_graph_call_failure(OSError("no Graph call yet"))
    assert ODATA_ERROR_MODULE not in sys.modules
    assert "httpx" not in sys.modules
