"""The Teams app package: ids from the settings, clear refusals, and exactly three files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from bot.admin.command_table import Command, parse_command
from bot.hosting.teams_package import (
    MANIFEST_DIR,
    PackageRefused,
    generated_teams_app_id,
    main,
    package_values,
    project_version,
    render_manifest,
    write_package,
)
from config.settings import Settings
from domain.diagnosis.question import read_question
from tests.settings import settings_of

CLIENT_ID = "0b5c2b9e-58f1-4a8e-9d0a-3c1e2f4a5b6c"
DEVELOPER_URL = "https://it.contoso.example/consent-desk"
COMMAND_TITLE_LIMIT = 32
COMMAND_DESCRIPTION_LIMIT = 128
COMMANDS_PER_LIST_LIMIT = 10
"""Teams' documented limits on bot command menus (stricter than the schema's)."""


def _settings(**values: object) -> Settings:
    production = {
        "client_id": CLIENT_ID,
        "client_secret": "s3cr3t",
        "tenant_id": "c0ffee00-0000-4000-8000-000000000001",
        "teams_developer_url": DEVELOPER_URL,
    }
    return settings_of(**{**production, **values})


@pytest.mark.parametrize(
    ("cloud", "domain"),
    [
        ("public", "token.botframework.com"),
        ("usgov", "token.botframework.azure.us"),
        ("china", "token.botframework.azure.cn"),
    ],
)
def test_the_sign_in_page_of_the_clouds_token_service_may_open(cloud: str, domain: str) -> None:
    """Teams opens the sign-in button's page only on a domain the manifest lists."""
    values = package_values(_settings(cloud=cloud, bot_token_service_url=None), "1.0.0")
    assert render_manifest(values)["validDomains"] == [domain]


def test_ids_come_from_the_settings() -> None:
    values = package_values(_settings(teams_app_id="7E1D9C2A-4B3F-4E6D-8A1B-2C3D4E5F6A7B"), "1.0.0")
    manifest = render_manifest(values)
    assert manifest["id"] == "7e1d9c2a-4b3f-4e6d-8a1b-2c3d4e5f6a7b"
    assert manifest["version"] == "1.0.0"
    assert manifest["name"] == {
        "short": "Consent Desk",
        "full": "Consent Desk: admin consent requests from Microsoft Entra",
    }
    assert manifest["webApplicationInfo"] == {
        "id": CLIENT_ID,
        "resource": f"api://botid-{CLIENT_ID}",
    }
    bots = manifest["bots"]
    assert isinstance(bots, list)
    assert len(bots) == 1
    assert bots[0]["botId"] == CLIENT_ID
    assert set(bots[0]["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["developer"] == {
        "name": "Consent Desk",
        "websiteUrl": DEVELOPER_URL,
        "privacyUrl": DEVELOPER_URL,
        "termsOfUseUrl": DEVELOPER_URL,
    }
    assert "{{" not in json.dumps(manifest)


def test_without_teams_app_id_the_generated_id_is_stable_per_bot() -> None:
    first = package_values(_settings(), "1.0.0").teams_app_id
    assert first == package_values(_settings(), "1.0.0").teams_app_id
    assert first == generated_teams_app_id(CLIENT_ID.upper())
    other = "1a2b3c4d-0000-4000-8000-00000000abcd"
    assert package_values(_settings(client_id=other), "1.0.0").teams_app_id != first
    assert first not in {CLIENT_ID, other}


def test_a_bot_name_with_quotes_stays_valid_json() -> None:
    values = package_values(_settings(bot_name='IT "Consent" Desk'), "1.0.0")
    assert render_manifest(values)["name"] == {
        "short": 'IT "Consent" Desk',
        "full": 'IT "Consent" Desk: admin consent requests from Microsoft Entra',
    }


@pytest.mark.parametrize(
    ("settings", "version", "message"),
    [
        (
            {"client_id": None, "client_secret": None, "tenant_id": None},
            "1.0.0",
            "CLIENT_ID is not set",
        ),
        ({"client_id": "consent-desk-bot"}, "1.0.0", "is not a GUID"),
        ({"teams_app_id": "my-app"}, "1.0.0", "TEAMS_APP_ID 'my-app' is not a GUID"),
        ({"bot_name": "A" * 31}, "1.0.0", "BOT_NAME"),
        ({"teams_developer_url": ""}, "1.0.0", "TEAMS_DEVELOPER_URL is not set"),
        ({}, "1.0", "MAJOR.MINOR.PATCH"),
        ({}, "1.0.0-beta", "MAJOR.MINOR.PATCH"),
    ],
)
def test_refuses_what_teams_would_reject(
    settings: dict[str, object], version: str, message: str
) -> None:
    with pytest.raises(PackageRefused, match=message.replace("(", r"\(")):
        package_values(_settings(**settings), version)


def test_developer_url_must_be_https() -> None:
    with pytest.raises(ValueError, match="TEAMS_DEVELOPER_URL"):
        _settings(teams_developer_url="http://it.contoso.example/")


def test_the_zip_holds_exactly_the_manifest_and_the_two_icons(tmp_path: Path) -> None:
    values = package_values(_settings(), "2.0.1")
    out = write_package(values, tmp_path / "out" / "app.zip")
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest == render_manifest(values)
        assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
        for name in ("color.png", "outline.png"):
            assert archive.read(name) == (MANIFEST_DIR / name).read_bytes()


def test_the_same_settings_give_the_same_zip(tmp_path: Path) -> None:
    values = package_values(_settings(), "1.0.0")
    first = write_package(values, tmp_path / "a.zip").read_bytes()
    assert write_package(values, tmp_path / "b.zip").read_bytes() == first


def test_every_menu_command_is_one_the_bot_understands() -> None:
    manifest = render_manifest(package_values(_settings(), "1.0.0"))
    bots = manifest["bots"]
    assert isinstance(bots, list)
    lists = bots[0]["commandLists"]
    assert {scope for entry in lists for scope in entry["scopes"]} == {
        "personal",
        "team",
        "groupChat",
    }
    for entry in lists:
        assert len(entry["commands"]) <= COMMANDS_PER_LIST_LIMIT
        titles = [command["title"] for command in entry["commands"]]
        assert "help" in titles
        assert "why can't I connect" in titles
        for command in entry["commands"]:
            assert len(command["title"]) <= COMMAND_TITLE_LIMIT
            assert len(command["description"]) <= COMMAND_DESCRIPTION_LIMIT
            if parse_command(command["title"]) is Command.UNKNOWN:
                # Not a command: it must reach the "why can't I connect" diagnosis instead.
                assert read_question(command["title"]).looks_like_question, command["title"]


def test_default_version_is_the_project_version() -> None:
    version = project_version()
    assert package_values(_settings(), version).version == version


def test_main_prints_where_it_wrote_the_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    for name, value in {
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": "s3cr3t",
        "TENANT_ID": "c0ffee00-0000-4000-8000-000000000001",
        "TEAMS_DEVELOPER_URL": DEVELOPER_URL,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    out = tmp_path / "dist" / "teams.zip"
    assert main(["--out", str(out), "--app-version", "3.1.4"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out)
    assert f"TEAMS_APP_ID={generated_teams_app_id(CLIENT_ID)}" in captured.err
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("manifest.json"))["version"] == "3.1.4"


def test_main_refuses_without_client_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--out", str(tmp_path / "teams.zip")]) == 2
    assert "CLIENT_ID is not set" in capsys.readouterr().err
    assert not (tmp_path / "teams.zip").exists()
