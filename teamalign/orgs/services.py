"""Writes for organisations, departments, teams, people, users and the people directory import."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from teamalign.errors import ImportFileError, ValidationError
from teamalign.ingest import sandbox

from .import_runs import ImportResult, Progress, register_import_kind
from .models import (
    ApiToken,
    Department,
    ImportRun,
    Membership,
    Organisation,
    Person,
    Role,
    Team,
    User,
    validate_timezone,
)
from .parsing import parse_untrusted

#: The people parser, as the sandbox names it (it runs in a child process).
PARSE_PEOPLE = "teamalign.orgs.importers.people_csv:parse_people"
sandbox.preload("teamalign.orgs.importers.people_csv")

IT_NAMES = {"it", "information technology", "technology", "it services", "information systems", "is"}
OPERATIONS_NAMES = {"operations", "ops"}


def _check_timezone(tz: str) -> None:
    try:
        validate_timezone(tz)
    except Exception as exc:  # django's ValidationError → ours, with the same words
        raise ValidationError(" ".join(getattr(exc, "messages", [str(exc)]))) from None


def _check_currency(currency: str) -> str:
    currency = currency.strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationError(f"'{currency}' is not an ISO 4217 currency code such as EUR or USD")
    return currency


def organisation_create(*, name: str, timezone: str = "UTC", currency: str = "USD",
                        slug: str | None = None, it_department_name: str = "IT") -> Organisation:
    """Create an organisation with its IT department (every organisation has exactly one)."""
    name = name.strip()
    if not name:
        raise ValidationError("an organisation needs a name")
    _check_timezone(timezone)
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationError(f"cannot make a slug from '{name}'; give --slug")
    if Organisation.objects.filter(slug=slug).exists():
        raise ValidationError(f"an organisation with the slug '{slug}' exists already")
    currency = _check_currency(currency)
    with transaction.atomic():
        org = Organisation.objects.create(name=name, slug=slug, timezone=timezone, currency=currency)
        Department.objects.create(organisation=org, name=it_department_name, kind=Department.Kind.IT)
    return org


def organisation_update(*, organisation: Organisation, name: str, timezone: str, currency: str) -> Organisation:
    if not name.strip():
        raise ValidationError("an organisation needs a name")
    _check_timezone(timezone)
    currency = _check_currency(currency)
    organisation.name, organisation.timezone, organisation.currency = name.strip(), timezone, currency
    organisation.save()
    return organisation


def department_save(*, organisation: Organisation, name: str, kind: str,
                    department: Department | None = None) -> Department:
    name = name.strip()
    if not name:
        raise ValidationError("a department needs a name")
    if kind not in Department.Kind.values:
        raise ValidationError(f"unknown department kind '{kind}'")
    if department is not None and department.kind == Department.Kind.IT and kind != Department.Kind.IT:
        raise ValidationError("the IT department stays the IT provider; mark another department as IT "
                              "only by renaming this one")
    if kind == Department.Kind.IT and (department is None or department.kind != Department.Kind.IT):
        raise ValidationError("this organisation has its IT provider department already")
    duplicate = Department.objects.filter(organisation=organisation, name__iexact=name)
    if department is not None:
        duplicate = duplicate.exclude(pk=department.pk)
    if duplicate.exists():
        raise ValidationError(f"a department named '{name}' exists already")
    department = department or Department(organisation=organisation)
    department.name, department.kind = name, kind
    department.save()
    return department


def department_delete(*, department: Department) -> None:
    if department.kind == Department.Kind.IT:
        raise ValidationError("the IT provider department cannot be deleted")
    if department.people.exists() or Person.objects.filter(team__department=department).exists():
        raise ValidationError(f"'{department.name}' still has people; move them first")
    department.delete()


def team_save(*, organisation: Organisation, department: Department, name: str,
              team: Team | None = None) -> Team:
    name = name.strip()
    if department.organisation_id != organisation.pk:
        raise ValidationError("that department belongs to another organisation")
    if not name:
        raise ValidationError("a team needs a name")
    duplicate = Team.objects.filter(department=department, name__iexact=name)
    if team is not None:
        duplicate = duplicate.exclude(pk=team.pk)
    if duplicate.exists():
        raise ValidationError(f"'{department.name}' has a team named '{name}' already")
    team = team or Team(organisation=organisation)
    old_department_id = team.department_id
    team.department, team.name = department, name
    with transaction.atomic():
        team.save()
        if old_department_id and old_department_id != department.pk:
            team.people.update(department=department)
    return team


def team_delete(*, team: Team) -> None:
    if team.people.exists():
        raise ValidationError(f"'{team.name}' still has people; move them first")
    team.delete()


def person_save(*, organisation: Organisation, name: str, email: str, title: str = "",
                is_leader: bool = False, team: Team | None = None, department: Department | None = None,
                person: Person | None = None) -> Person:
    email = email.strip().lower()
    if team is not None:
        if team.organisation_id != organisation.pk:
            raise ValidationError("that team belongs to another organisation")
        department = team.department
    if department is not None and department.organisation_id != organisation.pk:
        raise ValidationError("that department belongs to another organisation")
    duplicate = Person.objects.filter(organisation=organisation, email=email)
    if person is not None:
        duplicate = duplicate.exclude(pk=person.pk)
    if duplicate.exists():
        raise ValidationError(f"someone with the email {email} exists already")
    person = person or Person(organisation=organisation)
    person.name, person.email, person.title, person.is_leader = name.strip(), email, title.strip(), is_leader
    person.team, person.department = team, department
    person.save()
    return person


def person_delete(*, person: Person) -> None:
    person.delete()


def user_create(*, email: str, password: str | None, organisation: Organisation, role: str,
                name: str = "") -> User:
    """Create a login (or reuse an existing one, as for an advisor) with a role in the organisation."""
    if role not in Role.values:
        raise ValidationError(f"unknown role '{role}'; roles: {', '.join(Role.values)}")
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            if not password:
                raise ValidationError("a new user needs a password")
            from django.contrib.auth.password_validation import validate_password
            from django.core.exceptions import ValidationError as DjangoValidationError
            try:
                validate_password(password)
            except DjangoValidationError as exc:
                raise ValidationError(" ".join(exc.messages)) from None
            user = User.objects.create_user(email, password, name=name)
        membership_set(user=user, organisation=organisation, role=role)
    return user


def membership_set(*, user: User, organisation: Organisation, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"unknown role '{role}'; roles: {', '.join(Role.values)}")
    person = Person.objects.filter(organisation=organisation, email=user.email).first()
    membership, _ = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role, "person": person})
    return membership


def membership_remove(*, membership: Membership) -> None:
    if membership.role == Role.ADMIN and not Membership.objects.filter(
            organisation=membership.organisation, role=Role.ADMIN).exclude(pk=membership.pk).exists():
        raise ValidationError("an organisation keeps at least one admin")
    membership.delete()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token record and the secret, which is shown once and never stored."""
    secret = "ta_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip() or "token", prefix=secret[:10],
                                    token_hash=hashlib.sha256(secret.encode()).hexdigest())
    return token, secret


def _department_for(organisation: Organisation, name: str, departments: dict[str, Department],
                    created: list[str]) -> Department:
    key = name.lower()
    if key in departments:
        return departments[key]
    if key in IT_NAMES:
        it = organisation.it_department
        departments[key] = it
        return it
    kind = Department.Kind.OPERATIONS if key in OPERATIONS_NAMES else Department.Kind.OTHER
    department = Department.objects.create(organisation=organisation, name=name, kind=kind)
    departments[key] = department
    created.append(name)
    return department


def people_import(*, organisation: Organisation, path: Path | str, file_name: str | None = None,
                  progress: Progress | None = None) -> ImportResult:
    """Upsert people by email, in one transaction. Departments and teams are created when new.

    The file is parsed in the sandbox (``parsing.parse_untrusted``): whatever it holds, the
    worst it can do is fail this import.
    """
    file_name = file_name or Path(path).name
    parsed = parse_untrusted(PARSE_PEOPLE, file_name=file_name,
                             kwargs={"path": str(path), "file_name": file_name}).value
    rows = parsed.rows
    if progress:
        progress(0, len(rows))
    result = ImportResult(rows_read=len(rows) + parsed.rows_rejected, rejected=parsed.rows_rejected,
                          warnings=list(parsed.warnings))
    departments_created: list[str] = []
    teams_created: list[str] = []
    with transaction.atomic():
        departments = {d.name.lower(): d for d in Department.objects.filter(organisation=organisation)}
        teams = {(t.department_id, t.name.lower()): t for t in Team.objects.filter(organisation=organisation)}
        people = {p.email: p for p in Person.objects.filter(organisation=organisation)}
        to_create: list[Person] = []
        to_update: list[Person] = []
        for row in rows:
            department = _department_for(organisation, row.department, departments, departments_created) \
                if row.department else None
            team = None
            if row.team and department is not None:
                team = teams.get((department.pk, row.team.lower()))
                if team is None:
                    team = Team.objects.create(organisation=organisation, department=department, name=row.team)
                    teams[(department.pk, row.team.lower())] = team
                    teams_created.append(f"{department.name} / {row.team}")
            wanted = {"name": row.name, "title": row.title, "is_leader": row.is_leader,
                      "department_id": department.pk if department else None,
                      "team_id": team.pk if team else None}
            person = people.get(row.email)
            if person is None:
                to_create.append(Person(organisation=organisation, email=row.email, **wanted))
            elif any(getattr(person, k) != v for k, v in wanted.items()):
                for k, v in wanted.items():
                    setattr(person, k, v)
                to_update.append(person)
            else:
                result.unchanged += 1
        try:
            Person.objects.bulk_create(to_create, batch_size=500)
        except IntegrityError as exc:
            raise ImportFileError(f"the database refused a person: {exc}", file=file_name) from None
        Person.objects.bulk_update(to_update, ["name", "title", "is_leader", "department_id", "team_id"],
                                   batch_size=500)
        # Logins whose person appears only now get linked to it.
        for membership in Membership.objects.filter(organisation=organisation, person__isnull=True) \
                .select_related("user"):
            person = Person.objects.filter(organisation=organisation, email=membership.user.email).first()
            if person:
                membership.person = person
                membership.save(update_fields=["person"])
    result.created, result.updated = len(to_create), len(to_update)
    result.details = {"departments_created": departments_created, "teams_created": teams_created}
    if progress:
        progress(len(rows), len(rows))
    return result


def _people_import_handler(run: ImportRun, progress: Progress) -> ImportResult:
    return people_import(organisation=run.organisation, path=run.stored_path, file_name=run.file_name,
                         progress=progress)


register_import_kind("people", _people_import_handler)
