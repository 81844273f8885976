"""The control surface (``/_sandbox/...``): what tests and demos use to drive the tenant.

It plays the parts Graph cannot: a user submitting a consent request or trying
to sign in, a reviewer deciding in the Entra portal, an admin changing an app
or a consent setting, time passing, an outage. Bodies are
validated into typed models; bad input is a 4xx with a readable message, never
a 500. Faults never apply here, so the knobs stay reachable during an outage.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sandbox.backlog import add_backlog
from sandbox.errors import BadRequest, NotFound, SandboxError

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

PREFIX = "/_sandbox"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


M = TypeVar("M", bound=_Body)


class NewRequest(_Body):
    app: str
    user: str
    reason: str
    created: datetime | None = None


class Decision(_Body):
    approve: bool
    reviewer: str | None = None
    justification: str | None = None


class Settings(_Body):
    user_consent: Literal["off", "low", "legacy", "recommended"] | None = None
    requests_enabled: bool | None = None
    request_duration_days: Annotated[int, Field(ge=1, le=30)] | None = None
    risky_step_up: bool | None = None


class AppChanges(_Body):
    """Graph-style (camelCase) names, as the app's properties are read back."""

    verified: bool | None = None
    servicePrincipal: Literal["present", "absent"] | None = None
    enabled: bool | None = None
    assignmentRequired: bool | None = None
    assignUsers: list[str] = Field(default_factory=list)
    unassignUsers: list[str] = Field(default_factory=list)
    assignGroups: list[str] = Field(default_factory=list)
    unassignGroups: list[str] = Field(default_factory=list)


class AdminConsent(_Body):
    scopes: list[str] | None = None


class ClassificationChange(_Body):
    scope: str
    resource: str | None = None
    low: bool = True


class SignIn(_Body):
    app: str
    user: str
    scopes: list[str] | None = None


class FaultKnobs(_Body):
    latency_ms: Annotated[int, Field(ge=0, le=60_000)] | None = None
    throttle_ratio: Annotated[float, Field(ge=0, le=1)] | None = None
    unavailable_ratio: Annotated[float, Field(ge=0, le=1)] | None = None
    retry_after_seconds: Annotated[int, Field(ge=0, le=3600)] | None = None
    seed: int | None = None
    fail_next: list[Literal[429, 503, 504]] | None = None
    unavailable_paths: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = None


class BotPermissions(_Body):
    application: list[Annotated[str, Field(min_length=1, max_length=120)]]


class BotBlock(_Body):
    blocked: bool = True


class SsoToken(_Body):
    user: str
    client_id: str
    expired: bool = False


class ClientRegistration(_Body):
    client_id: Annotated[str, Field(min_length=1)]
    secret: str | None = None
    certificate_pem: str | None = None
    app_roles: list[str] = Field(default_factory=list)
    delegated_scopes: list[str] = Field(default_factory=list)


class OAuthConnectionSetting(_Body):
    bot_id: Annotated[str, Field(min_length=1)]
    name: Annotated[str, Field(min_length=1)]
    scopes: Annotated[str, Field(min_length=1)]


class Backlog(_Body):
    count: Annotated[int, Field(ge=1, le=5000)]
    seed: int = 0
    spread_days: Annotated[int, Field(ge=0, le=29)] = 20


async def _parse(request: web.Request, model: type[M]) -> M:
    text = await request.text() if request.can_read_body else ""
    try:
        return model.model_validate_json(text or "{}")
    except ValidationError as invalid:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in invalid.errors()
        )
        raise BadRequest(f"Invalid request body: {problems}") from None


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


@web.middleware
async def control_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn refusals and unknown control paths into ``{"error": ...}`` JSON."""
    if not request.path.startswith(PREFIX):
        return await handler(request)
    try:
        return await handler(request)
    except SandboxError as refusal:
        return _json({"error": refusal.message}, refusal.status)
    except web.HTTPException as http_error:
        if http_error.status < 400:
            raise
        message = f"{http_error.reason}: {request.method} {request.path}"
        return _json({"error": message}, http_error.status)


def add_control_routes(app: web.Application, tenant: SandboxTenant) -> Middleware:
    """Serve the control surface on ``app``; returns its error middleware."""
    routes = web.RouteTableDef()

    @routes.post(PREFIX + "/requests")
    async def create_request(request: web.Request) -> web.Response:
        body = await _parse(request, NewRequest)
        return _json(tenant.create_request(body.app, body.user, body.reason, body.created), 201)

    @routes.post(PREFIX + "/requests/{id}/complete")
    async def complete(request: web.Request) -> web.Response:
        body = await _parse(request, Decision)
        request_id = request.match_info["id"]
        return _json(
            tenant.complete_request(request_id, body.approve, body.reviewer, body.justification)
        )

    @routes.post(PREFIX + "/requests/{id}/expire")
    async def expire(request: web.Request) -> web.Response:
        return _json(tenant.expire_request(request.match_info["id"]))

    @routes.get(PREFIX + "/grants")
    async def grants(request: web.Request) -> web.Response:
        return _json({"grants": tenant.grants()})

    @routes.get(PREFIX + "/state")
    async def state(request: web.Request) -> web.Response:
        return _json(tenant.summary())

    @routes.get(PREFIX + "/settings")
    async def read_settings(request: web.Request) -> web.Response:
        return _json(tenant.consent_settings())

    @routes.post(PREFIX + "/settings")
    async def write_settings(request: web.Request) -> web.Response:
        body = await _parse(request, Settings)
        return _json(tenant.set_consent_settings(**body.model_dump(exclude_none=True)))

    @routes.get(PREFIX + "/apps/{app}")
    async def read_app(request: web.Request) -> web.Response:
        return _json(tenant.app_properties(request.match_info["app"]))

    @routes.post(PREFIX + "/apps/{app}")
    async def change_app(request: web.Request) -> web.Response:
        body = await _parse(request, AppChanges)
        result = tenant.set_app(
            request.match_info["app"],
            verified=body.verified,
            service_principal=body.servicePrincipal,
            enabled=body.enabled,
            assignment_required=body.assignmentRequired,
            assign_users=body.assignUsers,
            unassign_users=body.unassignUsers,
            assign_groups=body.assignGroups,
            unassign_groups=body.unassignGroups,
        )
        return _json(result)

    @routes.post(PREFIX + "/apps/{app}/admin-consent")
    async def admin_consent(request: web.Request) -> web.Response:
        body = await _parse(request, AdminConsent)
        return _json(tenant.grant_admin_consent(request.match_info["app"], body.scopes))

    @routes.get(PREFIX + "/classifications")
    async def read_classifications(request: web.Request) -> web.Response:
        return _json(tenant.classifications(request.query.get("resource")))

    @routes.post(PREFIX + "/classifications")
    async def classify(request: web.Request) -> web.Response:
        body = await _parse(request, ClassificationChange)
        return _json(tenant.classify_scope(body.scope, body.resource, body.low))

    @routes.post(PREFIX + "/sign-in")
    async def sign_in(request: web.Request) -> web.Response:
        body = await _parse(request, SignIn)
        return _json(tenant.attempt_sign_in(body.app, body.user, body.scopes))

    @routes.get(PREFIX + "/faults")
    async def read_faults(request: web.Request) -> web.Response:
        return _json(tenant.faults.settings.to_json())

    @routes.post(PREFIX + "/faults")
    async def write_faults(request: web.Request) -> web.Response:
        body = await _parse(request, FaultKnobs)
        return _json(tenant.set_faults(**body.model_dump(exclude_unset=True)))

    @routes.get(PREFIX + "/contract")
    async def read_contract(request: web.Request) -> web.Response:
        return _json(tenant.contract.to_json())

    @routes.get(PREFIX + "/permissions")
    async def read_permissions(request: web.Request) -> web.Response:
        return _json({"application": sorted(tenant.bot_permissions)})

    @routes.post(PREFIX + "/permissions")
    async def write_permissions(request: web.Request) -> web.Response:
        body = await _parse(request, BotPermissions)
        return _json({"application": sorted(tenant.set_bot_permissions(body.application))})

    @routes.get(PREFIX + "/calls")
    async def calls(request: web.Request) -> web.Response:
        return _json(tenant.calls.snapshot())

    @routes.delete(PREFIX + "/calls")
    async def reset_calls(request: web.Request) -> web.Response:
        tenant.calls.reset()
        return _json(tenant.calls.snapshot())

    @routes.post(PREFIX + "/users/{user}/bot-blocked")
    async def block_bot(request: web.Request) -> web.Response:
        body = await _parse(request, BotBlock)
        tenant.set_bot_blocked(request.match_info["user"], body.blocked)
        return _json({"user": request.match_info["user"], "blocked": body.blocked})

    @routes.post(PREFIX + "/backlog")
    async def backlog(request: web.Request) -> web.Response:
        body = await _parse(request, Backlog)
        created = add_backlog(tenant, body.count, seed=body.seed, spread_days=body.spread_days)
        return _json({"created": created}, 201)

    @routes.post(PREFIX + "/identity/sso-token")
    async def sso_token(request: web.Request) -> web.Response:
        body = await _parse(request, SsoToken)
        base = f"{request.scheme}://{request.host}"
        try:
            token = tenant.identity.sso_token(
                body.user, body.client_id, base_url=base, expired=body.expired
            )
        except KeyError:
            raise NotFound(f"Unknown user '{body.user}'.") from None
        return _json({"token": token})

    @routes.post(PREFIX + "/identity/clients")
    async def register_client(request: web.Request) -> web.Response:
        body = await _parse(request, ClientRegistration)
        try:
            tenant.identity.register_client(
                body.client_id,
                secret=body.secret,
                certificate_pem=body.certificate_pem.encode() if body.certificate_pem else None,
                app_roles=body.app_roles,
                delegated_scopes=body.delegated_scopes,
            )
        except ValueError as invalid:
            raise BadRequest(f"certificate_pem is not a PEM X.509 certificate: {invalid}") from None
        return _json(tenant.identity.summary()["clients"][body.client_id], 201)

    @routes.get(PREFIX + "/identity")
    async def identity(request: web.Request) -> web.Response:
        return _json(tenant.identity.summary())

    @routes.post(PREFIX + "/bot-service/connections")
    async def add_oauth_connection(request: web.Request) -> web.Response:
        body = await _parse(request, OAuthConnectionSetting)
        tenant.bot_tokens.add_connection(body.bot_id, body.name, body.scopes)
        return _json(tenant.bot_tokens.summary(), 201)

    @routes.get(PREFIX + "/bot-service")
    async def bot_service(request: web.Request) -> web.Response:
        return _json(tenant.bot_tokens.summary())

    @routes.post(PREFIX + "/reset")
    async def reset(request: web.Request) -> web.Response:
        tenant.reset()
        return _json(tenant.summary())

    app.add_routes(routes)
    return control_errors
