"""Who may read the sign-in log: permissions, report-reading roles and the P1/P2 licence.

The pages (signin-list, signin-get) ask for ``AuditLog.Read.All and
Directory.Read.All``, application or delegated; a user also needs a role that
reads sign-in reports; the tenant needs Microsoft Entra ID P1/P2. Graph's
reporting API answers each missing piece with its own 403.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from sandbox.identity import claims
from sandbox.seed import BOT_APP_ID, BOT_APPLICATION_PERMISSIONS
from sandbox.server import SandboxHandle
from tests.integration.sandbox_graph.graph_calls import assert_odata_error, fetch

SIGN_INS = "/v1.0/auditLogs/signIns"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
BOT = {"Authorization": "Bearer sandbox-local-token"}
BOTH = ["AuditLog.Read.All", "Directory.Read.All"]
NON_PREMIUM = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"


async def _read(
    http: aiohttp.ClientSession, headers: dict[str, str], path: str = SIGN_INS
) -> tuple[int, Any]:
    status, body, _ = await fetch(http, "GET", path, headers=headers)
    return status, body


async def _grant_bot(http: aiohttp.ClientSession, extra: list[str]) -> None:
    names = sorted(BOT_APPLICATION_PERMISSIONS) + extra
    status, _, _ = await fetch(http, "POST", "/_sandbox/permissions", json={"application": names})
    assert status == 200


def _user_token(sandbox: SandboxHandle, upn: str, scopes: list[str]) -> dict[str, str]:
    """A delegated Graph token for ``upn``, as on-behalf-of would give the bot."""
    identity = sandbox.tenant.identity
    person = identity.person(upn)
    assert person is not None
    issue = identity.issue(sandbox.url)
    token = identity.sign(claims.user_token(issue, GRAPH_APP_ID, BOT_APP_ID, person, scopes))
    return {"Authorization": f"Bearer {token}"}


async def test_the_bots_default_permissions_do_not_reach_the_log(
    http: aiohttp.ClientSession,
) -> None:
    status, body = await _read(http, BOT)
    assert_odata_error(status, body, 403, "Authentication_MSGraphPermissionMissing")
    assert body["error"]["message"] == (
        "Calling principal does not have required MSGraph permissions AuditLog.Read.All"
    )


async def test_audit_log_alone_fails_the_licence_check_as_the_known_issue_says(
    http: aiohttp.ClientSession,
) -> None:
    await _grant_bot(http, ["AuditLog.Read.All"])
    status, body = await _read(http, BOT)
    assert_odata_error(status, body, 403, NON_PREMIUM)


async def test_both_permissions_read_the_log(http: aiohttp.ClientSession) -> None:
    await _grant_bot(http, BOTH)
    status, body = await _read(http, BOT)
    assert status == 200, body
    assert body["value"] == []


async def test_without_a_premium_licence_graph_refuses_everyone(
    http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> None:
    await _grant_bot(http, BOTH)
    attempt = sandbox.tenant.attempt_sign_in("OneCal", "adelev@example.com")
    status, _, _ = await fetch(
        http, "POST", "/_sandbox/sign-in-log", json={"premium_licence": False}
    )
    assert status == 200
    for headers in (BOT, {"Authorization": "Bearer any-local-token"}):
        for path in (SIGN_INS, f"{SIGN_INS}/{attempt['signInId']}"):
            status, body = await _read(http, headers, path)
            assert_odata_error(status, body, 403, NON_PREMIUM)
            assert body["error"]["message"] == (
                "Neither tenant is B2C or tenant doesn't have premium license"
            )


@pytest.mark.parametrize(
    ("upn", "scopes", "status", "code"),
    [
        ("alexw@example.com", BOTH, 200, None),  # Global Administrator
        ("meganb@example.com", BOTH, 403, "Authorization_RequestDenied"),  # no report role
        (
            "alexw@example.com",
            ["Directory.Read.All"],
            403,
            "Authentication_MSGraphPermissionMissing",
        ),
    ],
)
async def test_a_user_needs_the_scopes_and_a_report_reading_role(
    http: aiohttp.ClientSession,
    sandbox: SandboxHandle,
    upn: str,
    scopes: list[str],
    status: int,
    code: str | None,
) -> None:
    found, body = await _read(http, _user_token(sandbox, upn, scopes))
    if code is None:
        assert found == status, body
    else:
        assert_odata_error(found, body, status, code)


async def test_one_entry_by_id_and_an_unknown_id(
    http: aiohttp.ClientSession, sandbox: SandboxHandle
) -> None:
    await _grant_bot(http, BOTH)
    attempt = sandbox.tenant.attempt_sign_in("Northwind Expenses", "adelev@example.com")
    status, body = await _read(http, BOT, f"{SIGN_INS}/{attempt['signInId']}")
    assert status == 200, body
    assert body["@odata.context"].endswith("$metadata#auditLogs/signIns/$entity")
    assert body["status"]["errorCode"] == 50105
    status, body = await _read(http, BOT, f"{SIGN_INS}/00000000-0000-0000-0000-00000000abcd")
    assert_odata_error(status, body, 404, "Request_ResourceNotFound")
