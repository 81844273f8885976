"""The one typed settings object, read once at start from the environment and `.env`.

This is the only module that reads ``os.environ`` (through pydantic-settings):
everything else receives a ``Settings`` instance from the composition root.

Longer than 300 lines on purpose: one model keeps every setting beside its
bounds and its documentation, and validates them together at start.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.clouds import CLOUDS, LOCAL_HOSTS, Cloud, CloudName, inconsistent_hosts
from config.credentials import (
    CertificateError,
    ClientCertificate,
    CredentialKind,
    read_client_certificate,
)

PUBLIC_GRAPH_URL = "https://graph.microsoft.com"
PUBLIC_AUTHORITY_HOST = "https://login.microsoftonline.com"
MAX_REMINDER_HOURS = 24 * 90
"""Upper bound of every reminder and escalation duration, globally and per destination."""
MAX_ESCALATE_AFTER_REMINDERS = 50
MAX_WORKERS = 16
"""Upper bound of ``WORKERS``: more processes than cores only add memory and contention."""
WORKER_VARIABLE = "CONSENT_DESK_WORKER"
"""Set by the supervisor in each worker process it starts: which worker it is (1..WORKERS)."""


class Mode(StrEnum):
    """How the bot authenticates and which tenant it talks to."""

    SANDBOX = "sandbox"
    PRODUCTION = "production"


class ApprovalMode(StrEnum):
    """Whose rights make the grant: the bot's own (app-only) or the reviewer's (delegated)."""

    APP_ONLY = "app_only"
    DELEGATED = "delegated"


class Settings(BaseSettings):
    """Every knob the bot has; names match the environment variables (case-insensitive)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    host: str = Field(default="127.0.0.1", description="Interface the bot listens on.")
    port: int = Field(default=3978, ge=1, le=65535)
    workers: int = Field(
        default=1,
        ge=1,
        le=MAX_WORKERS,
        description="Processes serving PORT together (SO_REUSEPORT) under one supervisor; the "
        "scheduled jobs run in one of them at a time. 1 (the default) is one plain process.",
    )
    worker_index: int | None = Field(
        default=None,
        ge=1,
        le=MAX_WORKERS,
        validation_alias=AliasChoices(WORKER_VARIABLE.lower()),
        description="Which worker this process is; set by the supervisor, never by hand.",
    )
    graph_base_url: str = Field(
        default=PUBLIC_GRAPH_URL,
        description="Microsoft Graph root without the version segment.",
    )
    authority_host: str = Field(default=PUBLIC_AUTHORITY_HOST)
    cloud: CloudName = Field(
        default=CloudName.PUBLIC,
        description="Microsoft cloud of the tenant: public, usgov, usgovdod or china; picks "
        "the Graph, sign-in and Bot Framework endpoints unless GRAPH_BASE_URL or "
        "AUTHORITY_HOST say otherwise.",
    )
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    client_certificate_path: Path | None = Field(
        default=None,
        description="PEM file with the private key and the certificate (or a .pfx/.p12), "
        "instead of CLIENT_SECRET.",
    )
    client_certificate_password: SecretStr | None = None
    use_managed_identity: bool = Field(
        default=False,
        description="Authenticate as the user-assigned managed identity whose client id is "
        "CLIENT_ID, instead of a secret or certificate (Azure hosting only).",
    )
    approval_mode: ApprovalMode = Field(
        default=ApprovalMode.APP_ONLY,
        description="app_only: the bot grants with its own Graph permissions; delegated: the "
        "reviewer signs in (Teams SSO) and the grant is made on their behalf.",
    )
    oauth_connection_name: str = Field(
        default="ConsentDeskSSO",
        description="Name of the OAuth connection on the Azure Bot resource used for the "
        "reviewers' single sign-on in delegated approval mode.",
    )
    bot_openid_metadata_url: str | None = Field(
        default=None,
        description="OpenID metadata naming the issuer and signing keys of the Bot Framework "
        "tokens on /api/messages; the CLOUD's if unset (public: "
        "https://login.botframework.com/v1/.well-known/openidconfiguration).",
    )
    bot_token_service_url: str | None = Field(
        default=None,
        description="The Bot Framework token service of the OAuth connection (sign-in links "
        "and user tokens in delegated mode); the CLOUD's if unset (public: "
        "https://token.botframework.com).",
    )
    allow_unsigned_activities_dangerous: bool = Field(
        default=False,
        description="With real credentials, accept activities WITHOUT a Bot Framework token; "
        "for local debugging only, refused unless HOST is 127.0.0.1, ::1 or localhost.",
    )
    allowed_caller_app_ids: str = Field(
        default="",
        description="Comma-separated app ids of other agents whose Entra-issued tokens "
        "/api/messages accepts (agent-to-agent); empty, the default, admits the Bot Framework "
        "channel only. Their tokens must still carry a serviceurl claim matching the activity.",
    )
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
    sign_in_log_poll_seconds: float = Field(
        default=300,
        gt=0,
        description="How often Entra's sign-in log is read for attempts consent stopped, while "
        "an admin has switched proactive help on (nothing is read while it is off).",
    )
    sign_in_retention_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="Days the bot keeps the attempts it read from the sign-in log, and when it "
        "offered help; older rows are deleted.",
    )
    proactive_help_period_days: int = Field(
        default=7,
        ge=1,
        le=365,
        description="At most one unasked message per person and app within this many days.",
    )
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
    teams_developer_name: str = Field(
        default="Consent Desk",
        max_length=32,
        description="Developer shown on the Teams app's details page (usually your organisation).",
    )
    teams_developer_url: str | None = Field(
        default=None,
        description="https page about the app for your users (the Teams app's website, privacy "
        "and terms links); needed only to build the Teams app package.",
    )
    log_level: str = "INFO"
    log_format: str = Field(
        default="text",
        description="text for people at a terminal, json (one object per line) for containers.",
    )
    shutdown_grace_seconds: float = Field(
        default=10,
        ge=0,
        le=300,
        description="On SIGTERM, how long work in flight may take to finish before it is cut.",
    )
    config_file: Path | None = Field(
        default=None,
        description="TOML file that seeds destinations, rules and lists at first start "
        "(see config/consent-desk.example.toml); empty for none. Once the database holds "
        "configuration the database wins and the file is ignored.",
    )

    @model_validator(mode="before")
    @classmethod
    def _hosts_from_cloud(cls, data: object) -> object:
        """Graph and sign-in hosts not given explicitly come from ``CLOUD``."""
        if not isinstance(data, dict):
            return data
        try:
            cloud = CLOUDS[CloudName(str(data.get("cloud") or CloudName.PUBLIC).strip().lower())]
        except ValueError:
            return data  # the field validator names the bad value
        filled = dict(data)
        if not filled.get("graph_base_url"):
            filled["graph_base_url"] = cloud.graph_url
        if not filled.get("authority_host"):
            filled["authority_host"] = cloud.authority_host
        return filled

    @field_validator("cloud", mode="before")
    @classmethod
    def _cloud_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _hosts_match_cloud(self) -> Settings:
        mismatched = inconsistent_hosts(
            self.cloud_profile,
            graph_base_url=self.graph_base_url,
            authority_host=self.authority_host,
        )
        if mismatched:
            raise ValueError(
                f"CLOUD={self.cloud.value} does not match {', '.join(mismatched)}: a tenant's "
                "Graph and sign-in hosts come from one cloud; fix CLOUD or remove the override"
            )
        return self

    @property
    def cloud_profile(self) -> Cloud:
        """The endpoints of the configured cloud."""
        return CLOUDS[self.cloud]

    @field_validator("graph_base_url", "authority_host")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        return absolute_http_url(value)

    @field_validator("teams_developer_url", mode="before")
    @classmethod
    def _https_page(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        url = str(value).strip()
        if urlsplit(url).scheme != "https" or not urlsplit(url).netloc:
            raise ValueError(f"TEAMS_DEVELOPER_URL: must be an absolute https URL, got {url!r}")
        return url

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

    @field_validator("allowed_caller_app_ids")
    @classmethod
    def _caller_app_ids(cls, value: str) -> str:
        from domain.object_ids import is_object_id

        for item in (part.strip() for part in value.split(",")):
            if item and not is_object_id(item):
                raise ValueError(f"ALLOWED_CALLER_APP_IDS: {item!r} is not an app (client) id")
        return value

    @property
    def allowed_callers(self) -> tuple[str, ...]:
        """App ids of the agents allowed to post with Entra tokens (none by default)."""
        return tuple(
            part.strip().lower() for part in self.allowed_caller_app_ids.split(",") if part.strip()
        )

    @property
    def admin_groups(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.admin_group_ids.split(",") if part.strip())

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        log_format = value.strip().lower()
        if log_format not in {"text", "json"}:
            raise ValueError("must be text or json")
        return log_format

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @model_validator(mode="after")
    def _outreach_remembered_for_its_period(self) -> Settings:
        """Who was offered help is forgotten after the retention: it must outlast the period,
        or someone could be messaged twice within it."""
        if self.proactive_help_period_days > self.sign_in_retention_days:
            raise ValueError(
                f"PROACTIVE_HELP_PERIOD_DAYS={self.proactive_help_period_days} is longer than "
                f"SIGN_IN_RETENTION_DAYS={self.sign_in_retention_days}: the bot would forget "
                "whom it offered help before the period ends"
            )
        return self

    @model_validator(mode="after")
    def _business_hours_valid(self) -> Settings:
        from domain.business_hours import BusinessHours

        BusinessHours.parse(self.business_days, self.business_hours, self.business_timezone)
        return self

    @field_validator("client_certificate_path", mode="before")
    @classmethod
    def _optional_path(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _credentials_complete(self) -> Settings:
        kinds = self.credential_kinds_given
        given = {"CLIENT_ID": self.client_id, "TENANT_ID": self.tenant_id}
        present = [name for name, value in given.items() if value]
        if not present and not kinds:
            return self
        missing = [name for name, value in given.items() if not value]
        if not kinds:
            missing.append(
                "a credential (CLIENT_SECRET, CLIENT_CERTIFICATE_PATH or USE_MANAGED_IDENTITY)"
            )
        if missing:
            named = ", ".join(present + [_SETTING_OF[kind] for kind in kinds]) or "nothing"
            raise ValueError(
                f"incomplete Microsoft credentials: {named} set but {', '.join(missing)} "
                "missing (set them all for production, none for sandbox mode)"
            )
        if len(kinds) > 1:
            raise ValueError(
                f"{' and '.join(_SETTING_OF[kind] for kind in kinds)} are both set: "
                "configure exactly one credential"
            )
        if kinds[0] is CredentialKind.CERTIFICATE:
            self.client_certificate()
        if (
            self.approval_mode is ApprovalMode.DELEGATED
            and kinds[0] is CredentialKind.MANAGED_IDENTITY
        ):
            raise ValueError(
                "APPROVAL_MODE=delegated needs CLIENT_SECRET or CLIENT_CERTIFICATE_PATH: a "
                "managed identity cannot act on behalf of a reviewer"
            )
        return self

    @property
    def credential_kinds_given(self) -> list[CredentialKind]:
        kinds = []
        if self.client_secret is not None and self.client_secret.get_secret_value():
            kinds.append(CredentialKind.CLIENT_SECRET)
        if self.client_certificate_path is not None:
            kinds.append(CredentialKind.CERTIFICATE)
        if self.use_managed_identity:
            kinds.append(CredentialKind.MANAGED_IDENTITY)
        return kinds

    @property
    def credential_kind(self) -> CredentialKind | None:
        """The configured credential; None in sandbox mode."""
        kinds = self.credential_kinds_given
        return kinds[0] if kinds else None

    def client_certificate(self) -> ClientCertificate:
        """The certificate credential, read and checked (CertificateError names the problem)."""
        if self.client_certificate_path is None:
            raise CertificateError("CLIENT_CERTIFICATE_PATH is not set")
        password = self.client_certificate_password
        return read_client_certificate(
            self.client_certificate_path, password.get_secret_value() if password else None
        )

    @field_validator("bot_openid_metadata_url", "bot_token_service_url", mode="before")
    @classmethod
    def _optional_bot_framework_url(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return absolute_http_url(str(value).strip())

    @model_validator(mode="after")
    def _unsigned_activities_only_locally(self) -> Settings:
        if self.allow_unsigned_activities_dangerous and self.host not in LOCAL_HOSTS:
            raise ValueError(
                f"ALLOW_UNSIGNED_ACTIVITIES_DANGEROUS lets anyone who reaches the bot act as any "
                f"user; it is refused with HOST={self.host} (only 127.0.0.1, ::1 or localhost)"
            )
        return self

    @model_validator(mode="after")
    def _bot_framework_overrides_match_cloud(self) -> Settings:
        for name in ("bot_openid_metadata_url", "bot_token_service_url"):
            url = getattr(self, name)
            if url and not self.cloud_profile.owns(url):
                raise ValueError(
                    f"CLOUD={self.cloud.value} does not match {name.upper()}={url}; fix CLOUD "
                    "or remove the override"
                )
        return self

    @model_validator(mode="after")
    def _workers_share_what_they_need(self) -> Settings:
        """Several workers need one store and one tenant they all reach, and no state that
        lives in one process's memory between two requests (delegated sign-ins do)."""
        if self.workers == 1:
            return self
        if self.approval_mode is ApprovalMode.DELEGATED:
            raise ValueError(
                f"WORKERS={self.workers} cannot be used with APPROVAL_MODE=delegated: a "
                "reviewer's token is kept in the memory of the worker they signed in to, and "
                "the decision may be carried out by another; set WORKERS=1 (run replicas "
                "instead) or use APPROVAL_MODE=app_only"
            )
        if self.runs_embedded_sandbox:
            raise ValueError(
                f"WORKERS={self.workers} needs one sandbox tenant all workers share: start it "
                "with `./run sandbox serve --port 3980` and set "
                "GRAPH_BASE_URL=http://127.0.0.1:3980, or set WORKERS=1"
            )
        if _in_memory_sqlite(self.effective_database_url):
            raise ValueError(
                f"WORKERS={self.workers} needs a store all workers share; an in-memory SQLite "
                "database lives in one process: use a file or PostgreSQL in DATABASE_URL"
            )
        return self

    @property
    def accepts_unsigned_activities(self) -> bool:
        """Sandbox mode always; with credentials only when explicitly, dangerously allowed."""
        return self.mode is Mode.SANDBOX or self.allow_unsigned_activities_dangerous

    @property
    def effective_bot_openid_metadata_url(self) -> str:
        return self.bot_openid_metadata_url or self.cloud_profile.bot_openid_metadata_url

    @property
    def effective_bot_token_service_url(self) -> str:
        return self.bot_token_service_url or self.cloud_profile.bot_oauth_url

    @property
    def entra_openid_metadata_urls(self) -> tuple[str, ...]:
        """The tenant's v2.0 and v1 OpenID metadata on AUTHORITY_HOST (empty without a tenant)."""
        if not self.tenant_id:
            return ()
        tenant = f"{self.authority_host}/{self.tenant_id}"
        return (
            f"{tenant}/v2.0/.well-known/openid-configuration",
            f"{tenant}/.well-known/openid-configuration",
        )

    @property
    def mode(self) -> Mode:
        """Sandbox mode whenever no Microsoft credentials are configured."""
        return Mode.PRODUCTION if self.client_id else Mode.SANDBOX

    @property
    def runs_embedded_sandbox(self) -> bool:
        """In sandbox mode the tenant runs in-process unless Graph points elsewhere."""
        return self.mode is Mode.SANDBOX and self.graph_base_url == self.cloud_profile.graph_url

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'consent-desk.db').as_posix()}"


_SETTING_OF = {
    CredentialKind.CLIENT_SECRET: "CLIENT_SECRET",
    CredentialKind.CERTIFICATE: "CLIENT_CERTIFICATE_PATH",
    CredentialKind.MANAGED_IDENTITY: "USE_MANAGED_IDENTITY",
}


def absolute_http_url(value: str) -> str:
    """``value`` without a trailing slash; ValueError unless it is an absolute http(s) URL."""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"must be an absolute http(s) URL, got {value!r}")
    return value.rstrip("/")


def _in_memory_sqlite(database_url: str) -> bool:
    if not database_url.startswith("sqlite"):
        return False
    database = database_url.partition("://")[2]
    return database in {"", "/"} or ":memory:" in database or "mode=memory" in database


def worker_environment(index: int) -> dict[str, str]:
    """The environment of worker ``index``: this process's, plus which worker it is."""
    return {**os.environ, WORKER_VARIABLE: str(index)}


def load_settings() -> Settings:
    """Read settings once; raises pydantic's ValidationError naming every bad field."""
    return Settings()
