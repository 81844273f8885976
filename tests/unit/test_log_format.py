"""Log lines: JSON for collectors, text for people, the request id in both, secrets in neither."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest
from pydantic import ValidationError

from bot.infra.logging_setup import log_handler
from bot.infra.request_context import current_request_id
from tests.settings import settings_of

SECRET = "s3cr3t-Value~with.dots"


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    test_logger = logging.getLogger("tests.log_format")
    test_logger.setLevel(logging.DEBUG)
    test_logger.propagate = False
    yield test_logger
    test_logger.handlers.clear()


def capture(logger: logging.Logger, **values: object) -> io.StringIO:
    stream = io.StringIO()
    logger.handlers[:] = [log_handler(settings_of(**values), stream)]
    return stream


def test_json_line_has_level_logger_message_time_and_request_id(logger: logging.Logger) -> None:
    stream = capture(logger, log_format="json")
    token = current_request_id.set("req-42")
    try:
        logger.warning("card %s posted", 7)
    finally:
        current_request_id.reset(token)
    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["level"] == "WARNING"
    assert record["logger"] == "tests.log_format"
    assert record["message"] == "card 7 posted"
    assert record["request_id"] == "req-42"
    assert datetime.fromisoformat(record["time"]).tzinfo is not None


def test_json_line_outside_a_request_has_a_null_request_id(logger: logging.Logger) -> None:
    stream = capture(logger, log_format="JSON")
    logger.info("background pass")
    assert json.loads(stream.getvalue())["request_id"] is None


def test_json_exception_stays_on_one_line(logger: logging.Logger) -> None:
    stream = capture(logger, log_format="json")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("failed")
    [line] = stream.getvalue().splitlines()
    assert "RuntimeError: boom" in json.loads(line)["exception"]


def test_text_line_carries_the_request_id(logger: logging.Logger) -> None:
    stream = capture(logger)
    token = current_request_id.set("abc123")
    try:
        logger.info("hello")
    finally:
        current_request_id.reset(token)
    assert "INFO tests.log_format [abc123]: hello" in stream.getvalue()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_client_secret_and_bearer_tokens_are_masked(
    logger: logging.Logger, log_format: str
) -> None:
    stream = capture(
        logger,
        log_format=log_format,
        client_id="app",
        tenant_id="tenant",
        client_secret=SECRET,
    )
    logger.info("posting with %s", SECRET)
    logger.info("headers: {'Authorization': 'Bearer eyJ0eXAi.eyJhdWQi.c2ln'}")
    try:
        raise ValueError(f"token request with {SECRET} failed")
    except ValueError:
        logger.exception("sign-in failed")
    output = stream.getvalue()
    assert SECRET not in output
    assert "eyJ0eXAi" not in output
    assert "***" in output


def test_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValidationError, match="text or json"):
        settings_of(log_format="xml")
