"""The feature -> Graph permission table and the start-up reading of the token's roles."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from bot.admin.permission_check import granted_roles
from bot.admin.permissions import (
    FEATURES,
    FeatureOff,
    app_only_features,
    features_off,
    least_privilege,
    permission_table,
)
from sandbox.seed import BOT_APPLICATION_PERMISSIONS
from tests.permission_sets import EVERYTHING

README = Path(__file__).resolve().parents[2] / "README.md"


def _without(*dropped: str) -> list[str]:
    return [role for role in EVERYTHING if role not in dropped]


def test_the_readme_table_turns_every_feature_on() -> None:
    assert features_off(EVERYTHING) == []


def test_nothing_granted_turns_every_feature_off() -> None:
    off = features_off([])
    assert [item.feature for item in off] == [feature.name for feature in FEATURES]
    assert (
        FeatureOff(
            "approve", ("Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All")
        )
        in off
    )


@pytest.mark.parametrize(
    ("dropped", "expected"),
    [
        (
            "ConsentRequest.Read.All",
            [
                FeatureOff("intake", ("ConsentRequest.Read.All",)),
                # A question about an app the bot does not know reads Entra's pending requests.
                FeatureOff("diagnosis", ("ConsentRequest.Read.All",)),
            ],
        ),
        (
            "Policy.Read.All",
            [
                FeatureOff("reviewer cards", ("Policy.Read.All",)),
                FeatureOff("diagnosis", ("Policy.Read.All",)),
            ],
        ),
        (
            "DelegatedPermissionGrant.ReadWrite.All",
            [
                FeatureOff("approve", ("DelegatedPermissionGrant.ReadWrite.All",)),
                FeatureOff("diagnosis", ("Directory.Read.All",)),
            ],
        ),
        (
            "Application.ReadWrite.All",
            [
                FeatureOff("approve", ("Application.ReadWrite.All",)),
                FeatureOff("block", ("Application.ReadWrite.All",)),
            ],
        ),
        (
            "TeamsAppInstallation.ReadWriteSelfForUser.All",
            [FeatureOff("requester notices", ("TeamsAppInstallation.ReadWriteSelfForUser.All",))],
        ),
        (
            "AppCatalog.Read.All",
            [FeatureOff("requester notices", ("AppCatalog.Read.All",))],
        ),
        (
            "Policy.ReadWrite.ConsentRequest",
            [FeatureOff("requests on", ("Policy.ReadWrite.ConsentRequest",))],
        ),
        (
            "RoleManagement.Read.Directory",
            [FeatureOff("reviewer checks", ("RoleManagement.Read.Directory",))],
        ),
        ("GroupMember.Read.All", [FeatureOff("reviewer checks", ("GroupMember.Read.All",))]),
        (
            "User.Read.All",
            [
                FeatureOff("reviewer checks", ("User.Read.All",)),
                FeatureOff("diagnosis", ("User.Read.All",)),
            ],
        ),
        (
            "Application.Read.All",
            [
                FeatureOff("reviewer cards", ("Application.Read.All",)),
                FeatureOff("diagnosis", ("Application.Read.All",)),
            ],
        ),
    ],
)
def test_one_missing_permission_turns_off_exactly_its_features(
    dropped: str, expected: list[FeatureOff]
) -> None:
    assert features_off(_without(dropped)) == expected


def test_broader_permissions_cover_reads() -> None:
    # Directory.Read.All covers the directory reads.
    directory = _without("User.Read.All", "RoleManagement.Read.Directory", "GroupMember.Read.All")
    assert features_off([*directory, "Directory.Read.All"]) == []


def test_the_grant_write_of_app_only_mode_also_reads_grants() -> None:
    assert "Directory.Read.All" not in least_privilege(delegated_approvals=False)
    assert "Directory.Read.All" in least_privilege(delegated_approvals=True)


def test_the_readme_table_is_the_generated_one() -> None:
    readme = README.read_text(encoding="utf-8")
    start = readme.index("<!-- permission-table")
    table = readme[readme.index("\n", start) + 1 : readme.index("<!-- /permission-table -->")]
    assert [line.strip() for line in table.strip().splitlines()] == permission_table().splitlines()


def test_the_sandbox_grants_its_bot_exactly_the_least_privilege_set() -> None:
    assert frozenset(least_privilege(delegated_approvals=False)) == BOT_APPLICATION_PERMISSIONS


def test_role_names_compare_without_case() -> None:
    assert features_off([role.upper() for role in EVERYTHING]) == []


def _jwt(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.signature"


def test_roles_are_read_from_the_token() -> None:
    roles = granted_roles(_jwt({"roles": ["Policy.Read.All", "User.Read.All"]}))
    assert roles == frozenset({"Policy.Read.All", "User.Read.All"})


def test_a_token_without_roles_means_nothing_granted() -> None:
    assert granted_roles(_jwt({"aud": "https://graph.microsoft.com"})) == frozenset()


@pytest.mark.parametrize("token", ["sandbox-local-token", "a.b.c", "", "x.bm90IGpzb24.y"])
def test_unreadable_tokens_are_not_guessed(token: str) -> None:
    assert granted_roles(token) is None


def test_delegated_approvals_need_no_write_application_permission() -> None:
    writes = {"Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All"}
    delegated = least_privilege(delegated_approvals=True)
    assert not writes & set(delegated)
    assert features_off(delegated, app_only_features(delegated_approvals=True)) == []
    assert {off.feature for off in features_off(delegated)} == {"approve", "block"}
