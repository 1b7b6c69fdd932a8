"""Build (or reuse) the demo organisation. Deterministic: the same seed gives the same company.

Planters add one area each (the directory here; tickets, surveys... in later areas). Each takes
the context and returns a short description of what it planted, printed by `teamalign demo`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from teamalign.orgs.import_runs import import_run_create, import_run_execute
from teamalign.orgs.models import Department, Organisation, Person, Role, User
from teamalign.orgs.services import organisation_create, user_create

from .directory import department_kinds, write_people_csv

DEMO_SLUG = "harbourline"
DEMO_NAME = "Harbourline Logistics"
DEMO_DOMAIN = "harbourline.example"
DEMO_TIMEZONE = "Europe/London"
DEMO_PASSWORD = "teamalign-demo"
SECOND_SLUG = "fjordfoods"
SEED = 20261127


@dataclass
class DemoLogin:
    email: str
    role: str
    note: str


DEMO_LOGINS = [
    DemoLogin(f"admin@{DEMO_DOMAIN}", Role.ADMIN, "admin: everything, users and settings"),
    DemoLogin(f"morgan.hale@{DEMO_DOMAIN}", Role.IT, "IT: the CIO; sees everything, imports data, keeps the directory"),
    DemoLogin(f"ruth.okonkwo@{DEMO_DOMAIN}", Role.OPS, "Operations: the COO"),
    DemoLogin(f"viewer@{DEMO_DOMAIN}", Role.VIEWER, "viewer: read-only"),
    DemoLogin("advisor@alignment-partners.example", Role.ADMIN,
              "advisor: admin of Harbourline and of a second client, Fjord Foods"),
]


@dataclass
class DemoContext:
    organisation: Organisation
    seed: int
    folder: Path
    planted: list[str] = field(default_factory=list)


Planter = Callable[[DemoContext], str]
_PLANTERS: list[tuple[int, str, Planter]] = []


def register_planter(order: int, name: str, planter: Planter) -> None:
    _PLANTERS.append((order, name, planter))
    _PLANTERS.sort(key=lambda p: p[0])


def _plant_directory(ctx: DemoContext) -> str:
    org = ctx.organisation
    csv_path = ctx.folder / "people.csv"
    count = write_people_csv(csv_path, ctx.seed, DEMO_DOMAIN)
    with csv_path.open("rb") as source:
        run = import_run_create(organisation=org, kind="people", file_name="harbourline-hr-export.csv",
                                source=source, user=None, via="cli")
    import_run_execute(run)
    for name, kind in department_kinds().items():
        Department.objects.filter(organisation=org, name=name).update(kind=kind)
    return f"{count} people in {Department.objects.filter(organisation=org).count()} departments"


register_planter(10, "directory", _plant_directory)


def demo_exists() -> bool:
    return Organisation.objects.filter(slug=DEMO_SLUG).exists()


def demo_delete() -> None:
    organisations = Organisation.objects.filter(slug__in=[DEMO_SLUG, SECOND_SLUG])
    with transaction.atomic():
        # People first: their department and team are PROTECTed, which would stop the cascade.
        Person.objects.filter(organisation__in=organisations).delete()
        organisations.delete()
        # The demo logins too, so that a rebuilt demo has the documented password again
        # (an existing login keeps its password when it is given a role).
        User.objects.filter(email__in=[login.email for login in DEMO_LOGINS]).delete()


def build_demo(*, reset: bool = False, seed: int = SEED, echo: Callable[[str], None] = lambda s: None) -> Organisation:
    if reset:
        demo_delete()
    existing = Organisation.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return existing
    folder = Path(settings.DATA_DIR) / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        org = organisation_create(name=DEMO_NAME, slug=DEMO_SLUG, timezone=DEMO_TIMEZONE, currency="GBP")
        second = organisation_create(name="Fjord Foods", slug=SECOND_SLUG, timezone="Europe/Oslo", currency="NOK")
        Department.objects.create(organisation=second, name="Operations", kind=Department.Kind.OPERATIONS)
        ctx = DemoContext(organisation=org, seed=seed, folder=folder)
        for _order, name, planter in _PLANTERS:
            description = planter(ctx)
            ctx.planted.append(f"{name}: {description}")
            echo(f"  {name}: {description}")
        for login in DEMO_LOGINS:
            user_create(email=login.email, password=DEMO_PASSWORD, organisation=org, role=login.role,
                        name=login.email.split("@")[0].replace(".", " ").title())
        user_create(email=DEMO_LOGINS[-1].email, password=None, organisation=second, role=Role.ADMIN)
    return org
