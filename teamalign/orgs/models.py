"""Organisations (tenants), their departments, teams and people, users and their roles, import runs."""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a known IANA time zone (for example Europe/London).")


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def it_department(self) -> Department | None:
        return self.departments.filter(kind=Department.Kind.IT).first()


class Department(models.Model):
    class Kind(models.TextChoices):
        IT = "it", "IT (the provider)"
        OPERATIONS = "operations", "Operations (the focal customer)"
        OTHER = "other", "Other (comparison group)"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OTHER)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "organisation", name="department_name_unique_per_org"),
            # Exactly one IT provider: at most one by constraint, at least one by the services
            # (an organisation is created with it and it cannot be deleted or re-kinded).
            models.UniqueConstraint(
                fields=["organisation"], condition=models.Q(kind="it"), name="one_it_department_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["department__name", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "department", name="team_name_unique_per_department"),
        ]

    def __str__(self) -> str:
        return f"{self.department.name} / {self.name}"


class Person(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    title = models.CharField(max_length=200, blank=True)
    is_leader = models.BooleanField(default=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="people",
                                   null=True, blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="people", null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email"], name="person_email_unique_per_org"),
        ]
        indexes = [models.Index(fields=["organisation", "name"])]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Its roles live in memberships, one per organisation it may see."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=dj_timezone.now)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.name or self.email


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    IT = "it", "IT"
    OPS = "ops", "Operations"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    """A user's role in one organisation. Advisors hold several (usually as admin)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="memberships")
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.organisation}"


class ApiToken(models.Model):
    """A per-user API token. Only a SHA-256 of the token is stored; it is shown once at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Invitation(models.Model):
    """An offer of a role in an organisation, made to an email address.

    It gives no access until the owner of the address accepts it, signed in as that address (or,
    when the address has no login yet, by choosing a password through the invitation link). The
    inviter learns nothing about the address: not whether it has a login, nor its other
    organisations. Only a SHA-256 of the link's secret is stored."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="invitations_sent")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=dj_timezone.now)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email"], condition=models.Q(status="pending"),
                                    name="one_pending_invitation_per_email_and_org"),
        ]
        indexes = [models.Index(fields=["email", "status"])]

    def __str__(self) -> str:
        return f"{self.email} invited as {self.role} of {self.organisation} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at > dj_timezone.now()


class LoginFailure(models.Model):
    """Failed logins, kept briefly for throttling (works across server processes)."""

    username = models.CharField(max_length=254, db_index=True)
    address = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(default=dj_timezone.now, db_index=True)


class ImportRun(models.Model):
    """One import of one file: what, from where, by whom, with what result. Shared by every importer."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        # Its process died (killed, restarted, out of memory) before the import committed: nothing
        # was written. Set by teamalign.ops.reaper; the run's page offers a re-run.
        INTERRUPTED = "interrupted", "Interrupted"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="import_runs")
    kind = models.CharField(max_length=20)  # people, tickets, ...
    format = models.CharField(max_length=40, blank=True)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.BigIntegerField(default=0)
    stored_path = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="import_runs")
    via = models.CharField(max_length=10, default="web")  # web, cli, api
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=dj_timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.IntegerField(default=0)
    rows_created = models.IntegerField(default=0)
    rows_updated = models.IntegerField(default=0)
    rows_unchanged = models.IntegerField(default=0)
    rows_rejected = models.IntegerField(default=0)
    progress_done = models.IntegerField(default=0)
    progress_total = models.IntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # The process running it (teamalign.ops.leases): how a run whose process died is recognised.
    lease_holder = models.CharField(max_length=64, blank=True)
    retry_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="retries")
    # When the retention rule deleted the stored file (UPLOAD_RETENTION_DAYS).
    file_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} import of {self.file_name} ({self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def is_finished(self) -> bool:
        """Ended one way or another: nothing more will happen to it (pages stop polling)."""
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED, self.Status.INTERRUPTED)

    @property
    def progress_percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))
