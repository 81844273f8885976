"""Log configuration. The first line a process writes names its mode."""

from __future__ import annotations

import logging

from config.settings import Mode, Settings

NOISY_LOGGERS = ("microsoft_agents", "httpx", "apscheduler.executors", "aiohttp.access")


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
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
        logger.info("production mode: tenant %s, Graph at %s", settings.tenant_id, graph_url)
