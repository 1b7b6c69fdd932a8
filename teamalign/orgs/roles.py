"""What each role may do. One table, used by every view, API endpoint and CLI command.

| permission | admin | it | ops | viewer |
|---|---|---|---|---|
| view       | yes   | yes| yes | yes    |  dashboards, directory, import history
| import     | yes   | yes| no  | no     |  upload data files, run imports
| manage     | yes   | no | no  | no     |  departments, teams, people, users, settings
"""

from __future__ import annotations

from enum import StrEnum

from .models import Role


class Permission(StrEnum):
    VIEW = "view"
    IMPORT = "import"
    MANAGE = "manage"


GRANTS: dict[str, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.IT: frozenset({Permission.VIEW, Permission.IMPORT}),
    Role.OPS: frozenset({Permission.VIEW}),
    Role.VIEWER: frozenset({Permission.VIEW}),
}


def role_allows(role: str, permission: Permission) -> bool:
    return permission in GRANTS.get(role, frozenset())
