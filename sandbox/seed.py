"""The seeded tenant every test, demo and benchmark starts from.

People are the Microsoft 365 Agents Playground's default users with the same
``aadObjectId`` values (not valid GUIDs, kept exactly so activities from the
Playground resolve to directory users). The consent setup is the product's
main situation: user consent off, the request workflow on, with three kinds of
reviewers (a user, a group, a role). No consent request exists at start.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sandbox.clock import Clock
from sandbox.ids import stable_id
from sandbox.seed_apps import seed_apps
from sandbox.state.directory import (
    APPLICATION_ADMINISTRATOR,
    CLOUD_APPLICATION_ADMINISTRATOR,
    GLOBAL_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
    DirectoryRole,
    Group,
    User,
)
from sandbox.state.policies import Reviewer
from sandbox.state.registry import AppDefinition
from sandbox.state.teams import CatalogApp
from sandbox.tenant import SandboxTenant

TENANT_ID = "00000000-0000-0000-0000-000000000001"
TEAMS_APP_EXTERNAL_ID = "6a1b2c3d-0000-4000-8000-00000000c0de"
BOT_APP_ID = "6a1b2c3d-0000-4000-8000-00000000b0a7"
TEAMS_CATALOG_APP_ID = stable_id("teams-catalog", TEAMS_APP_EXTERNAL_ID)
CONSENT_REVIEWERS_GROUP_ID = stable_id("group", "Consent Reviewers")

_ID = "00000000-0000-0000-0000-0000000000"
ALEX_ID, MEGAN_ID, ADELE_ID = f"{_ID}20", f"{_ID}21", f"{_ID}22"
ISAIAH_ID, PATTI_ID, LYNNE_ID = f"{_ID}23", f"{_ID}24", f"{_ID}25"


@dataclass(frozen=True)
class _Person:
    id: str
    given: str
    surname: str
    upn: str
    title: str
    language: str
    office: str
    mail: str | None = None


_PEOPLE = (
    _Person(ALEX_ID, "Alex", "Wilber", "alexw@example.com", "IT Director", "en-US", "Redmond"),
    _Person(MEGAN_ID, "Megan", "Bowen", "meganb@example.com", "IT Apps Lead", "en-US", "Redmond"),
    _Person(ADELE_ID, "Adele", "Vance", "adelev@example.com", "Retail Manager", "en-US", "Seattle"),
    _Person(
        ISAIAH_ID,
        "Isaiah",
        "Langer",
        "isaiah@example.com",
        "Security Engineer",
        "en-GB",
        "London",
        mail="isaiahl@example.com",
    ),
    _Person(
        PATTI_ID, "Patti", "Fernandez", "pattif@example.com", "Sales Director", "ja-JP", "Tokyo"
    ),
    _Person(LYNNE_ID, "Lynne", "Robbins", "lynner@example.com", "Recruiter", "fr-FR", "Paris"),
)

_ROLES: tuple[tuple[str, str, str, list[str]], ...] = (
    (
        GLOBAL_ADMINISTRATOR,
        "Global Administrator",
        "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft "
        "Entra identities.",
        [ALEX_ID],
    ),
    (
        CLOUD_APPLICATION_ADMINISTRATOR,
        "Cloud Application Administrator",
        "Can create and manage all aspects of app registrations and enterprise apps except App "
        "Proxy.",
        [MEGAN_ID],
    ),
    (
        PRIVILEGED_ROLE_ADMINISTRATOR,
        "Privileged Role Administrator",
        "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity "
        "Management.",
        [],
    ),
    (
        APPLICATION_ADMINISTRATOR,
        "Application Administrator",
        "Can create and manage all aspects of app registrations and enterprise apps.",
        [],
    ),
)


def _seed_directory(tenant: SandboxTenant) -> None:
    directory = tenant.directory
    for p in _PEOPLE:
        directory.users.add(
            User(
                id=p.id,
                display_name=f"{p.given} {p.surname}",
                given_name=p.given,
                surname=p.surname,
                user_principal_name=p.upn,
                mail=p.mail or p.upn,
                job_title=p.title,
                preferred_language=p.language,
                office_location=p.office,
                business_phones=["+1 425 555 0100"],
            )
        )
    directory.groups[CONSENT_REVIEWERS_GROUP_ID] = Group(
        CONSENT_REVIEWERS_GROUP_ID,
        "Consent Reviewers",
        "People who review admin consent requests for third-party apps.",
        "consentreviewers",
        [ISAIAH_ID],
    )
    for template, name, description, members in _ROLES:
        role_id = stable_id("directory-role", template)
        directory.roles[role_id] = DirectoryRole(role_id, name, description, template, members)


def _seed_policies(tenant: SandboxTenant) -> None:
    policy = tenant.policies.request_policy
    policy.reviewers = [
        Reviewer(f"/users/{ALEX_ID}"),
        Reviewer(f"/groups/{CONSENT_REVIEWERS_GROUP_ID}/transitiveMembers/microsoft.graph.user"),
        Reviewer(
            "/v1.0/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq "
            f"'{CLOUD_APPLICATION_ADMINISTRATOR}'"
        ),
    ]


def _bot_app() -> AppDefinition:
    return AppDefinition(
        app_id=BOT_APP_ID,
        display_name="Consent Desk",
        publisher_name="Contoso",
        owner_org_id=TENANT_ID,
        description="Teams bot for admin consent requests (this tenant's own app).",
    )


BOT_APPLICATION_PERMISSIONS = frozenset(
    {
        "ConsentRequest.Read.All",
        "Application.Read.All",
        "Policy.Read.All",
        "User.Read.All",
        "RoleManagement.Read.Directory",
        "GroupMember.Read.All",
        "TeamsAppInstallation.ReadWriteSelfForUser.All",
        "AppCatalog.Read.All",
        "Policy.ReadWrite.ConsentRequest",
        "Application.ReadWrite.All",
        "DelegatedPermissionGrant.ReadWrite.All",
    }
)
"""What the admin of the seeded tenant granted the bot: the README's least-privilege table
for app-only mode, exactly (a test compares the two). Change it with
``./run sandbox permissions`` to see the bot with less."""


def seeded_tenant(clock: Clock | None = None, *, id_seed: int = 0) -> SandboxTenant:
    """A fresh tenant in its seeded state, checkpointed so ``reset()`` returns here.

    ``id_seed`` picks the ids of objects created while running. Tests keep the
    default so ids repeat; a long-lived sandbox gets a fresh seed per start, so
    a bot whose store outlives the sandbox never mistakes a new request for one
    it saw in an earlier run.
    """
    tenant = SandboxTenant(TENANT_ID, clock=clock, display_name="Contoso", id_seed=id_seed)
    _seed_directory(tenant)
    _seed_policies(tenant)
    seed_apps(tenant, _bot_app())
    tenant.teams.add_catalog_app(
        CatalogApp(
            TEAMS_CATALOG_APP_ID, TEAMS_APP_EXTERNAL_ID, "Consent Desk", bot_app_id=BOT_APP_ID
        )
    )
    tenant.teams.add_catalog_app(
        CatalogApp(
            stable_id("teams-catalog", "planner"),
            "com.microsoft.teamspace.tab.planner",
            "Planner",
            distribution_method="store",
        )
    )
    tenant.bot_app_id = BOT_APP_ID
    tenant.bot_permissions = BOT_APPLICATION_PERMISSIONS
    tenant.checkpoint()
    return tenant


def fresh_tenant(clock: Clock | None = None) -> SandboxTenant:
    """The seeded tenant with run-time ids that differ from any earlier run's."""
    return seeded_tenant(clock, id_seed=secrets.randbits(64))
