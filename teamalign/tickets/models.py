"""Tickets from the ITSM tools, the business-hours schedules and SLA policies they are measured
against, and the rules that tell which department a requester belongs to.

The derived columns of a ticket (business and calendar seconds, due times, breach flags) are
written in bulk by the import and recompute services, never one ticket at a time.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone

from teamalign.orgs.models import Department, ImportRun, Organisation, Person, Team, validate_timezone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WEEKLY = {day: ([["09:00", "17:00"]] if day not in ("sat", "sun") else []) for day in WEEKDAYS}


class Schedule(models.Model):
    """Business hours: weekly open intervals in a time zone, minus holidays."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="schedules")
    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    # {"mon": [["09:00", "17:00"]], ...}; an interval whose end is before its start runs overnight.
    weekly = models.JSONField(default=dict)
    holidays = models.JSONField(default=list, blank=True)  # ISO dates
    holiday_country = models.CharField(max_length=8, blank=True)
    holiday_subdivision = models.CharField(max_length=16, blank=True)
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), "organisation", name="schedule_name_unique_per_org")]

    def __str__(self) -> str:
        return self.name

    def to_calc(self):
        """The engine's Schedule (teamalign.calc.business_hours) for this row."""
        from teamalign.calc.business_hours import Schedule as BusinessHours

        return BusinessHours(self.timezone, self.weekly or {}, holidays=self.holidays or (),
                             holiday_country=self.holiday_country or None,
                             holiday_subdivision=self.holiday_subdivision or None)


class TicketKind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    REQUEST = "request", "Request"
    CHANGE = "change", "Change"
    PROBLEM = "problem", "Problem"


class TicketState(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELED = "canceled", "Canceled"


OPEN_STATES = (TicketState.NEW, TicketState.IN_PROGRESS, TicketState.ON_HOLD)


class ResponseBasis(models.TextChoices):
    """Where a ticket's first response comes from (services.ticket_import decides, per ticket)."""

    TIME = "time", "the source's first-response time"
    CALENDAR_DURATION = "calendar_duration", "opened + the source's first-response duration (calendar)"
    BUSINESS_DURATION = "business_duration", "the source's first-response duration in its business hours"
    NONE = "none", "not recorded by the source"


class AsOfSource(models.TextChoices):
    """Where the instant open tickets are measured at (``Ticket.as_of``) comes from."""

    EXPORT = "export", "the export's last update"
    GIVEN = "given", "the as-of instant given with the import"
    IMPORT = "import", "the import (the export has no last-update time)"


class SlaPolicy(models.Model):
    """Targets for one ticket kind and priority, in business seconds of a schedule."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sla_policies")
    kind = models.CharField(max_length=10, choices=TicketKind.choices)
    priority = models.PositiveSmallIntegerField()  # 1..5
    response_target_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_target_seconds = models.PositiveIntegerField(null=True, blank=True)
    schedule = models.ForeignKey(Schedule, on_delete=models.RESTRICT, related_name="policies")
    pause_states = models.JSONField(default=list, blank=True)  # normalised states, e.g. ["on_hold"]
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["kind", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "priority"], name="sla_policy_unique"),
            models.CheckConstraint(condition=models.Q(priority__gte=1, priority__lte=5), name="sla_priority_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} P{self.priority}"


class RequesterRule(models.Model):
    """Puts requesters that are not in the people directory into a department (and team).

    For files without a department column: e.g. ServiceNow's `location` "Location 143" → Operations.
    Values match case-insensitively and in full.
    """

    class Field(models.TextChoices):
        REQUESTER_NAME = "requester_name", "Requester name"
        REQUESTER_DEPARTMENT = "requester_department", "Department as written in the file"
        LOCATION = "location", "Location"
        COMPANY = "company", "Company"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="requester_rules")
    field = models.CharField(max_length=24, choices=Field.choices)
    value = models.CharField(max_length=200)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="requester_rules")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="requester_rules")

    class Meta:
        ordering = ["field", "value"]
        constraints = [models.UniqueConstraint("organisation", "field", Lower("value"), name="requester_rule_unique")]

    def __str__(self) -> str:
        return f"{self.get_field_display()} = {self.value} → {self.department.name}"


class Ticket(models.Model):
    """One ticket as the source tool last exported it, plus what teamalign derived from it.

    Times are UTC. ``response_*``/``resolution_*`` seconds are measured from opened to first
    response / resolved, pauses excluded, in the policy's schedule (business) and in plain
    elapsed time (calendar). A breach flag is null while a target is not yet due or not measurable.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tickets",
                                     db_index=False)  # led by the unique and the dashboard indexes
    source = models.CharField(max_length=40)
    external_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=TicketKind.choices)
    title = models.TextField(blank=True, default="")
    priority = models.PositiveSmallIntegerField(null=True, blank=True)
    priority_raw = models.TextField(blank=True, default="")
    state = models.CharField(max_length=12, choices=TicketState.choices)
    state_raw = models.TextField(blank=True, default="")
    category = models.TextField(blank=True, default="")
    # Requester: resolved to a person (by email, then name) or a department by a rule.
    # The nullable references below have no database constraint: checking five parent rows for
    # each of a million inserted tickets costs the bulk import a fifth of its time on SQLite and
    # more on PostgreSQL. Django still nulls them when the person, team, department, policy or
    # import run is deleted (on_delete=SET_NULL runs in the ORM).
    requester_person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="tickets", db_index=False, db_constraint=False)
    requester_department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True, blank=True,
                                             related_name="tickets", db_index=False, db_constraint=False)
    requester_team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="tickets", db_index=False, db_constraint=False)
    requester_raw = models.TextField(blank=True, default="")  # "Name <email>" as in the file
    # What the file said about the requester, as JSON text ({"name", "email", "location", "company",
    # "department"}), so requesters can be resolved again when the directory or the rules change.
    # Text rather than a JSONField: SQLite would validate the JSON of every inserted row.
    requester_details = models.TextField(blank=True, default="{}")
    assignment_group = models.TextField(blank=True, default="")  # the IT team
    assigned_to = models.TextField(blank=True, default="")
    business_service = models.TextField(blank=True, default="")
    opened_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Null when the source records no such count (the figures then say "not measured").
    reassignment_count = models.IntegerField(null=True, blank=True, default=0)
    reopen_count = models.IntegerField(null=True, blank=True, default=0)
    feedback_rating = models.SmallIntegerField(null=True, blank=True)
    # The source's own figures, kept beside ours: durations in calendar and in the source's
    # business hours, and its SLA verdict (True = breached), so the pages can show where they differ.
    source_response_seconds = models.BigIntegerField(null=True, blank=True)
    source_resolution_seconds = models.BigIntegerField(null=True, blank=True)
    source_response_business_seconds = models.BigIntegerField(null=True, blank=True)
    source_resolution_business_seconds = models.BigIntegerField(null=True, blank=True)
    source_response_breached = models.BooleanField(null=True, blank=True)
    source_resolution_breached = models.BooleanField(null=True, blank=True)
    # Derived at import / recompute.
    policy = models.ForeignKey(SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="tickets", db_index=False, db_constraint=False)
    response_business_seconds = models.BigIntegerField(null=True, blank=True)
    resolution_business_seconds = models.BigIntegerField(null=True, blank=True)
    response_calendar_seconds = models.BigIntegerField(null=True, blank=True)
    resolution_calendar_seconds = models.BigIntegerField(null=True, blank=True)
    response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    response_breached = models.BooleanField(null=True, blank=True)
    resolution_breached = models.BooleanField(null=True, blank=True)
    response_basis = models.CharField(max_length=20, choices=ResponseBasis.choices, default=ResponseBasis.TIME)
    # The instant open tickets were measured at, and where it came from (AsOfSource).
    as_of = models.DateTimeField()
    as_of_source = models.CharField(max_length=8, choices=AsOfSource.choices, default=AsOfSource.EXPORT)
    import_run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="tickets", db_index=False, db_constraint=False)
    row_hash = models.BigIntegerField(default=0)  # of every written column: unchanged rows are skipped
    updated_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "source", "external_id"], name="ticket_unique_per_source"),
        ]
        indexes = [
            models.Index(fields=["organisation", "opened_at"], name="ticket_org_opened"),
            models.Index(fields=["organisation", "requester_department", "priority"], name="ticket_org_dept_prio"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.title[:60]}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def response_verdict_differs(self) -> bool:
        """The source tool's response verdict and ours both exist and disagree."""
        return None not in (self.response_breached, self.source_response_breached) \
            and self.response_breached != self.source_response_breached

    @property
    def resolution_verdict_differs(self) -> bool:
        return None not in (self.resolution_breached, self.source_resolution_breached) \
            and self.resolution_breached != self.source_resolution_breached


class TicketStateChange(models.Model):
    """One entry of a ticket's state history (from an event log or audit export)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    # No database-level cascade from the ticket: with one, Django would load every ticket of an
    # organisation into memory to delete it. Services delete a ticket's history themselves
    # (bulk.replace_history) and the organisation's cascade removes the rest in one statement.
    ticket = models.ForeignKey(Ticket, on_delete=models.DO_NOTHING, db_constraint=False,
                               related_name="state_changes", db_index=False)
    at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=TicketState.choices)
    state_raw = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="state_change_ticket_at")]


class TicketDataVersion(models.Model):
    """Bumped by every write that changes what the responsiveness figures show (imports,
    recomputes, schedules, policies, rules); cached figures carry the version they were made at."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+", primary_key=True)
    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=dj_timezone.now)


class MetricsCache(models.Model):
    """Computed responsiveness figures for one organisation and one set of filters."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=200)
    version = models.BigIntegerField()
    computed_at = models.DateTimeField(default=dj_timezone.now)
    payload = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="metrics_cache_unique")]
