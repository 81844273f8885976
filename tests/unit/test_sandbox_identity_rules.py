"""The identity platform's small rules: reading scopes, OBO audiences, who may write grants."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from sandbox.errors import Forbidden
from sandbox.graph.auth import authorize_grant_write
from sandbox.graph.caller import LOCAL_CALLER, Caller
from sandbox.graph.odata import GraphRequest
from sandbox.identity import scopes
from sandbox.identity.errors import IdentityError
from sandbox.identity.flows import assertion_audience_ok
from sandbox.seed import ALEX_ID, MEGAN_ID, PATTI_ID, seeded_tenant

GRANTS = "DelegatedPermissionGrant.ReadWrite.All"
CLIENT = "6a1b2c3d-0000-4000-8000-00000000b0a7"


def test_scopes_name_one_resource_and_keep_the_openid_ones_apart() -> None:
    found = scopes.parse(f"https://graph.microsoft.com/{GRANTS} offline_access openid profile")
    assert found.resource == "https://graph.microsoft.com"
    assert found.permissions == (GRANTS,)
    assert found.oidc == {"offline_access", "openid", "profile"}
    assert scopes.parse("User.Read").resource == "https://graph.microsoft.com"
    assert scopes.parse("http://127.0.0.1:3980/User.Read").resource == "http://127.0.0.1:3980"
    assert scopes.parse("https://graph.microsoft.com/.default").is_default


def test_scopes_refuse_two_resources_and_a_bare_client_credentials_scope() -> None:
    with pytest.raises(IdentityError) as two:
        scopes.parse("https://graph.microsoft.com/User.Read api://other/Thing.Read")
    assert two.value.code == 28000
    with pytest.raises(IdentityError) as bare:
        scopes.client_credentials_resource("https://graph.microsoft.com/User.Read")
    assert bare.value.code == 1002012
    assert scopes.client_credentials_resource("https://api.botframework.com/.default") == (
        "https://api.botframework.com"
    )


@pytest.mark.parametrize(
    ("audience", "ok"),
    [
        (CLIENT, True),
        (f"api://botid-{CLIENT}", True),
        (f"api://contoso.example/{CLIENT}", True),
        ([f"api://{CLIENT}"], True),
        ("api://botid-someone-else", False),
        ("https://graph.microsoft.com", False),
        (None, False),
    ],
)
def test_on_behalf_of_assertion_audiences(audience: object, ok: bool) -> None:
    assert assertion_audience_ok(audience, CLIENT) is ok


def _request(caller: Caller) -> GraphRequest:
    return GraphRequest("POST", "v1.0", "/oauth2PermissionGrants", {}, CIMultiDict(), caller=caller)


@pytest.mark.parametrize(
    ("caller", "allowed"),
    [
        (LOCAL_CALLER, True),
        (Caller("app", CLIENT, CLIENT, roles=frozenset({GRANTS})), True),
        (Caller("app", CLIENT, CLIENT, roles=frozenset({"Application.Read.All"})), False),
        (Caller("user", ALEX_ID, CLIENT, scopes=frozenset({GRANTS})), True),
        (Caller("user", MEGAN_ID, CLIENT, scopes=frozenset({GRANTS.lower()})), True),
        (Caller("user", MEGAN_ID, CLIENT, scopes=frozenset({"User.Read"})), False),
        (Caller("user", PATTI_ID, CLIENT, scopes=frozenset({GRANTS})), False),
    ],
)
def test_who_may_write_delegated_grants(caller: Caller, allowed: bool) -> None:
    tenant = seeded_tenant()
    if allowed:
        assert authorize_grant_write(_request(caller), tenant) == caller.principal_id
    else:
        with pytest.raises(Forbidden):
            authorize_grant_write(_request(caller), tenant)
