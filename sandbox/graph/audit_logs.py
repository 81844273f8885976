"""Entra's sign-in log through Graph: ``GET /auditLogs/signIns`` and one entry by id.

An admin tool can find the users blocked by consent (AADSTS90094, 90095,
65001...) here before they ask. What the pages
(https://learn.microsoft.com/graph/api/signin-list, .../signin-get) promise is
kept: newest first, ``$top`` up to 1000, ``$filter`` and ``$skiptoken`` only
(anything else is a 400), and only the sign-ins Entra still keeps. Paging is
pinned to the moment of the first page, so entries that become visible while a
reader pages (the log is written late) wait for its next poll instead of
shifting the pages it is reading.

Beyond the permission rule (``AuditLog.Read.All and Directory.Read.All``), a
user acting through an app also needs a role that may read sign-in reports, and
the tenant needs Microsoft Entra ID P1/P2 (``premium_licence``), or Graph
answers 403 ``Authentication_RequestFromNonPremiumTenantOrB2CTenant``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sandbox.clock import graph_time
from sandbox.errors import BadRequest, Forbidden, missing
from sandbox.graph.authorization import non_premium
from sandbox.graph.filter_parser import FUNCTIONS, GuidLiteral, Node, Parser
from sandbox.graph.filters import FilterSpec, apply_filter
from sandbox.graph.odata import (
    GraphRequest,
    GraphResponse,
    allow_options,
    collection,
    entity,
    skiptoken_snapshot,
)
from sandbox.graph.router import Router
from sandbox.state.sign_in_log import SignInEntry

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

MAX_TOP = 1000
SIGN_IN_FILTER = FilterSpec.of(
    "signIn",
    "createdDateTime ge",
    "createdDateTime gt",
    "createdDateTime le",
    "createdDateTime lt",
    "status/errorCode eq",
    "status/errorCode ne",
    "appId eq",
    "userId eq",
    "userPrincipalName eq",
    "appDisplayName eq",
    "appDisplayName startswith",
    "userPrincipalName startswith",
)
# The Edm type of each filterable property, to refuse a literal of another kind as Graph does.
_EDM = {
    "createddatetime": "Edm.DateTimeOffset",
    "status/errorcode": "Edm.Int32",
    "appid": "Edm.String",
    "userid": "Edm.String",
    "userprincipalname": "Edm.String",
    "appdisplayname": "Edm.String",
}
_OPERATOR_KINDS = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}
# "Global Administrator, Global Reader, Reports Reader, Security Administrator, Security
# Operator, Security Reader" (the pages' role list), by role template id.
REPORT_READER_ROLES = frozenset(
    {
        "62e90394-69f5-4237-9190-012177145e10",
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        "4a5d8f65-41da-4de4-8968-e035b65339cf",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f",
        "5d6b6bb7-de71-4623-b4af-96380a352509",
    }
)


def _edm_of(value: Any) -> str:
    if isinstance(value, bool):
        return "Edm.Boolean"
    if isinstance(value, int):
        return "Edm.Int32"
    if isinstance(value, datetime):
        return "Edm.DateTimeOffset"
    if isinstance(value, GuidLiteral):
        return "Edm.Guid"
    if isinstance(value, str):
        return "Edm.String"
    return "null" if value is None else "Edm.Double"


def _check_literals(node: Node) -> None:
    """Refuse a comparison whose literal is not of the property's type (``errorCode eq '0'``)."""
    if node.op in ("and", "or", "not"):
        for child in node.children:
            _check_literals(child)
        return
    expected = _EDM.get("/".join(node.path).casefold())
    found = _edm_of(node.value)
    if expected is None or found == expected:
        return
    if node.op in FUNCTIONS:
        raise BadRequest(
            f"No function signature for the function with name '{node.op}' matches the "
            "specified arguments."
        )
    raise BadRequest(
        "A binary operator with incompatible types was detected. Found operand types "
        f"'{expected}' and '{found}' for operator kind '{_OPERATOR_KINDS.get(node.op, node.op)}'."
    )


def _may_read(req: GraphRequest, tenant: SandboxTenant) -> None:
    """The role and licence checks that come after the permission rule."""
    caller = req.caller
    if caller.kind == "user":
        user = tenant.directory.users.find(caller.principal_id)
        held = {r.role_template_id for r in tenant.directory.roles_of(user.id)} if user else set()
        if not held & REPORT_READER_ROLES:
            raise Forbidden(
                "Insufficient privileges to complete the operation.",
                code="Authorization_RequestDenied",
            )
    if not tenant.sign_in_log.settings.premium_licence:
        raise non_premium()


def _as_of(req: GraphRequest, tenant: SandboxTenant) -> tuple[datetime, int]:
    """When the first page was served and how many entries existed (pinned in the
    ``$skiptoken``); for a first page, now."""
    pinned = skiptoken_snapshot(req)
    if pinned is None:
        return tenant.now(), tenant.sign_in_log.written
    try:
        moment, _, written = pinned.partition("|")
        return datetime.fromisoformat(moment), int(written)
    except ValueError:
        raise BadRequest("The $skiptoken is not valid.") from None


def register(router: Router) -> None:
    @router.add("GET", "/auditLogs/signIns")
    def list_sign_ins(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$filter", "$top")
        _may_read(req, tenant)
        text = req.query.get("$filter")
        if text is not None and text.strip():
            _check_literals(Parser(text).parse())
        as_of, written = _as_of(req, tenant)
        entries = tenant.sign_in_log.visible(as_of, written)
        found = apply_filter(req, SIGN_IN_FILTER, entries, SignInEntry.filter_view)
        return collection(
            req,
            [entry.to_json() for entry in found],
            "auditLogs/signIns",
            max_top=MAX_TOP,
            snapshot=f"{graph_time(as_of)}|{written}",
        )

    @router.add("GET", "/auditLogs/signIns/{id}")
    def get_sign_in(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req)
        _may_read(req, tenant)
        wanted = req.params["id"].casefold()
        entry = next((e for e in tenant.sign_in_log.visible() if e.id.casefold() == wanted), None)
        if entry is None:
            raise missing(req.params["id"])
        return entity(req, entry.to_json(), "auditLogs/signIns/$entity")
