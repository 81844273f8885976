"""Per-endpoint permission checks, as each endpoint's Graph documentation page lists them.

Every route has a rule in ``sandbox.graph.permission_rules`` (with the page's
link). An app-only caller needs one of the rule's application permissions, a
user token one of its delegated permissions; otherwise Graph's 403
``Authorization_RequestDenied``. The all-powerful local caller (foreign
tokens, for development) is not checked.

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
from sandbox.graph.permission_rules import allows, readable_types, rule_for

KEPT_WHEN_LIMITED = ("@odata.type", "id")
log = logging.getLogger(__name__)


def authorize(method: str, template: str, caller: Caller) -> None:
    """Raise Graph's 403 unless ``caller`` holds a permission the endpoint's page lists."""
    if caller.kind == "local":
        return
    rule = rule_for(method, template)
    if rule is None:
        return  # $batch: each inner request is checked on its own
    if caller.kind == "app":
        permitted = allows(rule.application, caller.roles)
    else:
        permitted = allows(rule.delegated, caller.scopes)
    if not permitted:
        log.warning(
            "sandbox Graph: 403 for %s %s: the caller holds none of %s (%s)",
            method,
            template,
            ", ".join(rule.application if caller.kind == "app" else rule.delegated) or "-",
            rule.doc,
        )
        raise Forbidden(
            "Insufficient privileges to complete the operation.",
            code="Authorization_RequestDenied",
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
