"""Writes for organisations, departments, teams, people, users and the people directory import."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone as dj_timezone
from django.utils.text import slugify

from teamalign.errors import ImportFileError, ValidationError
from teamalign.ingest import sandbox

from .import_runs import ImportResult, Progress, register_import_kind
from .models import (
    ApiToken,
    Department,
    ImportRun,
    Invitation,
    Membership,
    Organisation,
    Person,
    Role,
    Team,
    User,
    validate_timezone,
)
from .selectors import token_digest
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


@dataclass(frozen=True)
class UserAdded:
    """What `user_add` did, so that the CLI can say it exactly."""

    user: User
    login_created: bool
    previous_role: str | None  # the role in this organisation before, None when there was none
    role: str


def _check_password(password: str, user: User | None = None) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationError(" ".join(exc.messages)) from None


def _check_email(email: str) -> str:
    """The address as stored: trimmed, lower-cased, and a valid email address."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email

    email = User.objects.normalize_email(email.strip()).lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        shown = email if len(email) <= 80 else email[:80] + "…"
        raise ValidationError(f"'{shown}' is not an email address") from None
    return email


def user_add(*, email: str, password: str | None, organisation: Organisation, role: str,
             name: str = "") -> UserAdded:
    """Give an email a role in the organisation, creating its login when it has none.

    For the operator (CLI, demo, tests), who may reach every organisation anyway; admins on the
    web invite instead (`invitation_create`). An existing login keeps its password: a password
    given for one is refused rather than silently ignored (`user_password_set` changes it)."""
    if role not in Role.values:
        raise ValidationError(f"unknown role '{role}'; roles: {', '.join(Role.values)}")
    email = _check_email(email)
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        created = user is None
        if created:
            if not password:
                raise ValidationError("a new user needs a password")
            _check_password(password)
            user = User.objects.create_user(email, password, name=name)
        elif password:
            raise ValidationError(f"{email} has a login already, and its password was not changed; "
                                  f"to set a new one: teamalign user reset-password {email} --password …")
        previous = Membership.objects.filter(user=user, organisation=organisation).values_list(
            "role", flat=True).first()
        membership_set(user=user, organisation=organisation, role=role)
    return UserAdded(user=user, login_created=created, previous_role=previous, role=role)


def user_create(*, email: str, password: str | None, organisation: Organisation, role: str,
                name: str = "") -> User:
    """`user_add`, for callers that only need the login."""
    return user_add(email=email, password=password, organisation=organisation, role=role, name=name).user


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


# Invitations and passwords ----------------------------------------------------------------------


def invitation_create(*, organisation: Organisation, email: str, role: str,
                      invited_by: User | None) -> tuple[Invitation, str]:
    """Invite an email address to a role; return the invitation and its link's secret (shown once).

    Never looks at logins: the work done, the answer and the time it takes are the same whether
    the address has a login (in any organisation) or not, so the inviter learns nothing about it.
    A second invitation to the same address replaces the first, whose link stops working."""
    if role not in Role.values:
        raise ValidationError(f"unknown role '{role}'; roles: {', '.join(Role.values)}")
    email = _check_email(email)
    # Only this organisation's own members are looked at (the admin sees them in the list anyway).
    if Membership.objects.filter(organisation=organisation, user__email=email).exists():
        raise ValidationError(f"{email} is a member already; change the role in the list above")
    secret = "inv_" + secrets.token_urlsafe(32)
    now = dj_timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(organisation=organisation, email=email, status=Invitation.Status.PENDING) \
            .update(status=Invitation.Status.REVOKED, responded_at=now)
        invitation = Invitation.objects.create(
            organisation=organisation, email=email, role=role, token_hash=token_digest(secret),
            invited_by=invited_by, created_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS))
    return invitation, secret


def _invitation_close(invitation: Invitation, status: str) -> None:
    """Close a pending invitation once: of two simultaneous answers, the second is refused."""
    closed = Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING,
                                       expires_at__gt=dj_timezone.now()) \
        .update(status=status, responded_at=dj_timezone.now())
    if not closed:
        raise ValidationError("this invitation is no longer open: it was answered, revoked or has expired")
    invitation.refresh_from_db()


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invitee, signed in as the invited address, joins the organisation with the invited role.

    A login that is a member already keeps its role (an invitation never demotes)."""
    if user.email.lower() != invitation.email:
        raise ValidationError("this invitation is for another email address")
    with transaction.atomic():
        _invitation_close(invitation, Invitation.Status.ACCEPTED)
        membership = Membership.objects.filter(user=user, organisation=invitation.organisation).first()
        if membership is None:
            membership = membership_set(user=user, organisation=invitation.organisation, role=invitation.role)
    return membership


def invitation_decline(*, invitation: Invitation, user: User) -> None:
    if user.email.lower() != invitation.email:
        raise ValidationError("this invitation is for another email address")
    _invitation_close(invitation, Invitation.Status.DECLINED)


def invitation_revoke(*, invitation: Invitation) -> None:
    _invitation_close(invitation, Invitation.Status.REVOKED)


def invitation_join(*, invitation: Invitation, name: str, password: str) -> User:
    """Create the login of an invited address that has none, with the password its owner chose
    through the invitation link, and accept the invitation. An address with a login signs in
    instead: the link never sets the password of an existing login."""
    with transaction.atomic():
        if User.objects.filter(email=invitation.email).exists():
            raise ValidationError(f"{invitation.email} has a login already: sign in to accept the invitation")
        _check_password(password, User(email=invitation.email, name=name))
        user = User.objects.create_user(invitation.email, password, name=name.strip())
        invitation_accept(invitation=invitation, user=user)
    return user


def user_password_set(*, user: User, password: str) -> None:
    """Set a login's password (validated). Its other sessions end, as its password changed."""
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])


def password_reset_token(*, user: User) -> tuple[str, str]:
    """(uidb64, token) for a one-time reset link: it stops working once the password changes
    (or the login signs in) and after PASSWORD_RESET_TIMEOUT."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


def password_reset_by_admin(*, admin: User, membership: Membership) -> tuple[str, str]:
    """A reset link for a member, for an admin to pass on.

    An admin may reset only a login that is in no organisation the admin does not administer:
    otherwise the admin of one organisation could take over a login that reaches another (an
    advisor's, say). Those are reset by the user (change password) or the operator (CLI)."""
    user = membership.user
    if user.pk == admin.pk:
        raise ValidationError("to change your own password, use Account → Change password")
    administered = Membership.objects.filter(user=admin, role=Role.ADMIN).values("organisation")
    if Membership.objects.filter(user=user).exclude(organisation__in=administered).exists():
        raise ValidationError(f"the password of {user.email} cannot be reset from this organisation; "
                              "they can change it themselves, or your teamalign operator can reset it "
                              "(teamalign user reset-password)")
    return password_reset_token(user=user)


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token record and the secret, which is shown once and never stored."""
    secret = "ta_" + secrets.token_urlsafe(32)
    # The name is a label the user types: kept to what the column holds, without the NUL PostgreSQL refuses.
    name = name.replace("\x00", "").strip()[:ApiToken._meta.get_field("name").max_length].strip()
    token = ApiToken.objects.create(user=user, name=name or "token", prefix=secret[:10],
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
