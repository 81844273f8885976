"""Reading the ``scope`` parameter the way Entra does.

A v2 scope is ``{resource}/{permission}``: the resource is everything before
the last ``/`` (``https://graph.microsoft.com``, an app id URI, or the
sandbox's own URL), and a bare permission name means Microsoft Graph. The
OpenID scopes (``openid profile email offline_access``) belong to no resource;
they only decide whether an id token and a refresh token come back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.identity.errors import IdentityError, invalid_request

GRAPH_RESOURCE = "https://graph.microsoft.com"
OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
DEFAULT = ".default"


def invalid_scope(code: int, message: str) -> IdentityError:
    return IdentityError(400, "invalid_scope", code, message)


@dataclass(frozen=True)
class RequestedScopes:
    resource: str
    permissions: tuple[str, ...]  # ".default" alone means "everything consented"
    oidc: frozenset[str]

    @property
    def is_default(self) -> bool:
        return self.permissions == (DEFAULT,)


def _split(value: str) -> tuple[str, str]:
    resource, slash, name = value.rpartition("/")
    return (resource, name) if slash else (GRAPH_RESOURCE, value)


def parse(scope: str | None) -> RequestedScopes:
    values = (scope or "").split()
    if not values:
        raise invalid_request(
            90014, "The request body must contain the following parameter: 'scope'."
        )
    oidc = frozenset(v.casefold() for v in values if v.casefold() in OIDC_SCOPES)
    resources: dict[str, list[str]] = {}
    for value in values:
        if value.casefold() not in OIDC_SCOPES:
            resource, name = _split(value)
            resources.setdefault(resource.rstrip("/"), []).append(name)
    if len(resources) > 1:
        raise invalid_scope(
            28000,
            "Provided value for the input parameter scope is not valid because it contains "
            "more than one resource. Scope " + scope_text(values) + " is not valid.",
        )
    if not resources:
        return RequestedScopes(GRAPH_RESOURCE, ("User.Read",), oidc)
    [(resource, names)] = resources.items()
    if DEFAULT in names and len(names) > 1:
        raise invalid_scope(
            70011,
            "The provided value for the input parameter 'scope' is not valid. "
            "'.default' cannot be combined with other scopes of the same resource.",
        )
    return RequestedScopes(resource, tuple(names), oidc)


def client_credentials_resource(scope: str | None) -> str:
    """The resource of a client credentials request, which must be one ``{resource}/.default``."""
    values = (scope or "").split()
    if not values:
        raise invalid_request(
            90014, "The request body must contain the following parameter: 'scope'."
        )
    if len(values) != 1 or not values[0].endswith("/" + DEFAULT):
        raise invalid_scope(
            1002012,
            f"The provided value for scope {scope_text(values)} is not valid. Client credential "
            "flows must have a scope value with /.default suffixed to the resource identifier "
            "(application ID URI).",
        )
    return values[0][: -len("/" + DEFAULT)]


def scope_text(values: list[str]) -> str:
    return " ".join(values)
