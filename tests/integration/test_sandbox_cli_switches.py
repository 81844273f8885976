"""``python -m sandbox`` switches and the sign-in simulator, as a developer types them."""

from __future__ import annotations

import json

from sandbox.seed import ADELE_ID
from sandbox.seed_apps import ONECAL_APP_ID, PIPELINE_APP_ID
from sandbox.server import SandboxHandle
from tests.integration.sandbox_cli_runner import run_cli


async def test_settings_switch_the_risky_step_up(sandbox: SandboxHandle) -> None:
    code, out, err = await run_cli(
        "settings", "--risky-step-up", "off", "--user-consent", "legacy", "--url", sandbox.url
    )
    assert code == 0, err
    assert "risky_step_up: False" in out
    assert sandbox.tenant.policies.allow_user_consent_for_risky_apps is True
    code, out, err = await run_cli("state", "--url", sandbox.url)
    assert "risky step-up: off" in out


async def test_app_command_reads_and_changes_an_app(sandbox: SandboxHandle) -> None:
    code, out, err = await run_cli("app", "Northwind Expenses", "--url", sandbox.url)
    assert code == 0, err
    assert "assignment required: yes" in out
    assert "assigned users: none" in out

    code, out, err = await run_cli(
        "app", "Northwind Expenses", "--verified", "no", "--enabled", "no",
        "--assignment-required", "no", "--assign", "adelev@example.com",
        "--assign", "pattif@example.com", "--url", sandbox.url,
    )  # fmt: skip
    assert code == 0, err
    assert "publisher: Northwind Traders, unverified" in out
    assert "enabled: no" in out
    assert "assigned users: adelev@example.com, pattif@example.com" in out
    assert ADELE_ID in {a.principal_id for a in sandbox.tenant.assignments.items.values()}

    code, out, err = await run_cli(
        "app", ONECAL_APP_ID, "--service-principal", "present", "--json", "--url", sandbox.url
    )
    assert code == 0, err
    assert json.loads(out)["servicePrincipal"] == "present"

    code, out, err = await run_cli("app", "OneCal", "--assign", "nobody", "--url", sandbox.url)
    assert (code, out) == (1, "")
    assert err.startswith("sandbox: 404: Unknown user 'nobody'")


async def test_classify_and_admin_consent_commands(sandbox: SandboxHandle) -> None:
    code, out, err = await run_cli("classify", "Calendars.ReadWrite", "--url", sandbox.url)
    assert code == 0, err
    assert "Calendars.ReadWrite on Microsoft Graph: classified low" in out
    code, out, err = await run_cli(
        "classify", "MyFiles.Read", "--resource", "Office 365 SharePoint Online", "--not-low",
        "--url", sandbox.url,
    )  # fmt: skip
    assert code == 0, err
    assert "no longer classified low" in out
    code, _, err = await run_cli("classify", "User.Read.All", "--url", sandbox.url)
    assert code == 1
    assert "admin consent" in err

    code, out, err = await run_cli(
        "admin-consent", "Tailspin Meeting Notes", "--scopes", "User.Read Meetings.Summarize",
        "--url", sandbox.url,
    )  # fmt: skip
    assert code == 0, err
    assert "granted User.Read" in out
    assert "not granted (no API defines them): Meetings.Summarize" in out


async def test_sign_in_command_explains_what_the_user_sees(sandbox: SandboxHandle) -> None:
    code, out, err = await run_cli(
        "sign-in", "--app", "Pipeline CRM Sidebar", "--user", "meganb@example.com",
        "--url", sandbox.url,
    )  # fmt: skip
    assert code == 0, err
    assert "outcome: approval_required (AADSTS90095)" in out
    assert "reasons: user_consent_off, admin_scopes:[User.Read.All]" in out
    assert PIPELINE_APP_ID in out
    assert f"client_id={PIPELINE_APP_ID}" in out
    assert "python -m sandbox request --app" in out

    sandbox.tenant.create_request("OneCal", "adelev@example.com", "sync")
    code, out, err = await run_cli(
        "sign-in", "--app", "OneCal", "--user", "adelev@example.com", "--scopes",
        "User.Read offline_access", "--url", sandbox.url,
    )  # fmt: skip
    assert code == 0, err
    assert "outcome: request_pending" in out
    assert "scopes: User.Read offline_access" in out
    assert "python -m sandbox complete" in out
