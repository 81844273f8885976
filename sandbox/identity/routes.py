"""The aiohttp seam of the identity platform: discovery, keys, token and managed identity.

Served on the same app and port as Graph, under the tenant segment as Entra
does (``/{tenant}/oauth2/v2.0/token``). The base address in issuers and
endpoints is the one the request came in on, so one server works over http
and https, on 127.0.0.1 or localhost. Faults never apply here: they imitate
Graph outages only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from sandbox.identity import discovery, flows, managed_identity
from sandbox.identity.client_auth import Credentials, authenticate_client
from sandbox.identity.errors import IdentityError, missing_parameter

if TYPE_CHECKING:
    from sandbox.identity.platform import IdentityPlatform
    from sandbox.tenant import SandboxTenant

MSI_PATH = "/msi/token"


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _unknown_tenant(tenant: str) -> IdentityError:
    return IdentityError(
        400,
        "invalid_tenant",
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud. Check with your subscription administrator, this may "
        "happen if there are no active subscriptions for the tenant.",
    )


def _refused(
    platform: IdentityPlatform, request: web.Request, error: IdentityError
) -> web.Response:
    correlation = request.headers.get("client-request-id")
    return web.json_response(
        error.body(platform.clock(), correlation), status=error.status, headers=_NO_STORE
    )


_NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}


def add_identity_routes(app: web.Application, tenant: SandboxTenant) -> None:
    platform = tenant.identity
    routes = web.RouteTableDef()

    def check_tenant(request: web.Request) -> str:
        segment = request.match_info["tenant"]
        if not platform.knows_tenant(segment):
            raise _unknown_tenant(segment)
        return segment

    async def configuration(request: web.Request, *, v2: bool) -> web.Response:
        try:
            segment = check_tenant(request)
        except IdentityError as refusal:
            return _refused(platform, request, refusal)
        body = discovery.openid_configuration(platform, base_url(request), segment, v2=v2)
        return web.json_response(body)

    @routes.get("/{tenant}/v2.0/.well-known/openid-configuration")
    async def configuration_v2(request: web.Request) -> web.Response:
        return await configuration(request, v2=True)

    @routes.get("/{tenant}/.well-known/openid-configuration")
    async def configuration_v1(request: web.Request) -> web.Response:
        return await configuration(request, v2=False)

    async def keys(request: web.Request) -> web.Response:
        try:
            check_tenant(request)
        except IdentityError as refusal:
            return _refused(platform, request, refusal)
        return web.json_response(discovery.jwks(platform))

    routes.get("/{tenant}/discovery/v2.0/keys")(keys)
    routes.get("/{tenant}/discovery/keys")(keys)

    async def token(request: web.Request) -> web.Response:
        try:
            check_tenant(request)
            raw = await request.post()
            form = {k: v for k, v in raw.items() if isinstance(v, str)}
            answer = _serve(platform, request, form)
        except IdentityError as refusal:
            return _refused(platform, request, refusal)
        return web.json_response(answer, headers=_NO_STORE)

    routes.post("/{tenant}/oauth2/v2.0/token")(token)
    routes.post("/{tenant}/oauth2/token")(token)

    @routes.get(MSI_PATH)
    async def msi_token(request: web.Request) -> web.Response:
        try:
            answer = managed_identity.token(
                platform,
                dict(request.query),
                request.headers.get("X-IDENTITY-HEADER"),
                base_url(request),
            )
        except managed_identity.ManagedIdentityRefusal as refusal:
            return web.json_response(refusal.body(), status=refusal.status)
        return web.json_response(answer)

    app.add_routes(routes)


def _serve(
    platform: IdentityPlatform, request: web.Request, form: dict[str, str]
) -> dict[str, object]:
    grant_type = form.get("grant_type")
    if not grant_type:
        raise missing_parameter("grant_type")
    if grant_type not in (flows.CLIENT_CREDENTIALS, flows.JWT_BEARER):
        raise IdentityError(
            400,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant_type}'.",
        )
    endpoint = base_url(request) + request.path
    credentials = Credentials.from_request(form, request.headers.get("Authorization"))
    client = authenticate_client(platform, credentials, endpoint)
    if grant_type == flows.CLIENT_CREDENTIALS:
        return flows.client_credentials(platform, client, form, base_url(request))
    return flows.on_behalf_of(platform, client, form, base_url(request))
