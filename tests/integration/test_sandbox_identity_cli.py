"""``python -m sandbox sso-token``, ``register-client`` and ``oauth-connection`` on a sandbox."""

from __future__ import annotations

import jwt

from sandbox.seed import BOT_APP_ID, MEGAN_ID
from sandbox.server import SandboxHandle
from tests.integration.sandbox_cli_runner import run_cli


async def test_register_a_client_and_mint_an_sso_token(sandbox: SandboxHandle) -> None:
    code, out, err = await run_cli(
        "register-client", BOT_APP_ID, "--secret", "s", "--app-role",
        "DelegatedPermissionGrant.ReadWrite.All", "--delegated-scope", "User.Read",
        "--url", sandbox.url,
    )  # fmt: skip
    assert code == 0, err
    assert "secret: True" in out
    client = sandbox.tenant.identity.client(BOT_APP_ID)
    assert client is not None
    assert client.delegated_scopes == ("User.Read",)

    code, out, err = await run_cli(
        "sso-token", "--user", "meganb@example.com", "--client-id", BOT_APP_ID,
        "--url", sandbox.url,
    )  # fmt: skip
    assert code == 0, err
    token = jwt.decode(out.strip(), options={"verify_signature": False})
    assert (token["aud"], token["oid"], token["scp"]) == (BOT_APP_ID, MEGAN_ID, "access_as_user")

    code, _, err = await run_cli(
        "sso-token", "--user", "nobody@example.com", "--client-id", BOT_APP_ID,
        "--url", sandbox.url,
    )  # fmt: skip
    assert code == 1
    assert "404" in err


async def test_add_an_oauth_connection_to_the_bots_token_service(sandbox: SandboxHandle) -> None:
    scopes = f"api://botid-{BOT_APP_ID}/access_as_user"
    code, out, err = await run_cli(
        "oauth-connection", BOT_APP_ID, "--name", "ConsentDeskSSO", "--scopes", scopes,
        "--url", sandbox.url,
    )  # fmt: skip
    assert code == 0, err
    assert "ConsentDeskSSO" in out
    [connection] = sandbox.tenant.bot_tokens.connections.values()
    assert (connection.bot_id, connection.name, connection.scopes) == (
        BOT_APP_ID,
        "ConsentDeskSSO",
        scopes,
    )
