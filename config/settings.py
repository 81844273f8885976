"""The one typed settings object, read once at start from the environment and `.env`.

This is the only module that reads ``os.environ`` (through pydantic-settings):
everything else receives a ``Settings`` instance from the composition root.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PUBLIC_GRAPH_URL = "https://graph.microsoft.com"
PUBLIC_AUTHORITY_HOST = "https://login.microsoftonline.com"
MAX_REMINDER_HOURS = 24 * 90
"""Upper bound of every reminder and escalation duration, globally and per destination."""
MAX_ESCALATE_AFTER_REMINDERS = 50


class Mode(StrEnum):
    """How the bot authenticates and which tenant it talks to."""

    SANDBOX = "sandbox"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every knob the bot has; names match the environment variables (case-insensitive)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    host: str = Field(default="127.0.0.1", description="Interface the bot listens on.")
    port: int = Field(default=3978, ge=1, le=65535)
    graph_base_url: str = Field(
        default=PUBLIC_GRAPH_URL,
        description="Microsoft Graph root without the version segment.",
    )
    authority_host: str = Field(default=PUBLIC_AUTHORITY_HOST)
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; a SQLite file in DATA_DIR if unset."
    )
    poll_interval_seconds: float = Field(default=30, gt=0)
    requester_refresh_seconds: float = Field(
        default=300, gt=0, description="How often pending requests are checked for new requesters."
    )
    delivery_interval_seconds: float = Field(default=1, gt=0)
    reminder_first_after_hours: float = Field(default=24, gt=0, le=MAX_REMINDER_HOURS)
    reminder_every_hours: float = Field(default=24, gt=0, le=MAX_REMINDER_HOURS)
    digest_threshold: int = Field(
        default=5, ge=1, description="More new requests than this in one poll become a digest."
    )
    escalate_after_reminders: int = Field(default=3, ge=1, le=MAX_ESCALATE_AFTER_REMINDERS)
    escalate_before_expiry_hours: float = Field(default=24, ge=0, le=MAX_REMINDER_HOURS)
    admin_group_ids: str = Field(
        default="",
        description="Comma-separated ids of Entra groups whose members may configure the bot, "
        "besides the Global, Privileged Role, Cloud Application and Application Administrators.",
    )
    business_days: str = "Mon-Fri"
    business_hours: str = "09:00-17:00"
    business_timezone: str = "UTC"
    sandbox_port: int = Field(
        default=3980, ge=0, le=65535, description="Port of the in-process sandbox tenant."
    )
    bot_name: str = "Consent Desk"
    teams_app_id: str | None = Field(
        default=None, description="The id in the Teams app manifest (to open 1:1 chats)."
    )
    teams_service_url: str | None = Field(
        default=None,
        description="Bot Connector URL for 1:1 notices to users the bot never talked to; "
        "defaults to the review destination's.",
    )
    log_level: str = "INFO"
    config_file: Path | None = Field(
        default=None,
        description="TOML file that seeds destinations, rules and lists at first start "
        "(see config/consent-desk.example.toml); empty for none. Once the database holds "
        "configuration the database wins and the file is ignored.",
    )

    @field_validator("graph_base_url", "authority_host")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        return absolute_http_url(value)

    @field_validator("config_file", mode="before")
    @classmethod
    def _config_file(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        path = Path(value.strip() if isinstance(value, str) else str(value))
        if not path.is_file():
            raise ValueError(f"CONFIG_FILE: no such file: {path}")
        return path

    @field_validator("admin_group_ids")
    @classmethod
    def _group_ids(cls, value: str) -> str:
        for item in (part.strip() for part in value.split(",")):
            if item and not all(c.isalnum() or c == "-" for c in item):
                raise ValueError(f"ADMIN_GROUP_IDS: {item!r} is not a group object id")
        return value

    @property
    def admin_groups(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.admin_group_ids.split(",") if part.strip())

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @model_validator(mode="after")
    def _business_hours_valid(self) -> Settings:
        from bot.business_hours import BusinessHours

        BusinessHours.parse(self.business_days, self.business_hours, self.business_timezone)
        return self

    @model_validator(mode="after")
    def _credentials_complete(self) -> Settings:
        given = {
            "CLIENT_ID": self.client_id,
            "CLIENT_SECRET": self.client_secret,
            "TENANT_ID": self.tenant_id,
        }
        present = [name for name, value in given.items() if value]
        if present and len(present) != len(given):
            missing = ", ".join(name for name, value in given.items() if not value)
            raise ValueError(
                f"incomplete Microsoft credentials: {', '.join(present)} set but {missing} "
                "missing (set all three for production, none for sandbox mode)"
            )
        return self

    @property
    def mode(self) -> Mode:
        """Sandbox mode whenever no Microsoft credentials are configured."""
        return Mode.PRODUCTION if self.client_id else Mode.SANDBOX

    @property
    def runs_embedded_sandbox(self) -> bool:
        """In sandbox mode the tenant runs in-process unless Graph points elsewhere."""
        return self.mode is Mode.SANDBOX and self.graph_base_url == PUBLIC_GRAPH_URL

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'consent-desk.db').as_posix()}"


def absolute_http_url(value: str) -> str:
    """``value`` without a trailing slash; ValueError unless it is an absolute http(s) URL."""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"must be an absolute http(s) URL, got {value!r}")
    return value.rstrip("/")


def load_settings() -> Settings:
    """Read settings once; raises pydantic's ValidationError naming every bad field."""
    return Settings()
