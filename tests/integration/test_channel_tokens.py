"""An insider with a token of their own cannot speak for anyone: only the channel may post.

The bot runs in production mode against the sandbox tenant, with its token
issuers served locally (``channel_rig``). A reviewer card for a real request
is waiting; every attack then clicks Approve on it *as Alex*, an admin, with a
token an insider can really obtain (an app-only token of an app they
registered, a reviewer's SSO token, a token for another bot...) or a real
channel token bound to the wrong thing. Each must be refused with its status
before any handler runs: no Graph call, no store row, nothing posted, no
grant. The same click with a real channel token then approves, which proves
the refusals were about the token and not the click.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.infra.graph_auth import SandboxTokenProvider
from bot.store import audit_trail
from sandbox.seed import ALEX_ID, LYNNE_ID
from sandbox.server import SandboxHandle
from tests.conftest import ManualClock
from tests.fakes.connector import RecordingConnector
from tests.integration.botrig import BotRig, channel_message, running_bot
from tests.integration.channel_rig import (
    BOT_APP_ID,
    IdentityServer,
    identity,
    local_msal,
    post,
    production_overrides,
    stored_rows,
    tenant_token,
    token,
)
from tests.integration.decision_clicks import ALEX, ask, click, settle, tenant_wide

__all__ = ["identity", "local_msal"]  # fixtures

INSIDER_APP = "3f1c9a52-8d7e-4b21-a6c4-9e0d2b7f1a38"
"""An app a member of the tenant registered, to get tokens whose audience is the bot."""
AGENT_APP = "7c2e4d19-5a3b-4f6e-8d1c-2b9a0e7f6c54"
"""Another agent an admin allowed to post (ALLOWED_CALLER_APP_IDS)."""
TEAMS_CLIENT = "1fec8e78-bce4-4aaf-ab1b-5451cc387264"
"""Teams' desktop and mobile client, the ``azp`` of the SSO tokens it obtains."""
OTHER_TENANT = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"


@pytest.fixture
async def production_bot(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    identity: IdentityServer,
    local_msal: None,
    clock: ManualClock,
    tmp_path: Path,
) -> AsyncIterator[BotRig]:
    overrides = {
        **production_overrides(identity),
        "allowed_caller_app_ids": f"{AGENT_APP}, {TEAMS_CLIENT}",
    }
    async with running_bot(
        graph_url=sandbox.url,
        data_dir=tmp_path,
        clock=clock,
        graph_token_source=SandboxTokenProvider(sandbox.url),
        **overrides,
    ) as bot:
        assert bot.services.settings.accepts_unsigned_activities is False
        here = channel_message("review here", connector.url, user=ALEX_ID)
        assert await post(bot, here, "Bearer " + token(identity, connector.url)) in {200, 202}
        yield bot


def from_tenant(body: dict[str, Any], tenant: str, *, channel_data: bool = True) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    changed["conversation"]["tenantId"] = tenant
    if channel_data:
        changed["channelData"]["tenant"] = {"id": tenant}
    return changed


def without_tenant(body: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    changed["conversation"].pop("tenantId")
    changed["channelData"].pop("tenant")
    return changed


def attacks(
    identity: IdentityServer, service_url: str, approve: dict[str, Any]
) -> dict[str, tuple[str, dict[str, Any], int]]:
    """Case -> (Authorization, activity, status). Every activity approves as Alex."""
    hour_ago = int(time.time()) - 3600
    sso = {"scp": "access_as_user", "idtyp": "user", "oid": ALEX_ID, "serviceurl": service_url}
    webchat = {**copy.deepcopy(approve), "channelId": "webchat"}
    odd_sender = copy.deepcopy(approve)
    odd_sender["from"]["aadObjectId"] = "alex' or 1 eq 1"
    bearer = "Bearer "
    return {
        "app-only token of an insider's app, v1 issuer": (
            bearer + tenant_token(identity, version=1, caller=INSIDER_APP, aud=BOT_APP_ID),
            approve,
            401,
        ),
        "app-only token of an insider's app, v2 issuer": (
            bearer + tenant_token(identity, version=2, caller=INSIDER_APP, aud=BOT_APP_ID),
            approve,
            401,
        ),
        "insider's app token with a serviceurl claim too": (
            bearer
            + tenant_token(
                identity, version=2, caller=INSIDER_APP, aud=BOT_APP_ID, serviceurl=service_url
            ),
            approve,
            401,
        ),
        "reviewer's SSO token, v2 (audience the bot's app id)": (
            bearer + tenant_token(identity, version=2, caller=TEAMS_CLIENT, aud=BOT_APP_ID, **sso),
            approve,
            401,
        ),
        "reviewer's SSO token, v1 (audience api://botid-)": (
            bearer
            + tenant_token(
                identity, version=1, caller=TEAMS_CLIENT, aud=f"api://botid-{BOT_APP_ID}", **sso
            ),
            approve,
            401,
        ),
        "channel token for another bot": (
            bearer + token(identity, service_url, aud=str(uuid.uuid4())),
            approve,
            401,
        ),
        "channel token for another service": (
            bearer + token(identity, "https://smba.trafficmanager.net/emea/"),
            approve,
            401,
        ),
        "channel token without serviceurl": (
            bearer + token(identity, None),
            approve,
            401,
        ),
        "expired channel token": (
            bearer + token(identity, service_url, exp=hour_ago, nbf=hour_ago - 60),
            approve,
            401,
        ),
        "channel token signed by an unknown key": (
            bearer + token(identity, service_url, key=_rogue_key(), kid="rogue"),
            approve,
            401,
        ),
        "Bot Framework issuer signed with the tenant's key": (
            bearer + token(identity, service_url, key=identity.tenant_key),
            approve,
            401,
        ),
        "allow-listed agent without serviceurl": (
            bearer + tenant_token(identity, version=2, caller=AGENT_APP, aud=BOT_APP_ID),
            approve,
            401,
        ),
        "valid channel token, activity from another tenant": (
            bearer + token(identity, service_url),
            from_tenant(approve, OTHER_TENANT),
            403,
        ),
        "valid channel token, conversation of another tenant": (
            bearer + token(identity, service_url),
            from_tenant(approve, OTHER_TENANT, channel_data=False),
            403,
        ),
        "valid channel token, activity naming no tenant": (
            bearer + token(identity, service_url),
            without_tenant(approve),
            403,
        ),
        "valid channel token, channel its key does not endorse": (
            bearer + token(identity, service_url),
            webchat,
            403,
        ),
        "valid channel token, sender id that is not an object id": (
            bearer + token(identity, service_url),
            odd_sender,
            400,
        ),
    }


def _rogue_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


async def test_no_token_an_insider_can_get_approves_as_an_admin(
    production_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    identity: IdentityServer,
) -> None:
    bot = production_bot
    request_id = await ask(bot, sandbox, "OneCal", "adelev@example.com", "calendar")
    approve = click("approve", request_id, ALEX, connector.url)
    sandbox.tenant.calls.reset()
    sent_before, rows_before = len(connector.calls), await stored_rows(bot)

    for case, (authorization, body, status) in attacks(identity, connector.url, approve).items():
        assert await post(bot, body, authorization) == status, case
        assert sandbox.tenant.calls.total == 0, case  # not even the reviewer check ran
        assert await stored_rows(bot) == rows_before, case
        assert len(connector.calls) == sent_before, case
    await settle(bot)
    assert tenant_wide(sandbox, "OneCal") == []

    # The very same click, brought by the channel, approves.
    assert await post(bot, approve, "Bearer " + token(identity, connector.url)) == 200
    await settle(bot)
    assert len(tenant_wide(sandbox, "OneCal")) == 1


async def test_an_allow_listed_agent_with_the_serviceurl_is_served(
    production_bot: BotRig, connector: RecordingConnector, identity: IdentityServer
) -> None:
    help_message = channel_message("help", connector.url, user=LYNNE_ID)
    agent = tenant_token(
        identity, version=2, caller=AGENT_APP, aud=BOT_APP_ID, serviceurl=connector.url
    )
    sent_before = len(connector.posts())
    assert await post(production_bot, help_message, f"Bearer {agent}") in {200, 202}
    assert len(connector.posts()) == sent_before + 1


async def test_a_click_is_audited_under_the_directory_name_not_the_activity_name(
    production_bot: BotRig,
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    identity: IdentityServer,
) -> None:
    bot = production_bot
    request_id = await ask(bot, sandbox, "OneCal", "adelev@example.com", "calendar")
    approve = click("approve", request_id, (ALEX_ID, "Megan Bowen"), connector.url)
    assert await post(bot, approve, "Bearer " + token(identity, connector.url)) == 200
    await settle(bot)

    async with bot.services.sessions() as session:
        names = {entry.actor_name for entry in await audit_trail.audit_log(session, request_id)}
    assert names == {"Alex Wilber"}
    edits = json.dumps([connector.card_of(update) for update in connector.updates()])
    assert "Approved by Alex Wilber" in edits
    assert "Megan" not in edits


async def test_the_tenant_check_holds_for_unsigned_local_debugging_too(
    sandbox: SandboxHandle,
    connector: RecordingConnector,
    identity: IdentityServer,
    local_msal: None,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    overrides = {**production_overrides(identity), "allow_unsigned_activities_dangerous": True}
    async with running_bot(
        graph_url=sandbox.url, data_dir=tmp_path, clock=clock, **overrides
    ) as bot:
        ours = channel_message("help", connector.url, user=LYNNE_ID)
        assert await post(bot, ours, None) in {200, 202}
        sent = len(connector.calls)
        assert await post(bot, from_tenant(ours, OTHER_TENANT), None) == 403
        assert len(connector.calls) == sent
