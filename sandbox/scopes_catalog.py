"""The delegated permissions Microsoft's APIs expose, loaded from ``data/scopes.json``.

The data lives in JSON because it is long prose (consent texts as Entra shows
them), not logic. Scope ids are the published ones where known; the few left
``null`` get a stable uuid5 so every run agrees. Two APIs deliberately expose
``user_impersonation``, as in real tenants, so "which resource does this scope
belong to?" has an ambiguous answer to test against.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sandbox.ids import stable_id
from sandbox.state.registry import MICROSOFT_TENANT_ID, AppDefinition, PermissionScope

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"
AZURE_MANAGEMENT_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013"


@dataclass(frozen=True)
class ResourceApi:
    """A Microsoft API as a resource: its app and the scopes it classifies as low risk."""

    app: AppDefinition
    low_risk: tuple[str, ...]


def _scope(app_id: str, raw: dict[str, Any]) -> PermissionScope:
    admin_name, admin_text = raw["admin"]
    user_name, user_text = raw["user"]
    return PermissionScope(
        id=raw["id"] or stable_id("scope", app_id, raw["value"]),
        value=raw["value"],
        type=raw["type"],
        admin_consent_display_name=admin_name,
        admin_consent_description=admin_text,
        user_consent_display_name=user_name,
        user_consent_description=user_text,
    )


@cache
def microsoft_apis() -> tuple[ResourceApi, ...]:
    """Every seeded Microsoft resource API, Microsoft Graph first."""
    text = resources.files("sandbox").joinpath("data", "scopes.json").read_text("utf-8")
    result = []
    for raw in json.loads(text)["resources"]:
        app = AppDefinition(
            app_id=raw["appId"],
            display_name=raw["displayName"],
            publisher_name="Microsoft Services",
            owner_org_id=MICROSOFT_TENANT_ID,
            exposed_scopes=tuple(_scope(raw["appId"], s) for s in raw["scopes"]),
        )
        result.append(ResourceApi(app, tuple(raw["lowRisk"])))
    return tuple(result)
