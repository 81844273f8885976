"""Users, groups and directory roles, with the membership questions Graph answers.

Membership is resolved transitively (a group may contain groups) because the
bot asks "is this user in the reviewers group" through ``checkMemberGroups`` and
``transitiveMembers``, which both flatten nesting.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import NotFound, missing


@dataclass
class User:
    id: str
    display_name: str
    given_name: str
    surname: str
    user_principal_name: str
    mail: str
    job_title: str
    preferred_language: str
    office_location: str
    business_phones: list[str] = field(default_factory=list)
    mobile_phone: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "businessPhones": list(self.business_phones),
            "displayName": self.display_name,
            "givenName": self.given_name,
            "jobTitle": self.job_title,
            "mail": self.mail,
            "mobilePhone": self.mobile_phone,
            "officeLocation": self.office_location,
            "preferredLanguage": self.preferred_language,
            "surname": self.surname,
            "userPrincipalName": self.user_principal_name,
        }


@dataclass
class Group:
    id: str
    display_name: str
    description: str
    mail_nickname: str
    member_ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "deletedDateTime": None,
            "description": self.description,
            "displayName": self.display_name,
            "groupTypes": [],
            "mail": None,
            "mailEnabled": False,
            "mailNickname": self.mail_nickname,
            "securityEnabled": True,
        }


@dataclass
class DirectoryRole:
    id: str
    display_name: str
    description: str
    role_template_id: str
    member_ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "deletedDateTime": None,
            "description": self.description,
            "displayName": self.display_name,
            "roleTemplateId": self.role_template_id,
        }


class Users(Mapping[str, User]):
    """Users by object id; lookups also accept a UPN or mail, case-insensitively."""

    def __init__(self) -> None:
        self._by_id: dict[str, User] = {}

    def add(self, user: User) -> None:
        self._by_id[user.id] = user

    def find(self, key: str) -> User | None:
        if key in self._by_id:
            return self._by_id[key]
        folded = key.casefold()
        for user in self._by_id.values():
            if folded in (user.user_principal_name.casefold(), user.mail.casefold()):
                return user
        return None

    def __getitem__(self, key: str) -> User:
        user = self.find(key)
        if user is None:
            raise KeyError(key)
        return user

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)


class Directory:
    """The people side of the tenant."""

    def __init__(self) -> None:
        self.users = Users()
        self.groups: dict[str, Group] = {}
        self.roles: dict[str, DirectoryRole] = {}

    def user(self, key: str) -> User:
        """A user by id or UPN, or Graph's 404."""
        user = self.users.find(key)
        if user is None:
            raise missing(key)
        return user

    def group(self, group_id: str) -> Group:
        if group_id not in self.groups:
            raise missing(group_id)
        return self.groups[group_id]

    def find_group(self, key: str) -> Group | None:
        """A group by id or display name, case-insensitively."""
        if key in self.groups:
            return self.groups[key]
        folded = key.strip().casefold()
        return next((g for g in self.groups.values() if g.display_name.casefold() == folded), None)

    def role_by_template(self, template_id: str) -> DirectoryRole:
        for role in self.roles.values():
            if role.role_template_id == template_id:
                return role
        raise NotFound(f"No activated directory role with template '{template_id}'.")

    def transitive_user_ids(self, group_id: str) -> list[str]:
        """Every user reachable from a group through nested groups, in seed order."""
        seen: set[str] = set()
        found: list[str] = []
        pending = [group_id]
        while pending:
            current = self.groups.get(pending.pop(0))
            if current is None or current.id in seen:
                continue
            seen.add(current.id)
            for member in current.member_ids:
                if member in self.groups:
                    pending.append(member)
                elif member not in found and member in self.users:
                    found.append(member)
        return found

    def groups_of(self, user_id: str) -> list[Group]:
        """Groups the user belongs to, directly or through nesting."""
        return [g for g in self.groups.values() if user_id in self.transitive_user_ids(g.id)]

    def roles_of(self, user_id: str) -> list[DirectoryRole]:
        """Roles held directly or through a role-assignable group."""
        group_ids = {g.id for g in self.groups_of(user_id)}
        return [
            role
            for role in self.roles.values()
            if user_id in role.member_ids or group_ids.intersection(role.member_ids)
        ]


# Role template ids are the same in every tenant; these are the ones that can
# grant tenant-wide consent (graph-contract section 9).
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
PRIVILEGED_ROLE_ADMINISTRATOR = "e8611ab8-c189-46e8-94e1-60213ab1f814"
CLOUD_APPLICATION_ADMINISTRATOR = "158c047a-c907-4556-b7ef-446551a6b5f7"
APPLICATION_ADMINISTRATOR = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
