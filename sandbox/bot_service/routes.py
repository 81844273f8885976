"""The aiohttp seam of the token service, on the sandbox's port under ``/api/``.

Paths match case-insensitively, as the real service's do: the Agents SDK asks
for ``api/botsignin/getSignInResource`` while the REST reference spells it
``GetSignInResource``. Errors are JSON ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from sandbox.bot_service import page
from sandbox.bot_service.token_service import SignInError

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

SIGN_IN_PATH = "/api/oauth/signin"


def _path(operation: str) -> str:
    """A route that matches ``/api/{operation}`` in any letter case."""
    return "/api/{operation:(?i:" + operation.replace("/", "\\/") + ")}"


def _error(refusal: SignInError) -> web.Response:
    code = "Unauthorized" if refusal.status == 401 else "BadArgument"
    return web.json_response(
        {"error": {"code": code, "message": refusal.message}}, status=refusal.status
    )


def _base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def add_token_service_routes(app: web.Application, tenant: SandboxTenant) -> None:
    service = tenant.bot_tokens
    routes = web.RouteTableDef()

    @routes.get(_path("botsignin/getsigninresource"))
    async def sign_in_resource(request: web.Request) -> web.Response:
        try:
            bot_id = service.calling_bot(request.headers.get("Authorization"))
            body = service.sign_in_resource(bot_id, request.query.get("state"), _base_url(request))
        except SignInError as refusal:
            return _error(refusal)
        return web.json_response(body)

    @routes.get(_path("usertoken/gettoken"))
    async def get_token(request: web.Request) -> web.Response:
        query = request.query
        try:
            bot_id = service.calling_bot(request.headers.get("Authorization"))
            user_id, connection = query.get("userId"), query.get("connectionName")
            if not user_id or not connection:
                raise SignInError(400, "userId and connectionName are required.")
            found = service.user_token(
                bot_id, user_id, connection, query.get("code"), _base_url(request)
            )
        except SignInError as refusal:
            return _error(refusal)
        if found is None:
            return web.json_response(
                {"error": {"code": "NotFound", "message": "Token not found"}}, status=404
            )
        return web.json_response(found)

    @routes.delete(_path("usertoken/signout"))
    async def sign_out(request: web.Request) -> web.Response:
        try:
            bot_id = service.calling_bot(request.headers.get("Authorization"))
            user_id = request.query.get("userId")
            if not user_id:
                raise SignInError(400, "userId is required.")
            service.sign_out(bot_id, user_id, request.query.get("connectionName"))
        except SignInError as refusal:
            return _error(refusal)
        return web.json_response({})

    @routes.get(SIGN_IN_PATH)
    async def sign_in_form(request: web.Request) -> web.Response:
        link_id = request.query.get("signin", "")
        try:
            connection = service.link(link_id)
        except SignInError as refusal:
            return _html(page.refused(refusal.message), refusal.status)
        users = sorted(u.user_principal_name for u in tenant.users.values())
        return _html(page.sign_in_form(link_id, connection.name, users))

    @routes.post(SIGN_IN_PATH)
    async def sign_in(request: web.Request) -> web.Response:
        form = await request.post()
        link_id, user = form.get("signin"), form.get("user")
        if not isinstance(link_id, str) or not isinstance(user, str) or not user.strip():
            return _html(page.refused("Say who is signing in."), 400)
        try:
            code = service.complete_sign_in(link_id, user, _base_url(request))
        except SignInError as refusal:
            return _html(page.refused(refusal.message), refusal.status)
        return _html(page.magic_code(code))

    app.add_routes(routes)


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html")
