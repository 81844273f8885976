"""Bulk pending requests for benchmarks and digest-card demos.

Creates ``count`` app consent requests for synthetic third-party apps, each
asked for by one to three seeded users at random times within the last
``spread_days`` days, reproducibly from ``seed``. Spread stays under the
request lifetime so nothing expires on creation.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from sandbox.clock import as_utc
from sandbox.errors import BadRequest
from sandbox.ids import stable_id
from sandbox.scopes_catalog import GRAPH_APP_ID
from sandbox.state.registry import AppDefinition, RequiredScope, VerifiedPublisher

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

_VENDORS = (
    "Proseware",
    "Relecloud",
    "Woodgrove",
    "Fourth Coffee",
    "Alpine Ski House",
    "Coho Winery",
    "Adventure Works",
    "Blue Yonder Airlines",
    "Lucerne Publishing",
    "Margie's Travel",
)
_PRODUCTS = (
    "Scheduler",
    "Mail Merge",
    "CRM Connector",
    "Meeting Notes",
    "Analytics",
    "e-Sign",
    "Forms",
    "Timesheets",
    "Helpdesk",
    "Planner Sync",
)
_SCOPES = (
    "Mail.Read",
    "Mail.Send",
    "Calendars.ReadWrite",
    "Files.Read.All",
    "Contacts.Read",
    "Sites.Read.All",
    "Tasks.ReadWrite",
    "User.ReadBasic.All",
    "Directory.Read.All",
)
_REASONS = (
    "Our team uses this every day with customers.",
    "Needed for the Q3 project kick-off.",
    "My manager asked me to set this up.",
    "Replaces the spreadsheet we maintain by hand.",
)


def _domain(vendor: str) -> str:
    return "".join(c for c in vendor.lower() if c.isalnum())


def add_backlog(
    tenant: SandboxTenant, count: int, *, seed: int = 0, spread_days: int = 20
) -> list[dict[str, str]]:
    """Create ``count`` pending app requests; returns the ids ``create_request`` gave."""
    if not 1 <= count <= 5000:
        raise BadRequest("count must be from 1 to 5000.")
    duration = tenant.policies.request_policy.request_duration_days
    if not 0 <= spread_days < duration:
        raise BadRequest(f"spread_days must be from 0 to {duration - 1} (the request lifetime).")
    rng = random.Random(seed)
    users = list(tenant.users.values())
    now = as_utc(tenant.now())
    created: list[dict[str, str]] = []
    for index in range(count):
        vendor = rng.choice(_VENDORS)
        name = f"{vendor} {rng.choice(_PRODUCTS)} {index + 1:03d}"
        scopes = ["User.Read", "offline_access", *rng.sample(_SCOPES, rng.randint(1, 3))]
        verified = VerifiedPublisher(vendor, str(6_000_000 + index), now - timedelta(days=365))
        app = AppDefinition(
            app_id=stable_id("backlog-app", str(seed), str(index)),
            display_name=name,
            publisher_name=vendor,
            owner_org_id=stable_id("home-tenant", vendor),
            verified_publisher=verified if rng.random() < 0.6 else None,
            homepage=f"https://{_domain(vendor)}.example.com",
            required_scopes=tuple(RequiredScope(GRAPH_APP_ID, s) for s in scopes),
        )
        tenant.apps.register(app)
        for user in rng.sample(users, rng.randint(1, 3)):
            when = now - timedelta(seconds=rng.uniform(0, spread_days * 86_400))
            created.append(tenant.create_request(app.app_id, user.id, rng.choice(_REASONS), when))
    return created
