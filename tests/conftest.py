"""Test settings and the cast every test can use.

The cast, so tests read like sentences:

| who     | login                   | role                                   |
|---------|-------------------------|----------------------------------------|
| alice   | alice@acme.example      | admin of Acme                          |
| ivan    | ivan@acme.example       | it of Acme                             |
| olivia  | olivia@acme.example     | ops of Acme                            |
| victor  | victor@acme.example     | viewer of Acme                         |
| gary    | gary@globex.example     | admin of Globex                        |
| ada     | ada@advisors.example    | the advisor: admin of Acme and Globex  |
| charlie | charlie@example.com     | no membership anywhere                 |

Acme (slug ``acme``) and Globex (slug ``globex``) each have IT, Operations and Finance
departments, a team in each, a few people and one finished people import.

Other areas add their objects to the cast (the isolation tests need one of each kind, in each
organisation, to try every URL): a file ``tests/<area>/cast.py`` with ``plant(cast)`` is called
for every cast, after the directory is in place; ``cast.objects[slug]`` is a dict it may add to.
"""

from __future__ import annotations

import importlib
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# pytest-django imports the settings module before this file (in its
# `pytest_load_initial_conftests` hook), so an environment variable set here would come too
# late for settings.py: `scripts/test` exports TEAMALIGN_DATA_DIR (a temporary folder) instead,
# and `_test_settings` below points every path the tests touch at a temporary folder.
# Subprocesses the tests start (the browser test's server, `check --deploy`) get their own.

PASSWORD = "correct horse battery staple"
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "every_area: a demo test that runs every area's planter")


@pytest.fixture(scope="session", autouse=True)
def _test_settings(tmp_path_factory: pytest.TempPathFactory):
    """Settings for every test: a throwaway data folder, fast hashing, jobs run in-process."""
    from django.test.utils import override_settings

    data_dir = tmp_path_factory.mktemp("teamalign-data")
    (data_dir / "static").mkdir()  # WhiteNoise warns about a missing STATIC_ROOT
    overrides = override_settings(
        DATA_DIR=data_dir,
        UPLOAD_DIR=data_dir / "uploads",
        STATIC_ROOT=data_dir / "static",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        # Uploads run in the request in tests; the one test of the worker path switches to the DB backend.
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    )
    overrides.enable()
    yield data_dir
    overrides.disable()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """TEAMALIGN_TEST_DB_SUFFIX lets two runs share one PostgreSQL server without dropping each
    other's test database (pytest-django drops and re-creates `test_<name>`)."""
    from django.conf import settings

    suffix = os.environ.get("TEAMALIGN_TEST_DB_SUFFIX", "")
    if suffix:
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.sqlite3":
            test = db.setdefault("TEST", {})
            test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_{suffix}"


# --- the cast ----------------------------------------------------------------------------------------


@dataclass
class Cast:
    acme: object
    globex: object
    alice: object
    ivan: object
    olivia: object
    victor: object
    gary: object
    ada: object
    charlie: object
    objects: dict = field(default_factory=dict)  # org slug → {"department": Department, ...}
    password: str = PASSWORD

    def users_by_role(self) -> dict[str, object]:
        """A member of Acme for each role."""
        return {"admin": self.alice, "it": self.ivan, "ops": self.olivia, "viewer": self.victor}


def _make_org(name: str, slug: str, domain: str, staff: list[tuple[str, str, str, str, bool]]) -> dict:
    from teamalign.orgs import services
    from teamalign.orgs.models import Department, ImportRun

    org = services.organisation_create(name=name, slug=slug, timezone="Europe/London", currency="EUR")
    it = org.it_department
    ops = services.department_save(organisation=org, name="Operations", kind=Department.Kind.OPERATIONS)
    finance = services.department_save(organisation=org, name="Finance", kind=Department.Kind.OTHER)
    teams = {
        "IT": services.team_save(organisation=org, department=it, name="Service Desk"),
        "Operations": services.team_save(organisation=org, department=ops, name="Warehouse"),
        "Finance": services.team_save(organisation=org, department=finance, name="Accounts"),
    }
    people = {}
    for key, person_name, department, title, leader in staff:
        people[key] = services.person_save(organisation=org, name=person_name, email=f"{key}@{domain}",
                                           title=title, is_leader=leader, team=teams[department])
    run = ImportRun.objects.create(organisation=org, kind="people", file_name=f"{slug}-people.csv",
                                   file_sha256="0" * 64, via="cli", status=ImportRun.Status.SUCCEEDED,
                                   rows_read=len(staff), rows_created=len(staff))
    return {"organisation": org, "departments": {"IT": it, "Operations": ops, "Finance": finance},
            "teams": teams, "people": people, "import_run": run}


@pytest.fixture
def cast(db) -> Cast:
    from teamalign.orgs import services
    from teamalign.orgs.models import User

    acme = _make_org("Acme", "acme", "acme.example", [
        ("alice", "Alice Archer", "IT", "Head of IT", True),
        ("ivan", "Ivan Ito", "IT", "Service Desk Analyst", False),
        ("olivia", "Olivia Okafor", "Operations", "Warehouse Manager", True),
        ("oscar", "Oscar Ortiz", "Operations", "Picker", False),
        ("victor", "Victor Varga", "Finance", "Accountant", False),
    ])
    globex = _make_org("Globex", "globex", "globex.example", [
        ("gary", "Gary Green", "IT", "CIO", True),
        ("gina", "Gina Gold", "Operations", "COO", True),
        ("greta", "Greta Grey", "Finance", "Controller", False),
    ])
    a, g = acme["organisation"], globex["organisation"]

    def user(email: str, org, role: str, name: str):
        return services.user_create(email=email, password=PASSWORD, organisation=org, role=role, name=name)

    alice = user("alice@acme.example", a, "admin", "Alice Archer")
    ivan = user("ivan@acme.example", a, "it", "Ivan Ito")
    olivia = user("olivia@acme.example", a, "ops", "Olivia Okafor")
    victor = user("victor@acme.example", a, "viewer", "Victor Varga")
    gary = user("gary@globex.example", g, "admin", "Gary Green")
    ada = user("ada@advisors.example", a, "admin", "Ada Advisor")
    services.user_create(email=ada.email, password=None, organisation=g, role="admin")
    charlie = User.objects.create_user("charlie@example.com", PASSWORD, name="Charlie Nobody")
    the_cast = Cast(acme=a, globex=g, alice=alice, ivan=ivan, olivia=olivia, victor=victor, gary=gary, ada=ada,
                    charlie=charlie, objects={"acme": acme, "globex": globex})
    for planter in _area_planters():
        planter(the_cast)
    return the_cast


def _area_planters() -> list:
    """`plant(cast)` of every tests/<area>/cast.py, in name order."""
    planters = []
    for path in sorted(Path(__file__).parent.glob("*/cast.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.cast")
        planters.append(module.plant)
    return planters


@pytest.fixture
def login(db):
    """login(user) → a Django test client signed in as that user."""
    from django.test import Client

    def sign_in(user, **client_options) -> Client:
        client = Client(**client_options)
        client.force_login(user)
        return client

    return sign_in


# --- files -------------------------------------------------------------------------------------------

PEOPLE_HEADER = "name,email,department,team,title,leader"
PEOPLE_ROWS = [
    "Nina Nilsen,nina@acme.example,Operations,Transport,Driver,no",
    "Pavel Petrov,pavel@acme.example,Operations,Transport,Transport Manager,yes",
    "Rosa Rossi,rosa@acme.example,Sales,Field Sales,Account Executive,no",
    "Sam Sato,sam@acme.example,IT,Infrastructure,Systems Engineer,no",
]


@pytest.fixture
def people_csv(tmp_path: Path):
    """people_csv(text or lines, name=...) → the path of a people file written from the text."""

    def write(content: str | list[str] | bytes | None = None, *, name: str = "people.csv") -> Path:
        if content is None:
            content = [PEOPLE_HEADER, *PEOPLE_ROWS]
        if isinstance(content, list):
            content = "\n".join(content) + "\n"
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return write


# --- helpers shared by the browser test and its skip rules ---------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def skip_or_fail(reason: str) -> None:
    """With CI=true nothing is skipped: a missing prerequisite is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required, not skipped)")
    pytest.skip(reason)
