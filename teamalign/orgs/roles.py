"""What each role may do. One table, used by every view, API endpoint and CLI command.

| permission | admin | it | ops | viewer |
|------------|-------|----|-----|--------|
| view       | yes   | yes| yes | yes    |  dashboards, directory, import history
| import     | yes   | yes| no  | no     |  upload data files, run imports
| directory  | yes   | yes| no  | no     |  departments, teams, people
| manage     | yes   | no | no  | no     |  users, invitations, passwords, settings

`directory` goes with `import`: a people import creates departments and teams and rewrites
people, so a role that may import may also edit what the import writes (a test holds the two
together).
"""

from __future__ import annotations

from enum import StrEnum

from .models import Role


class Permission(StrEnum):
    VIEW = "view"
    IMPORT = "import"
    DIRECTORY = "directory"
    MANAGE = "manage"


GRANTS: dict[str, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.IT: frozenset({Permission.VIEW, Permission.IMPORT, Permission.DIRECTORY}),
    Role.OPS: frozenset({Permission.VIEW}),
    Role.VIEWER: frozenset({Permission.VIEW}),
}


def role_allows(role: str, permission: Permission) -> bool:
    return permission in GRANTS.get(role, frozenset())
