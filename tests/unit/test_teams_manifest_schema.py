"""The generated manifest against Microsoft's own Teams manifest schema, read offline.

The schema comes from the npm package ``@microsoft/app-manifest`` that ``./run test``
installs into ``.tools/``. A missing schema fails the test: a manifest that was
never validated must not look like one that passed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import validators
from referencing import Registry

from bot.hosting.teams_package import ROOT, PackageValues, render_manifest

SCHEMAS = ROOT / ".tools" / "node_modules" / "@microsoft" / "app-manifest" / "build"
SCHEMAS = SCHEMAS / "json-schemas" / "teams"
VALUES = PackageValues(
    client_id="0b5c2b9e-58f1-4a8e-9d0a-3c1e2f4a5b6c",
    teams_app_id="7e1d9c2a-4b3f-4e6d-8a1b-2c3d4e5f6a7b",
    bot_name="Consent Desk",
    version="1.2.3",
    developer_name="Contoso IT",
    developer_url="https://it.contoso.example/consent-desk",
    sign_in_domain="token.botframework.com",
)


def _schema_file(manifest: dict[str, Any]) -> Path:
    version = manifest["manifestVersion"]
    path = SCHEMAS / f"v{version}" / "MicrosoftTeams.schema.json"
    if not path.is_file():
        pytest.fail(
            f"the Teams manifest schema v{version} is not installed at {path}: run ./run test "
            "(it installs @microsoft/app-manifest into .tools/)"
        )
    return path


def test_manifest_is_valid_against_the_official_schema() -> None:
    manifest = render_manifest(VALUES)
    schema = json.loads(_schema_file(manifest).read_text(encoding="utf-8"))
    validator_class = validators.validator_for(schema)
    # Its patterns are ECMAScript (\p{L}), which Python's re cannot compile: check the
    # schema's structure, not its regexes, which parts of the manifest we use never reach.
    validator_class(validator_class.META_SCHEMA).validate(schema)
    # An empty registry: any $ref outside the schema file fails instead of going online.
    validator = validator_class(schema, registry=Registry())
    errors = [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator.iter_errors(manifest)
    ]
    assert errors == []


def test_manifest_declares_the_schema_it_is_checked_against() -> None:
    manifest = render_manifest(VALUES)
    version = manifest["manifestVersion"]
    assert isinstance(version, str)
    assert tuple(int(part) for part in version.split(".")) >= (1, 25)
    schema_url = manifest["$schema"]
    assert isinstance(schema_url, str)
    assert schema_url.endswith(f"/teams/v{version}/MicrosoftTeams.schema.json")
    # Draft 4 ignores "const", so the schema alone would accept any manifestVersion.
    schema = json.loads(_schema_file(manifest).read_text(encoding="utf-8"))
    assert schema["properties"]["manifestVersion"].get("const", version) == version


def test_the_schema_check_catches_a_broken_manifest() -> None:
    manifest = render_manifest(VALUES)
    schema = json.loads(_schema_file(manifest).read_text(encoding="utf-8"))
    validator = validators.validator_for(schema)(schema, registry=Registry())
    bots = manifest["bots"]
    assert isinstance(bots, list)
    broken = {**manifest, "accentColor": "blue", "bots": [{**bots[0], "botId": "not-a-guid"}]}
    paths = {"/".join(map(str, error.absolute_path)) for error in validator.iter_errors(broken)}
    assert {"accentColor", "bots/0/botId"} <= paths
