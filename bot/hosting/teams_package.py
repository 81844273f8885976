"""``python -m bot.hosting.teams_package``: the Teams app package (zip) to upload to Teams.

Teams learns about the bot only through this zip: its manifest names the bot's
Entra app (``CLIENT_ID``) as bot and as SSO resource, and the Teams app id the
bot also needs at run time (``TEAMS_APP_ID``) to open 1:1 chats. Building it
from the same settings as the bot keeps the two from drifting apart. The
template and the icons live in ``manifest/``; only ids, names and the version
are filled in here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from config.settings import Settings, load_settings
from domain.object_ids import is_object_id

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_DIR = ROOT / "manifest"
TEMPLATE_NAME = "manifest.template.json"
ICON_NAMES = ("color.png", "outline.png")
DEFAULT_OUT = ROOT / "dist" / "consent-desk-teams-app.zip"
SHORT_NAME_LIMIT = 30
"""Teams' limit on ``name.short``, where BOT_NAME goes."""

_TEAMS_VERSION = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
_APP_ID_NAMESPACE = uuid.UUID("5d7c0f64-5c2e-4b8e-9a7e-2f0b8e1c6a41")
"""Fixed namespace so the generated Teams app id is the same on every build for one bot."""
_ZIP_TIMESTAMP = (2020, 1, 1, 0, 0, 0)
"""Fixed entry times: the same inputs give a byte-identical zip."""


class PackageRefused(Exception):
    """The settings cannot make a package Teams would accept; the message says what to fix."""


@dataclass(frozen=True)
class PackageValues:
    """What the template's placeholders are filled with."""

    client_id: str
    teams_app_id: str
    bot_name: str
    version: str
    developer_name: str
    developer_url: str
    sign_in_domain: str
    """The host of the cloud's Bot Framework token service: the sign-in button's page."""

    def placeholders(self) -> dict[str, str]:
        return {
            "CLIENT_ID": self.client_id,
            "TEAMS_APP_ID": self.teams_app_id,
            "BOT_NAME": self.bot_name,
            "APP_VERSION": self.version,
            "DEVELOPER_NAME": self.developer_name,
            "DEVELOPER_URL": self.developer_url,
            "PRIVACY_URL": self.developer_url,
            "TERMS_URL": self.developer_url,
            "SIGN_IN_DOMAIN": self.sign_in_domain,
        }


def generated_teams_app_id(client_id: str) -> str:
    """A Teams app id derived from the bot's client id, stable across builds."""
    return str(uuid.uuid5(_APP_ID_NAMESPACE, client_id.lower()))


def project_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The project's version, the manifest's default version."""
    with pyproject.open("rb") as file:
        version = tomllib.load(file)["project"]["version"]
    return str(version)


def package_values(settings: Settings, version: str) -> PackageValues:
    """Check the settings the manifest needs and collect them; PackageRefused if one is wrong."""
    client_id = (settings.client_id or "").strip()
    if not client_id:
        raise PackageRefused(
            "CLIENT_ID is not set: set it to the application (client) id of the bot's Entra "
            "app registration (with TENANT_ID and CLIENT_SECRET, as for running the bot)"
        )
    if not is_object_id(client_id):
        raise PackageRefused(
            f"CLIENT_ID {client_id!r} is not a GUID: use the application (client) id shown on "
            "the app registration's overview page, e.g. 00000000-0000-0000-0000-000000000000"
        )
    teams_app_id = (settings.teams_app_id or "").strip() or generated_teams_app_id(client_id)
    if not is_object_id(teams_app_id):
        raise PackageRefused(f"TEAMS_APP_ID {teams_app_id!r} is not a GUID")
    if not _TEAMS_VERSION.match(version):
        raise PackageRefused(f"version {version!r} is not MAJOR.MINOR.PATCH, e.g. 1.0.3")
    bot_name = settings.bot_name.strip()
    if not bot_name or len(bot_name) > SHORT_NAME_LIMIT:
        raise PackageRefused(
            f"BOT_NAME {bot_name!r} must be 1 to {SHORT_NAME_LIMIT} characters for Teams"
        )
    if not settings.teams_developer_url:
        raise PackageRefused(
            "TEAMS_DEVELOPER_URL is not set: Teams shows it as the app's website, privacy and "
            "terms links; set it to an https page about the bot for your users"
        )
    return PackageValues(
        client_id=client_id.lower(),
        teams_app_id=teams_app_id.lower(),
        bot_name=bot_name,
        version=version,
        developer_name=settings.teams_developer_name.strip(),
        developer_url=settings.teams_developer_url,
        sign_in_domain=urlsplit(settings.cloud_profile.bot_oauth_url).hostname or "",
    )


def _filled(node: object, values: dict[str, str]) -> object:
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], node)
    if isinstance(node, list):
        return [_filled(item, values) for item in node]
    if isinstance(node, dict):
        return {key: _filled(item, values) for key, item in node.items()}
    return node


def render_manifest(values: PackageValues, manifest_dir: Path = MANIFEST_DIR) -> dict[str, Any]:
    """The template with every ``{{PLACEHOLDER}}`` replaced (substituted inside JSON strings,
    so a name with quotes cannot break the document)."""
    template = json.loads((manifest_dir / TEMPLATE_NAME).read_text(encoding="utf-8"))
    manifest = _filled(template, values.placeholders())
    assert isinstance(manifest, dict)
    return manifest


def write_package(
    values: PackageValues, out: Path = DEFAULT_OUT, manifest_dir: Path = MANIFEST_DIR
) -> Path:
    """Write manifest.json and the two icons at the root of the zip ``out``."""
    manifest = json.dumps(render_manifest(values, manifest_dir), indent=2, ensure_ascii=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = [("manifest.json", manifest.encode("utf-8"))]
        entries += [(name, (manifest_dir / name).read_bytes()) for name in ICON_NAMES]
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.hosting.teams_package",
        description="Build the Teams app package (manifest.json and icons) from the settings.",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="zip file to write")
    parser.add_argument(
        "--app-version",
        help="manifest version, MAJOR.MINOR.PATCH; raise it for every upload that replaces "
        "an earlier package (default: the project version)",
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ValidationError as error:
        print(f"error: invalid settings: {error}", file=sys.stderr)
        return 2
    try:
        values = package_values(settings, args.app_version or project_version())
    except PackageRefused as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 2
    out = write_package(values, args.out)
    if not (settings.teams_app_id or "").strip():
        print(
            f"TEAMS_APP_ID is not set: the package uses {values.teams_app_id}; set "
            f"TEAMS_APP_ID={values.teams_app_id} for the bot too, so it can open 1:1 chats",
            file=sys.stderr,
        )
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
