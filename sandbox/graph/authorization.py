"""Per-endpoint permission checks, as each endpoint's Graph documentation page lists them.

Every route has a rule in ``sandbox.graph.permission_rules`` (with the page's
link). An app-only caller needs one of the rule's application permissions, a
user token one of its delegated permissions; otherwise Graph's 403
``Authorization_RequestDenied``. The all-powerful local caller (foreign
tokens, for development) is not checked.

Audit log endpoints answer a missing permission in the reporting API's own
words: without ``AuditLog.Read.All``, 403
``Authentication_MSGraphPermissionMissing`` ("Calling principal does not have
required MSGraph permissions AuditLog.Read.All"); with it but without
``Directory.Read.All``, the licence check Graph cannot make fails as on a
tenant without Microsoft Entra ID P1/P2 (403
``Authentication_RequestFromNonPremiumTenantOrB2CTenant``), the documented
"known issue" of those pages.

directoryObject collections follow Graph's "limited information" rule: an
object of a type the app may not read comes back with only ``id`` and
``@odata.type``. A bot that relies on such an object's other properties (a
directory role's ``roleTemplateId``, say) sees them missing, exactly as in a
tenant that granted too little.
"""

from __future__ import annotations

import logging
from typing import Any

from sandbox.errors import Forbidden
from sandbox.graph.caller import Caller
from sandbox.graph.odata import GraphResponse
from sandbox.graph.permission_rules import PermissionRule, allows, readable_types, rule_for

KEPT_WHEN_LIMITED = ("@odata.type", "id")
NON_PREMIUM = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
NON_PREMIUM_MESSAGE = "Neither tenant is B2C or tenant doesn't have premium license"
PERMISSION_MISSING = "Authentication_MSGraphPermissionMissing"
LICENCE_READER = "Directory.Read.All"
log = logging.getLogger(__name__)


def authorize(method: str, template: str, caller: Caller) -> None:
    """Raise Graph's 403 unless ``caller`` holds a permission the endpoint's page lists."""
    if caller.kind == "local":
        return
    rule = rule_for(method, template)
    if rule is None:
        return  # $batch: each inner request is checked on its own
    held = caller.roles if caller.kind == "app" else caller.scopes
    permitted = allows(rule.application if caller.kind == "app" else rule.delegated, held)
    if not permitted:
        log.warning(
            "sandbox Graph: 403 for %s %s: the caller holds none of %s (%s)",
            method,
            template,
            ", ".join(rule.application if caller.kind == "app" else rule.delegated) or "-",
            rule.doc,
        )
        if rule.audit_log:
            raise _audit_log_denial(rule, caller, held)
        raise Forbidden(
            "Insufficient privileges to complete the operation.",
            code="Authorization_RequestDenied",
        )


def non_premium() -> Forbidden:
    """Graph's 403 for reports on a tenant without Microsoft Entra ID P1/P2."""
    return Forbidden(NON_PREMIUM_MESSAGE, code=NON_PREMIUM)


def _audit_log_denial(rule: PermissionRule, caller: Caller, held: frozenset[str]) -> Forbidden:
    """The reporting API's 403: the first missing permission named, or the licence check."""
    options = rule.application if caller.kind == "app" else rule.delegated
    granted = {name.casefold() for name in held}
    missing = [
        name.strip()
        for name in (options[0].split(" and ") if options else ())
        if name.strip().casefold() not in granted
    ]
    if missing == [LICENCE_READER]:
        return non_premium()
    named = missing[0] if missing else "(none)"
    return Forbidden(
        f"Calling principal does not have required MSGraph permissions {named}",
        code=PERMISSION_MISSING,
    )


def limit_information(
    method: str, template: str, caller: Caller, response: GraphResponse
) -> GraphResponse:
    """Strip the objects of a directoryObject collection that ``caller`` may not read."""
    rule = rule_for(method, template)
    if caller.kind != "app" or rule is None or not rule.limited_types:
        return response
    body = response.body
    if not isinstance(body, dict) or not isinstance(body.get("value"), list):
        return response
    readable = {kind.casefold() for kind in readable_types(caller.roles)}
    last = template.rsplit("/", 1)[-1]
    cast = last if last.startswith("microsoft.graph.") else ""
    body["value"] = [_limited(item, readable, cast) for item in body["value"]]
    return response


def _limited(item: Any, readable: set[str], cast: str) -> Any:
    """``item`` itself when its type (its ``@odata.type``, else the path's cast) is readable."""
    if not isinstance(item, dict):
        return item
    kind = str(item.get("@odata.type", "")).removeprefix("#") or cast
    if kind.casefold() in readable:
        return item
    return {key: item[key] for key in KEPT_WHEN_LIMITED if key in item}
