"""The apps of the seeded tenant: Microsoft APIs and third-party multi-tenant apps.

The third-party apps follow the product scenarios (calendar sync, sales
engagement, CRM sidebar, recruiting) plus one app per edge case the bot must
handle: blocked, assignment required, a SharePoint scope, an unknown scope, an
ambiguous scope, and an app already approved for the whole organisation. Apps
without a service principal here exist only in the registry, as an app from
another tenant does until someone first consents to it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sandbox.ids import stable_id
from sandbox.scopes_catalog import (
    AZURE_MANAGEMENT_APP_ID,
    GRAPH_APP_ID,
    SHAREPOINT_APP_ID,
    microsoft_apis,
)
from sandbox.state.apps import Classification, ServicePrincipal
from sandbox.state.registry import AppDefinition, RequiredScope, VerifiedPublisher

if TYPE_CHECKING:
    from sandbox.tenant import SandboxTenant

ONECAL_APP_ID = "2d3f1b9c-7e4a-4c1d-9b8e-0a1c5e6f7d21"
ZELIQ_APP_ID = "8a4e6c2b-1f3d-4e5a-b7c9-3d2e1f0a9b84"
PIPELINE_APP_ID = "c5b7e9d1-3a2f-4b6c-8d0e-7f1a2b3c4d55"
CARERIX_APP_ID = "4f6a8c0e-2b4d-4e6f-a1c3-5e7a9c1b3d66"
PDF_CONVERTER_APP_ID = "7e1d3c5b-9a8f-4d2e-b6c4-1a3e5c7b9d77"
EXPENSES_APP_ID = "b2c4d6e8-0f1a-4b3c-9d5e-6f7a8b9c0d88"
SHAREPOINT_DOCS_APP_ID = "e3f5a7c9-1b2d-4f4e-8a6c-7b8d9e0f1a99"
MEETING_NOTES_APP_ID = "f4a6b8d0-2c3e-4a5f-9b7d-8c9e0f1a2baa"
COST_MONITOR_APP_ID = "a5b7c9e1-3d4f-4b6a-8c8e-9d0f1a2b3cbb"
WHITEBOARD_APP_ID = "d6c8e0f2-4e5a-4c7b-9d9f-0e1a2b3c4dcc"


def _graph(*values: str) -> tuple[RequiredScope, ...]:
    return tuple(RequiredScope(GRAPH_APP_ID, v) for v in values)


def _vendor(
    app_id: str,
    name: str,
    publisher: str,
    site: str,
    scopes: tuple[RequiredScope, ...],
    verified: tuple[str, datetime] | None,
    description: str,
) -> AppDefinition:
    return AppDefinition(
        app_id=app_id,
        display_name=name,
        publisher_name=publisher,
        owner_org_id=stable_id("home-tenant", publisher),
        verified_publisher=VerifiedPublisher(publisher, *verified) if verified else None,
        homepage=site,
        privacy_url=f"{site}/privacy",
        terms_url=f"{site}/terms",
        marketing_url=site,
        support_url=f"{site}/support",
        description=description,
        required_scopes=scopes,
        reply_urls=(f"{site}/auth/microsoft/callback",),
    )


def third_party_apps(now: datetime) -> list[AppDefinition]:
    """Multi-tenant apps published by other organisations."""

    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    return [
        _vendor(
            ONECAL_APP_ID,
            "OneCal",
            "OneCal",
            "https://www.onecal.io",
            _graph("Calendars.ReadWrite", "User.Read", "offline_access"),
            ("6214789", ago(420)),
            "Sync calendars across Google, Outlook and iCloud.",
        ),
        _vendor(
            ZELIQ_APP_ID,
            "Zeliq",
            "Zeliq",
            "https://www.zeliq.com",
            _graph(
                "Mail.Send",
                "Mail.ReadWrite",
                "Calendars.ReadWrite",
                "Contacts.Read",
                "User.Read",
                "offline_access",
            ),
            ("6390214", ago(300)),
            "Sales engagement: sequences, e-mail and meetings.",
        ),
        # Users consented to an earlier version asking only User-type scopes; the vendor
        # has since added User.Read.All, which needs an admin.
        _vendor(
            PIPELINE_APP_ID,
            "Pipeline CRM Sidebar",
            "Sidebar Apps Ltd",
            "https://sidebar-apps.example.net",
            _graph("Mail.Read", "Contacts.ReadWrite", "User.Read.All", "offline_access"),
            None,
            "Shows CRM deals and contacts next to your Outlook mail.",
        ),
        _vendor(
            CARERIX_APP_ID,
            "Carerix",
            "Carerix",
            "https://www.carerix.com",
            _graph("Calendars.ReadWrite.Shared", "User.ReadBasic.All", "offline_access"),
            ("5981406", ago(700)),
            "Recruitment software: interviews in recruiters' calendars.",
        ),
        _vendor(
            PDF_CONVERTER_APP_ID,
            "Quick PDF Converter Online",
            "QuickDocs Tools",
            "https://quickdocs-tools.example.org",
            _graph("Files.ReadWrite.All", "Mail.Read", "offline_access"),
            None,
            "Converts attachments and OneDrive files to PDF.",
        ),
        _vendor(
            EXPENSES_APP_ID,
            "Northwind Expenses",
            "Northwind Traders",
            "https://expenses.northwindtraders.example.com",
            _graph("User.Read", "Files.Read", "offline_access"),
            ("6011275", ago(510)),
            "Expense reports with receipts from OneDrive.",
        ),
        _vendor(
            SHAREPOINT_DOCS_APP_ID,
            "Fabrikam Docs for SharePoint",
            "Fabrikam, Inc.",
            "https://docs.fabrikam.example.com",
            (
                RequiredScope(SHAREPOINT_APP_ID, "AllSites.Read"),
                RequiredScope(SHAREPOINT_APP_ID, "MyFiles.Read"),
                *_graph("User.Read", "offline_access"),
            ),
            ("6122093", ago(260)),
            "Document templates and approvals on SharePoint sites.",
        ),
        # Meetings.Summarize exists on no resource: the "unknown scope" case.
        _vendor(
            MEETING_NOTES_APP_ID,
            "Tailspin Meeting Notes",
            "Tailspin Toys",
            "https://notes.tailspintoys.example.com",
            _graph("User.Read", "Calendars.Read", "Meetings.Summarize", "offline_access"),
            ("6288310", ago(90)),
            "Notes and summaries for your Teams meetings.",
        ),
        _vendor(
            COST_MONITOR_APP_ID,
            "Litware Cloud Cost Monitor",
            "Litware, Inc.",
            "https://costs.litware.example.com",
            (
                RequiredScope(AZURE_MANAGEMENT_APP_ID, "user_impersonation"),
                *_graph("User.Read", "offline_access"),
            ),
            ("6077452", ago(150)),
            "Azure spend dashboards per subscription.",
        ),
        _vendor(
            WHITEBOARD_APP_ID,
            "Wingtip Whiteboard",
            "Wingtip Toys",
            "https://whiteboard.wingtiptoys.example.com",
            _graph("User.Read", "openid", "profile", "offline_access"),
            ("5890127", ago(800)),
            "Shared whiteboards for meetings.",
        ),
    ]


def seed_apps(tenant: SandboxTenant, bot: AppDefinition) -> None:
    """Register every app and create the service principals and grants that exist at start."""
    apps, grants = tenant.apps, tenant.permission_grants
    for api in microsoft_apis():
        sp = ServicePrincipal(stable_id("sp", api.app.app_id), apps.register(api.app))
        by_value = {s.value: s for s in api.app.exposed_scopes}
        sp.classifications = [
            Classification(stable_id("classification", sp.id, v), by_value[v].id, v, "low")
            for v in api.low_risk
        ]
        apps.add_sp(sp)
    for app in [*third_party_apps(tenant.now()), bot]:
        apps.register(app)

    def existing(app_id: str, *, account_enabled: bool = True, assignment: bool = False) -> str:
        sp = ServicePrincipal(stable_id("sp", app_id), apps.registry[app_id.casefold()])
        sp.account_enabled, sp.app_role_assignment_required = account_enabled, assignment
        sp.tags = ["WindowsAzureActiveDirectoryIntegratedApp"]
        return apps.add_sp(sp).id

    graph = stable_id("sp", GRAPH_APP_ID)
    existing(bot.app_id)
    pipeline = existing(PIPELINE_APP_ID)
    for upn in ("adelev@example.com", "pattif@example.com"):
        user = tenant.users[upn].id
        grants.create(
            pipeline, "Principal", graph, "Mail.Read Contacts.ReadWrite offline_access", user
        )
    existing(PDF_CONVERTER_APP_ID, account_enabled=False)
    existing(EXPENSES_APP_ID, assignment=True)
    whiteboard = existing(WHITEBOARD_APP_ID)
    grants.create(whiteboard, "AllPrincipals", graph, "User.Read openid profile offline_access")
