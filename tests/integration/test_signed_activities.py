"""Outside sandbox mode only activities with a valid Bot Framework token reach a handler.

A local identity server (``channel_rig``) publishes OpenID metadata and the key
set of an RSA key made here, and the bot runs with (test) credentials and its
metadata URLs pointed at it. Every refused request must get 401 with nothing
posted to the recording connector and nothing written to the store; the valid
token must be handled. The attacks of an insider with a token of their own are
in ``test_channel_tokens``.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.seed import TENANT_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import running_bot
from tests.integration.channel_rig import (
    IdentityServer,
    identity,
    local_msal,
    post,
    production_overrides,
    stored_rows,
    token,
)
from tests.integration.diagnosis_rig import LYNNE, personal_message

__all__ = ["identity", "local_msal"]  # fixtures


def refused_cases(identity: IdentityServer, service_url: str) -> dict[str, str | None]:
    rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    hour_ago = int(time.time()) - 3600
    return {
        "no Authorization header": None,
        "empty Authorization header": "",
        "expired": "Bearer " + token(identity, service_url, exp=hour_ago, nbf=hour_ago - 60),
        "not yet valid": "Bearer " + token(identity, service_url, nbf=int(time.time()) + 3600),
        "wrong audience": "Bearer " + token(identity, service_url, aud=str(uuid.uuid4())),
        "no audience": "Bearer " + token(identity, service_url, aud=None),
        "wrong issuer": "Bearer " + token(identity, service_url, iss="https://api.example.com"),
        "no expiry": "Bearer " + token(identity, service_url, exp=None),
        "unknown key id": "Bearer " + token(identity, service_url, key=rogue, kid="rogue-key"),
        "known key id, other key": "Bearer " + token(identity, service_url, key=rogue),
        "unsigned (alg none)": "Bearer " + token(identity, service_url, algorithm="none"),
        "other service": "Bearer " + token(identity, "https://smba.example.com/amer/"),
        "no serviceurl claim": "Bearer " + token(identity, service_url, serviceurl=None),
        "malformed token": "Bearer not.a.token",
        "not a JWT at all": "Bearer garbage",
        "basic scheme": "Basic dXNlcjpwYXNz",
        "bearer without token": "Bearer ",
    }


async def test_only_valid_tokens_reach_a_handler(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    identity: IdentityServer,
    local_msal: None,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    overrides = production_overrides(identity)
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, **overrides
    ) as bot:
        assert bot.services.settings.accepts_unsigned_activities is False
        rows_before = await stored_rows(bot)
        for case, authorization in refused_cases(identity, connector.url).items():
            body = personal_message("help", connector.url, LYNNE, "en-US")
            assert await post(bot, body, authorization) == 401, case
            assert connector.calls == [], case
            assert await stored_rows(bot) == rows_before, case

        body = personal_message("help", connector.url, LYNNE, "en-US")
        assert await post(bot, body, "Bearer " + token(identity, connector.url)) in {200, 202}
        assert len(connector.posts()) == 1  # the help card
        assert await stored_rows(bot) > rows_before  # the personal chat is remembered

    assert all(
        path.startswith(("/botframework/", "/entra/", f"/{TENANT_ID}/"))
        for path in identity.requests
    )
    assert "/botframework/v1/.well-known/keys" in identity.requests


async def test_unreadable_signing_keys_refuse_with_503_and_no_handler(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    identity: IdentityServer,
    local_msal: None,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    overrides = {
        **production_overrides(identity),
        "bot_openid_metadata_url": f"{identity.url}/nothing-here",
        "authority_host": f"{identity.url}/nothing-here",
    }
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, **overrides
    ) as bot:
        rows_before = await stored_rows(bot)
        body = personal_message("help", connector.url, LYNNE, "en-US")
        assert await post(bot, body, "Bearer " + token(identity, connector.url)) == 503
        assert await post(bot, body, None) == 401
        assert connector.calls == []
        assert await stored_rows(bot) == rows_before


async def test_unsigned_activities_with_credentials_only_when_dangerously_allowed(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    identity: IdentityServer,
    local_msal: None,
    clock: ManualClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    overrides = {**production_overrides(identity), "allow_unsigned_activities_dangerous": True}
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, **overrides
    ) as bot:
        body = personal_message("help", connector.url, LYNNE, "en-US")
        assert await post(bot, body, None) in {200, 202}
        assert len(connector.posts()) == 1
        # A token that is sent is still checked.
        forged = "Bearer " + token(identity, connector.url, aud=str(uuid.uuid4()))
        assert await post(bot, body, forged) == 401
        assert len(connector.posts()) == 1
    assert "ALLOW_UNSIGNED_ACTIVITIES_DANGEROUS" in caplog.text
