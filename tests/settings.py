"""Settings made from a test's own values, never from a ``.env`` file on the machine."""

from __future__ import annotations

from config.settings import Settings


def settings_of(**values: object) -> Settings:
    """``Settings`` from ``values`` (field names, as the environment variables in lower case)."""
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]
