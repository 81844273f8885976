"""msgraph-sdk (kiota) against the sandbox: proves URLs, encodings and shapes line up.

The client is msgraph-sdk's (``tests.msgraph_client``) with a bearer provider
handing out a static token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.identity_governance.app_consent.app_consent_requests.app_consent_requests_request_builder import (  # noqa: E501
    AppConsentRequestsRequestBuilder,
)
from msgraph.generated.identity_governance.app_consent.app_consent_requests.item.user_consent_requests.user_consent_requests_request_builder import (  # noqa: E501
    UserConsentRequestsRequestBuilder,
)
from msgraph.generated.models.o_auth2_permission_grant import OAuth2PermissionGrant
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.service_principal import ServicePrincipal
from msgraph.generated.service_principals_with_app_id.service_principals_with_app_id_request_builder import (  # noqa: E501
    ServicePrincipalsWithAppIdRequestBuilder as ByAppId,
)

from sandbox.backlog import add_backlog
from sandbox.seed_apps import ONECAL_APP_ID
from sandbox.server import SandboxHandle, start_sandbox
from tests.msgraph_client import GraphConnection

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
PENDING = "userConsentRequests/any(u:u/status eq 'InProgress')"


class StaticToken(AccessTokenProvider):
    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        return "sandbox-token"

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator(["127.0.0.1"])


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxHandle]:
    handle = await start_sandbox()
    yield handle
    await handle.close()


@pytest.fixture
async def client(sandbox: SandboxHandle) -> AsyncIterator[GraphServiceClient]:
    """The client exactly as the bot opens it."""
    connection = GraphConnection.open(sandbox.url, StaticToken())
    yield connection.client
    await connection.close()


async def test_the_bots_client_sends_canonical_paths() -> None:
    """No empty segment: Graph documents ``/v1.0/users``, not ``/v1.0//users``."""
    seen: list[str] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response({"value": []})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    for base in (url, url + "/"):
        connection = GraphConnection.open(base, StaticToken())
        try:
            await connection.client.users.get()
            await connection.client.service_principals_with_app_id(GRAPH_APP_ID).get()
        finally:
            await connection.close()
    await runner.cleanup()
    assert seen[0] == "/v1.0/users"
    assert seen[1].startswith("/v1.0/servicePrincipals(appId=")
    assert seen[2:] == seen[:2]


async def test_sdk_reads_the_pending_list_across_pages(
    sandbox: SandboxHandle, client: GraphServiceClient
) -> None:
    add_backlog(sandbox.tenant, 5, seed=3)
    requests = client.identity_governance.app_consent.app_consent_requests
    query = AppConsentRequestsRequestBuilder.AppConsentRequestsRequestBuilderGetQueryParameters(
        filter=PENDING, top=2
    )

    page = await requests.get(RequestConfiguration(query_parameters=query))
    seen = []
    while page is not None:
        seen += [r.app_display_name for r in page.value or []]
        page = await requests.with_url(page.odata_next_link).get() if page.odata_next_link else None

    assert len(seen) == 5
    assert sandbox.tenant.calls.routes["GET /identityGovernance/appConsent/appConsentRequests"] == 3


async def test_sdk_reads_user_requests_and_approval(
    sandbox: SandboxHandle, client: GraphServiceClient
) -> None:
    ids = sandbox.tenant.create_request("Carerix", "lynner@example.com", "Entretiens")
    request = client.identity_governance.app_consent.app_consent_requests.by_app_consent_request_id(
        ids["appConsentRequestId"]
    )
    query = UserConsentRequestsRequestBuilder.UserConsentRequestsRequestBuilderGetQueryParameters(
        filter="status eq 'InProgress'"
    )

    users = await request.user_consent_requests.get(RequestConfiguration(query_parameters=query))
    assert users is not None
    [lynne] = users.value or []
    assert lynne.reason == "Entretiens"
    assert lynne.created_by is not None
    assert lynne.created_by.user is not None
    assert lynne.created_by.user.display_name == "Lynne Robbins"
    assert lynne.created_by.user.additional_data["userPrincipalName"] == "lynner@example.com"
    assert lynne.created_date_time is not None
    approval = await request.user_consent_requests.by_user_consent_request_id(
        ids["userConsentRequestId"]
    ).approval.get()
    assert approval is not None
    assert [stage.review_result for stage in approval.stages or []] == ["NotReviewed"]


async def test_sdk_finds_service_principals_by_app_id(client: GraphServiceClient) -> None:
    query = ByAppId.ServicePrincipalsWithAppIdRequestBuilderGetQueryParameters(
        select=["oauth2PermissionScopes"]
    )
    graph = await client.service_principals_with_app_id(GRAPH_APP_ID).get(
        RequestConfiguration(query_parameters=query)
    )
    assert graph is not None
    scopes = {s.value: s for s in graph.oauth2_permission_scopes or []}
    assert scopes["Mail.Send"].type == "User"
    assert scopes["Directory.Read.All"].type == "Admin"

    with pytest.raises(ODataError) as missing:
        await client.service_principals_with_app_id(ONECAL_APP_ID).get()
    assert missing.value.response_status_code == 404
    assert missing.value.error is not None
    assert missing.value.error.code == "Request_ResourceNotFound"


async def test_sdk_creates_service_principal_and_grant(
    sandbox: SandboxHandle, client: GraphServiceClient
) -> None:
    created = await client.service_principals.post(ServicePrincipal(app_id=ONECAL_APP_ID))
    resource = await client.service_principals_with_app_id(GRAPH_APP_ID).get()
    assert created is not None
    assert resource is not None
    assert created.verified_publisher is not None
    assert created.verified_publisher.display_name == "OneCal"

    grant = await client.oauth2_permission_grants.post(
        OAuth2PermissionGrant(
            client_id=created.id,
            consent_type="AllPrincipals",
            resource_id=resource.id,
            scope="Calendars.ReadWrite User.Read offline_access",
        )
    )
    assert grant is not None
    assert grant.id is not None
    await client.oauth2_permission_grants.by_o_auth2_permission_grant_id(grant.id).patch(
        OAuth2PermissionGrant(scope="Calendars.ReadWrite User.Read offline_access openid")
    )
    [stored] = [g for g in sandbox.tenant.grants() if g["clientDisplayName"] == "OneCal"]
    assert stored["scope"].split() == [
        "Calendars.ReadWrite",
        "User.Read",
        "offline_access",
        "openid",
    ]
