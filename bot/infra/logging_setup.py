"""Log configuration. The first line a process writes names its mode.

Text lines are for people at a terminal; ``LOG_FORMAT=json`` writes one JSON
object per line for log collectors in containers. Either way every line
carries the request id of the HTTP request it was written for, and the client
secret and bearer tokens are masked, whatever a library chose to log. The
workers of ``WORKERS`` share one output, so each of their lines names its worker.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from bot.infra.request_context import current_request_id
from config.settings import Mode, Settings

NOISY_LOGGERS = ("microsoft_agents", "httpx", "apscheduler", "aiohttp.access")
"""Loggers held at WARNING: per-request or per-pass chatter (every background pass
schedules its next run, which APScheduler logs at INFO)."""


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
WORKER_TEXT_FORMAT = (
    "%(asctime)s %(levelname)s worker {worker} %(name)s [%(request_id)s]: %(message)s"
)
MASK = "***"
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+")


class Redactor:
    """Masks the given secret values and any bearer token in a piece of text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _BEARER.sub(f"Bearer {MASK}", text)


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being handled ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get() or "-"
        return True


class TextFormatter(logging.Formatter):
    def __init__(self, redact: Redactor, worker: int | None = None) -> None:
        super().__init__(
            TEXT_FORMAT if worker is None else WORKER_TEXT_FORMAT.format(worker=worker)
        )
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (+ worker, exception)."""

    def __init__(self, redact: Redactor, worker: int | None = None) -> None:
        super().__init__()
        self._redact = redact
        self._worker = worker

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self._redact(record.getMessage()),
            "request_id": None if request_id in (None, "-") else request_id,
        }
        if self._worker is not None:
            line["worker"] = self._worker
        if record.exc_info:
            line["exception"] = self._redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = self._redact(record.exc_text)
        if record.stack_info:
            line["stack"] = self._redact(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False)


def log_handler(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """The one handler every record goes through (stderr by default), as ``LOG_FORMAT`` says."""
    redact = Redactor(
        [
            secret.get_secret_value()
            for secret in (settings.client_secret, settings.client_certificate_password)
            if secret is not None
        ]
    )
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    formatter = JsonFormatter if settings.log_format == "json" else TextFormatter
    handler.setFormatter(formatter(redact, settings.worker_index))
    return handler


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, handlers=[log_handler(settings)], force=True)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


def announce_mode(settings: Settings, graph_url: str) -> None:
    logger = logging.getLogger("consent_desk")
    if settings.mode is Mode.SANDBOX:
        logger.warning(
            "SANDBOX MODE: no Microsoft credentials set; using the local tenant at %s, local "
            "tokens, and accepting UNSIGNED activities. Never expose this process to a network.",
            graph_url,
        )
    else:
        logger.info(
            "production mode: tenant %s, Graph at %s, %s credential, %s approvals",
            settings.tenant_id,
            graph_url,
            settings.credential_kind,
            settings.approval_mode.value.replace("_", "-"),
        )
    if settings.mode is Mode.PRODUCTION and settings.allow_unsigned_activities_dangerous:
        logger.warning(
            "ALLOW_UNSIGNED_ACTIVITIES_DANGEROUS: accepting UNSIGNED activities with REAL "
            "credentials for tenant %s; anyone who reaches %s:%s can act as any user. "
            "Local debugging only; unset it before anything else.",
            settings.tenant_id,
            settings.host,
            settings.port,
        )
