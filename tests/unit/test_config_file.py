"""The config file: the example is valid, and each mistake is named by file, table and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.admin.config_file import ConfigFileError, load_config
from config.settings import Settings
from domain.reminder_cadence import ReminderOverrides
from tests.settings import settings_of

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "consent-desk.example.toml"

VALID = """
[[destinations]]
name = "Reviews"
kind = "channel"
conversation_id = "19:reviews@thread.tacv2"
service_url = "https://smba.trafficmanager.net/emea/"

[[destinations]]
name = "Leads"
kind = "chat"
role = "escalation"
conversation_id = "19:leads@thread.v2"
service_url = "https://smba.trafficmanager.net/emea/"

[[rules]]
kind = "high_risk"
destination = "Reviews"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "consent-desk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_file_is_valid() -> None:
    plan = load_config(EXAMPLE)
    config = plan.config
    assert [d.name for d in config.destinations] == [
        "Security / App reviews",
        "IT / Everyday apps",
        "Security leads",
        "Escalations",
    ]
    assert [d.role for d in config.destinations] == ["review", "review", "escalation", "escalation"]
    assert [(r.kind, r.destination, r.approvals_required) for r in config.rules] == [
        ("high_risk", "Security / App reviews", 2),
        ("app", "Security / App reviews", 1),
        ("default", "IT / Everyday apps", 1),
    ]
    assert config.high_risk_scopes is not None
    assert "Mail.*" in config.high_risk_scopes
    assert [a.app_name for a in config.auto_approvals] == ["OneCal"]
    assert plan.reminders[1] == ReminderOverrides(
        first_after_hours=4,
        every_hours=8,
        business_days="mon-fri",
        business_hours="08:00-18:00",
        timezone="Europe/Paris",
        escalate_after_reminders=2,
    )
    assert plan.escalate_to == (None, "Security leads", None, None)
    assert plan.digest.startswith("sha256:")


def test_a_small_file_is_valid_and_defaults_apply(tmp_path: Path) -> None:
    plan = load_config(write(tmp_path, VALID))
    assert plan.config.high_risk_scopes is None
    assert plan.config.destinations[0].role == "review"
    assert plan.config.rules[0].approvals_required == 1
    assert plan.reminders == (ReminderOverrides(), ReminderOverrides())


MISTAKES = [
    ('kind = "channel"', 'kind = "team"', "[[destinations]] #1 'Reviews'", '"kind"'),
    ('name = "Reviews"', 'name = ""', "[[destinations]] #1", '"name"'),
    (
        'service_url = "https://smba.trafficmanager.net/emea/"\n\n[[destinations]]',
        'service_url = "smba.trafficmanager.net"\n\n[[destinations]]',
        "[[destinations]] #1 'Reviews'",
        '"service_url"',
    ),
    ('role = "escalation"', 'role = "boss"', "[[destinations]] #2 'Leads'", '"role"'),
    (
        'role = "escalation"',
        'role = "escalation"\nchannel_id = "19:x"',
        "[[destinations]] #2 'Leads'",
        '"channel_id"',
    ),
    (
        'kind = "channel"',
        'kind = "channel"\nreviewers = ["alex@example.com"]',
        "[[destinations]] #1 'Reviews'",
        '"reviewers"',
    ),
    (
        'kind = "channel"',
        'kind = "channel"\ncolour = "blue"',
        "[[destinations]] #1 'Reviews'",
        '"colour": unknown field',
    ),
    ('name = "Leads"', 'name = "reviews"', "[[destinations]] #2 'reviews'", '"name"'),
    (
        'conversation_id = "19:leads@thread.v2"',
        'conversation_id = "19:reviews@thread.tacv2"',
        "[[destinations]] #2 'Leads'",
        '"conversation_id"',
    ),
    ('destination = "Reviews"', 'destination = "Nobody"', "[[rules]] #1", '"destination"'),
    ('destination = "Reviews"', 'destination = "Leads"', "[[rules]] #1", '"destination"'),
    ('kind = "high_risk"', 'kind = "risky"', "[[rules]] #1", '"kind"'),
    ('kind = "high_risk"', 'kind = "app"', "[[rules]] #1", '"value"'),
    (
        'kind = "high_risk"',
        'kind = "app"\nvalue = "OneCal"',
        "[[rules]] #1",
        '"value"',
    ),
    (
        'destination = "Reviews"',
        'destination = "Reviews"\napprovals_required = 6',
        "[[rules]] #1",
        '"approvals_required"',
    ),
    (
        'destination = "Reviews"',
        'destination = "Reviews"\napprovals_required = "2"',
        "[[rules]] #1",
        '"approvals_required"',
    ),
]


@pytest.mark.parametrize(("old", "new", "table", "field"), MISTAKES)
def test_a_mistake_names_the_file_the_table_and_the_field(
    tmp_path: Path, old: str, new: str, table: str, field: str
) -> None:
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(ConfigFileError) as raised:
        load_config(path)
    message = str(raised.value)
    assert str(path) in message
    assert "nothing was seeded" in message
    [line] = [line for line in message.splitlines() if line.startswith("  - ")]
    assert line.startswith(f"  - {table}")
    assert f"field {field}" in line


@pytest.mark.parametrize(
    ("extra", "table", "field"),
    [
        ('high_risk_scopes = ["Mail.*", "not a scope"]\n', "top level", '"high_risk_scopes"'),
        ('colour = "blue"\n', "top level", '"colour"'),
    ],
)
def test_top_level_mistakes_are_named(tmp_path: Path, extra: str, table: str, field: str) -> None:
    with pytest.raises(ConfigFileError, match=rf"  - {table}, field {field}"):
        load_config(write(tmp_path, extra + VALID))


@pytest.mark.parametrize(
    ("reminders", "field"),
    [
        ("every_hours = 0", "reminders.every_hours"),
        ('first_after_hours = "soon"', "reminders.first_after_hours"),
        ('business_days = "weekdays"', "reminders.business_days"),
        ('business_hours = "17:00-09:00"', "reminders.business_hours"),
        ('timezone = "Mars/Olympus"', "reminders.timezone"),
        ("escalate_after_reminders = 0", "reminders.escalate_after_reminders"),
        ("escalate_before_expiry_hours = -1", "reminders.escalate_before_expiry_hours"),
        ('escalate_to = "Nobody"', "reminders.escalate_to"),
        ('escalate_to = "Reviews"', "reminders.escalate_to"),
        ("escalation_destination_id = 2", "reminders.escalation_destination_id"),
        ("snooze_hours = 3", "reminders.snooze_hours"),
    ],
)
def test_reminder_overrides_are_checked_as_in_chat(
    tmp_path: Path, reminders: str, field: str
) -> None:
    text = VALID.replace(
        '\n[[destinations]]\nname = "Leads"',
        f'\n[destinations.reminders]\n{reminders}\n\n[[destinations]]\nname = "Leads"',
    )
    with pytest.raises(ConfigFileError) as raised:
        load_config(write(tmp_path, text))
    [line] = [line for line in str(raised.value).splitlines() if line.startswith("  - ")]
    assert line.startswith(f"  - [[destinations]] #1 'Reviews', field \"{field}\"")


def test_reminder_overrides_with_an_escalation_target_are_valid(tmp_path: Path) -> None:
    text = VALID.replace(
        '\n[[destinations]]\nname = "Leads"',
        '\n[destinations.reminders]\ntimezone = "Asia/Tokyo"\nescalate_to = "leads"\n'
        '\n[[destinations]]\nname = "Leads"',
    )
    plan = load_config(write(tmp_path, text))
    assert plan.reminders[0] == ReminderOverrides(timezone="Asia/Tokyo")
    assert plan.escalate_to == ("Leads", None)


def test_two_default_rules_and_a_listed_twice_app_are_refused(tmp_path: Path) -> None:
    text = (
        VALID
        + '\n[[rules]]\nkind = "default"\ndestination = "Reviews"\n'
        + '\n[[rules]]\nkind = "default"\ndestination = "Reviews"\n'
        + '\n[[auto_approvals]]\napp_id = "6c2b8f4e-1d3a-4b5c-9e7f-2a1b3c4d5e6f"\n'
        + 'max_scopes = ["User.Read"]\n'
        + '\n[[auto_approvals]]\napp_id = "6C2B8F4E-1D3A-4B5C-9E7F-2A1B3C4D5E6F"\n'
        + 'max_scopes = ["Mail.*"]\n'
    )
    with pytest.raises(ConfigFileError) as raised:
        load_config(write(tmp_path, text))
    lines = [line for line in str(raised.value).splitlines() if line.startswith("  - ")]
    assert lines == [
        "  - [[auto_approvals]] #2, field \"max_scopes\": 'Mail.*' is not a permission name "
        "such as Calendars.ReadWrite",
    ]
    text = text.replace('max_scopes = ["Mail.*"]', 'max_scopes = ["Mail.Read"]')
    with pytest.raises(ConfigFileError) as raised:
        load_config(write(tmp_path, text))
    lines = [line for line in str(raised.value).splitlines() if line.startswith("  - ")]
    assert lines == [
        '  - [[rules]] #3, field "kind": only one "default" rule may exist',
        '  - [[auto_approvals]] #2, field "app_id": this app is listed twice',
    ]


def test_a_file_that_is_not_toml_is_refused_with_its_name(tmp_path: Path) -> None:
    path = write(tmp_path, "[[destinations]\nname = ")
    with pytest.raises(ConfigFileError, match=rf"config file {path}: not valid TOML: .*line 1"):
        load_config(path)
    with pytest.raises(ConfigFileError, match=r"cannot be read"):
        load_config(tmp_path / "missing.toml")


def test_the_setting_is_a_path_and_empty_means_none(tmp_path: Path) -> None:
    def settings(**values: object) -> Settings:
        return settings_of(**values)

    assert settings().config_file is None
    assert settings(config_file="").config_file is None
    assert settings(config_file="  ").config_file is None
    path = write(tmp_path, VALID)
    assert settings(config_file=str(path)).config_file == path
    with pytest.raises(ValidationError, match=r"config_file[\s\S]*CONFIG_FILE: no such file"):
        settings(config_file=str(tmp_path / "nope.toml"))


def test_the_setting_is_read_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, VALID)
    monkeypatch.setenv("CONFIG_FILE", str(path))
    assert settings_of().config_file == path
    monkeypatch.setenv("CONFIG_FILE", "")
    assert settings_of().config_file is None
