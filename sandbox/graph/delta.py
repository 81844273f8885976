"""``GET /servicePrincipals/delta``: what changed among the service principals since a token.

As Graph documents it (https://learn.microsoft.com/graph/api/serviceprincipal-delta,
https://learn.microsoft.com/graph/delta-query-overview): the first round
returns every service principal and ends with an ``@odata.deltaLink``; calling
that link returns only what was created, changed or deleted since, the deleted
ones as ``{"id": ..., "@removed": {"reason": "deleted"}}``, and a new link.
Query options (``$select``) are given once, in the first request, and carried
by the tokens. A token the sandbox no longer holds is refused with 400, and a
client starts over without one.

The sandbox keeps, per token, a fingerprint of each service principal as that
round returned it; the next round compares. Changes made through the control
surface, Graph writes and switches all show, whoever made them.
"""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandbox.errors import BadRequest
from sandbox.graph.odata import GraphRequest, GraphResponse, Json, allow_options, select
from sandbox.graph.router import Router

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

KEPT_TOKENS = 64
"""Rounds remembered per tenant; an older token is refused and the client starts over."""


@dataclass(frozen=True)
class _Round:
    select: str | None
    fingerprints: dict[str, str]


class DeltaRounds:
    """The service-principal delta rounds of one tenant, by token."""

    def __init__(self) -> None:
        self._rounds: OrderedDict[str, _Round] = OrderedDict()

    def start(self, select_option: str | None, fingerprints: dict[str, str]) -> str:
        token = secrets.token_urlsafe(16)
        self._rounds[token] = _Round(select_option, fingerprints)
        while len(self._rounds) > KEPT_TOKENS:
            self._rounds.popitem(last=False)
        return token

    def get(self, token: str) -> _Round:
        found = self._rounds.get(token)
        if found is None:
            raise BadRequest("The delta token is not valid or has expired; start a new round.")
        return found


def _fingerprint(item: Json) -> str:
    return json.dumps(item, sort_keys=True, default=str)


def register(router: Router) -> None:
    def delta(req: GraphRequest, tenant: SandboxTenant) -> GraphResponse:
        allow_options(req, "$select", "$deltatoken")
        token = req.query.get("$deltatoken")
        previous = tenant.sp_deltas.get(token) if token else None
        chosen = previous.select if previous else req.query.get("$select")
        if chosen:
            req.query["$select"] = chosen
        current = {
            sp.id: select(req, sp.to_json()) for sp in tenant.apps.service_principals.values()
        }
        before = previous.fingerprints if previous else {}
        value: list[Json] = [
            item for sp_id, item in current.items() if before.get(sp_id) != _fingerprint(item)
        ]
        value += [
            {
                "@odata.type": "#microsoft.graph.servicePrincipal",
                "id": sp_id,
                "@removed": {"reason": "deleted"},
            }
            for sp_id in before
            if sp_id not in current
        ]
        fingerprints = {sp_id: _fingerprint(item) for sp_id, item in current.items()}
        next_token = tenant.sp_deltas.start(chosen, fingerprints)
        link = f"{req.root}/servicePrincipals/delta()?$deltatoken={next_token}"
        body = {"@odata.context": req.context("servicePrincipals"), "value": value}
        return GraphResponse(200, {**body, "@odata.deltaLink": link})

    # Before ``/servicePrincipals/{id}``, which would take "delta" for an id.
    router.add("GET", "/servicePrincipals/delta()")(delta)
    router.add("GET", "/servicePrincipals/delta")(delta)
