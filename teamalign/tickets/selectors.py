"""Reads for the Responsiveness area, always scoped to one organisation.

``responsiveness`` is what the page, the API and ``teamalign metrics responsiveness`` show: it
loads the needed ticket columns in one query into Polars, computes the figures with
``teamalign.calc.metrics`` and caches them per organisation and filters, keyed by the ticket
data version. The version is bumped by imports, recomputes and settings changes, and by any
change to the organisation, its departments or teams (signals in apps.py), since names, kinds
and the time zone show in the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from django.db.models import Q, QuerySet
from django.utils import timezone as dj_timezone

from teamalign.calc import metrics
from teamalign.calc.business_hours import is_open_at
from teamalign.orgs.models import Department, Organisation, Team

from . import bulk
from .formatting import format_duration, source_name
from .models import (OPEN_STATES, MetricsCache, ResponseBasis, Schedule, SlaPolicy, Ticket, TicketDataVersion,
                     TicketStateChange)


@dataclass(frozen=True)
class Filters:
    """What the Responsiveness figures and the ticket list can be narrowed to."""

    department: Department | None = None
    since: date | None = None
    priority: int | None = None

    def key(self) -> str:
        return (f"d={self.department.pk if self.department else ''}|s={self.since or ''}"
                f"|p={self.priority or ''}")

    def as_dict(self) -> dict:
        return {"department": self.department.name if self.department else None,
                "since": self.since.isoformat() if self.since else None, "priority": self.priority}


def data_version(organisation: Organisation) -> int:
    return TicketDataVersion.objects.filter(organisation=organisation).values_list("version", flat=True).first() or 0


def ticket_frame(organisation: Organisation, filters: Filters = Filters(), *,
                 extra: dict[str, pl.DataType] | None = None) -> pl.DataFrame:
    """The columns metrics need (``metrics.TICKET_COLUMNS``) and any ``extra`` columns of the ticket
    table, one query, department and team names joined."""
    where = [f"organisation_id = {int(organisation.pk)}"]
    params: list = []
    if filters.department is not None:
        where.append(f"requester_department_id = {int(filters.department.pk)}")
    if filters.priority is not None:
        where.append(f"priority = {int(filters.priority)}")
    if filters.since is not None:
        # A date means midnight where the organisation is, as the month buckets do.
        since = datetime.combine(filters.since, time.min, tzinfo=ZoneInfo(organisation.timezone))
        # Stored as Django stores it: naive UTC text on SQLite, timestamptz on PostgreSQL.
        where.append("opened_at >= %s")
        params.append(since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if bulk.vendor() == "sqlite"
                      else since)
    frame = bulk.read_frame(bulk.TICKET_TABLE, {
        "requester_department_id": pl.Int64, "requester_team_id": pl.Int64, "priority": pl.Int8,
        "category": pl.Utf8, "assignment_group": pl.Utf8, "state": pl.Utf8,
        "opened_at": bulk.UTC_US, "as_of": bulk.UTC_US,
        "response_business_seconds": pl.Int64, "resolution_business_seconds": pl.Int64,
        "response_breached": pl.Boolean, "resolution_breached": pl.Boolean,
        "reopen_count": pl.Int32, "reassignment_count": pl.Int32,
        "source": pl.Utf8, "response_basis": pl.Utf8, "as_of_source": pl.Utf8,
        "source_response_breached": pl.Boolean, "source_resolution_breached": pl.Boolean, **(extra or {}),
    }, " AND ".join(where), params)
    departments = pl.DataFrame(list(Department.objects.filter(organisation=organisation).values_list(
        "pk", "name", "kind")), schema={"requester_department_id": pl.Int64, "department": pl.Utf8,
                                        "department_kind": pl.Utf8}, orient="row")
    teams = pl.DataFrame(list(Team.objects.filter(organisation=organisation).values_list("pk", "name")),
                         schema={"requester_team_id": pl.Int64, "team": pl.Utf8}, orient="row")
    frame = frame.join(departments, on="requester_department_id", how="left") \
        .join(teams, on="requester_team_id", how="left")
    blank_as_null = [pl.col(c).replace("", None) for c in ("category", "assignment_group")]
    return frame.with_columns(blank_as_null).select(
        [pl.col(c).cast(t) for c, t in {**metrics.TICKET_COLUMNS, **(extra or {})}.items()])


def data_stamp(organisation: Organisation) -> tuple[int, str]:
    """(version, stamp) of the ticket data: the stamp holds when the version last changed as well
    as its number, so it is never reused for other data (even where a test database rolls the
    number back)."""
    version, changed_at = TicketDataVersion.objects.filter(organisation=organisation).values_list(
        "version", "changed_at").first() or (0, None)
    return version, f"{version}@{changed_at.timestamp() if changed_at else 0}"


def ticket_count(organisation: Organisation) -> int:
    return Ticket.objects.filter(organisation=organisation).count()


def has_tickets(organisation: Organisation) -> bool:
    return Ticket.objects.filter(organisation=organisation).exists()


def comparison(organisation: Organisation) -> metrics.Comparison:
    """When Operations and the other departments can be compared: the organisation's thresholds
    (Findings → Thresholds), shared with the findings so the page and they agree."""
    from teamalign.insights.selectors import thresholds
    from teamalign.insights.thresholds import comparison as comparison_from

    return comparison_from(thresholds(organisation))


def figures_key(organisation: Organisation, filters: Filters = Filters()) -> tuple[str, int]:
    """(cache key, data version) of the figures for these filters; two small queries."""
    version, stamp = data_stamp(organisation)
    return f"responsiveness|v4|{filters.key()}|{comparison(organisation).key()}|{stamp}", version


def responsiveness(organisation: Organisation, filters: Filters = Filters(), *, use_cache: bool = True) -> dict:
    """The Responsiveness figures (``metrics.responsiveness``) plus the filters and the policies."""
    key, version = figures_key(organisation, filters)
    if use_cache:
        cached = MetricsCache.objects.filter(organisation=organisation, key=key, version=version).first()
        if cached is not None:
            return cached.payload
    payload = _responsiveness_payload(organisation, filters, ticket_frame(organisation, filters), version)
    if use_cache:
        _cache_store(organisation, key, version, payload)
    return payload


def _responsiveness_payload(organisation: Organisation, filters: Filters, frame: pl.DataFrame, version: int) -> dict:
    payload = metrics.responsiveness(frame.select(list(metrics.TICKET_COLUMNS)), timezone=organisation.timezone,
                                     comparison=comparison(organisation))
    payload["filters"] = filters.as_dict()
    payload["organisation"] = organisation.slug
    payload["data_version"] = version
    return payload


def _cache_store(organisation: Organisation, key: str, version: int, payload: dict) -> None:
    MetricsCache.objects.update_or_create(organisation=organisation, key=key,
                                          defaults={"version": version, "payload": payload,
                                                    "computed_at": dj_timezone.now()})


def _default_schedule(organisation: Organisation) -> Schedule | None:
    """The schedule tickets without a policy are measured in (as services.schedule_default
    chooses it), without creating one."""
    found = Schedule.objects.filter(organisation=organisation)
    return found.filter(name__iexact="Business hours").first() or found.order_by("pk").first()


def _outside_hours(organisation: Organisation, frame: pl.DataFrame) -> pl.Series:
    """Per ticket, whether it was opened outside the open hours of its policy's schedule (the
    default schedule without a policy); null when the organisation has no schedule at all."""
    schedules = {s.pk: s for s in Schedule.objects.filter(organisation=organisation)}
    schedule_of = dict(SlaPolicy.objects.filter(organisation=organisation).values_list("pk", "schedule_id"))
    default = _default_schedule(organisation)
    schedule_ids = frame["policy_id"].replace_strict(schedule_of, default=None, return_dtype=pl.Int64)
    if default is not None:
        schedule_ids = schedule_ids.fill_null(default.pk)
    outside = np.zeros(frame.height, dtype=bool)
    known = np.zeros(frame.height, dtype=bool)
    opened = frame["opened_at"].dt.epoch("us").to_numpy()
    ids = schedule_ids.to_numpy()
    for schedule_id in {int(i) for i in schedule_ids.drop_nulls().unique()}:
        rows = np.flatnonzero(ids == schedule_id)
        engine = schedules[schedule_id].to_calc()
        outside[rows] = ~is_open_at(engine, opened[rows].astype("datetime64[us]"))
        known[rows] = True
    return pl.Series("outside_hours", outside).zip_with(
        pl.Series(known), pl.Series([None] * frame.height, dtype=pl.Boolean))


def findings_figures(organisation: Organisation, *, use_cache: bool = True) -> dict:
    """The figures the Responsiveness findings read besides the page's (tickets/findings.py):
    IT teams against each other (``it_teams``), tickets opened outside the SLA schedule's hours
    (``outside_hours``), first-response data per source (``response_coverage``), and the
    Operations departments (for links). Cached per data version like the page's figures."""
    version, stamp = data_stamp(organisation)
    compare = comparison(organisation)
    key = f"findings|v1|{compare.key()}|{stamp}"
    if use_cache:
        cached = MetricsCache.objects.filter(organisation=organisation, key=key, version=version).first()
        if cached is not None:
            return cached.payload
    frame = ticket_frame(organisation, extra={"source": pl.Utf8, "policy_id": pl.Int64,
                                              "first_response_at": bulk.UTC_US})
    page_key, _version = figures_key(organisation)
    if use_cache and not MetricsCache.objects.filter(organisation=organisation, key=page_key,
                                                     version=version).exists():
        # The unfiltered page's figures come from the same tickets: computed from this frame
        # now, the first visitor after new data waits for one read of the tickets, not two.
        _cache_store(organisation, page_key, version, _responsiveness_payload(organisation, Filters(), frame, version))
    payload = {
        "tickets": frame.height,
        "it_teams": metrics.it_team_outliers(frame, compare),
        "outside_hours": metrics.opened_outside_hours(
            frame.with_columns(_outside_hours(organisation, frame)), compare),
        "response_coverage": metrics.response_coverage(frame),
        "operations_departments": [
            {"id": pk, "name": name} for pk, name in Department.objects.filter(
                organisation=organisation, kind=Department.Kind.OPERATIONS).values_list("pk", "name")],
        "data_version": version,
    }
    if use_cache:
        _cache_store(organisation, key, version, payload)
    return payload


# --------------------------------------------------------------------------- the ticket list

@dataclass(frozen=True)
class ListFilters:
    department: Department | None = None
    team: Team | None = None
    priority: int | None = None
    state: str | None = None  # a normalised state, or "open"
    kind: str | None = None
    category: str | None = None
    it_team: str | None = None
    breached: str | None = None  # "response", "resolution" or "any"
    since: date | None = None
    query: str = ""
    unresolved: bool = False  # tickets whose requester is in no department
    source: str | None = None  # the tool the tickets came from ("jira"…)
    verdict_differs: bool = False  # the source's SLA verdict differs from ours on a target


#: Tickets where the source tool's SLA verdict and teamalign's disagree, on either target.
VERDICT_DIFFERS = (Q(response_breached=True, source_response_breached=False)
                   | Q(response_breached=False, source_response_breached=True)
                   | Q(resolution_breached=True, source_resolution_breached=False)
                   | Q(resolution_breached=False, source_resolution_breached=True))


def tickets(organisation: Organisation, filters: ListFilters = ListFilters()) -> QuerySet[Ticket]:
    found = Ticket.objects.filter(organisation=organisation).select_related(
        "requester_department", "requester_team")
    if filters.department is not None:
        found = found.filter(requester_department=filters.department)
    if filters.team is not None:
        found = found.filter(requester_team=filters.team)
    if filters.unresolved:
        found = found.filter(requester_department__isnull=True)
    if filters.priority is not None:
        found = found.filter(priority=filters.priority)
    if filters.state == "open":
        found = found.filter(state__in=OPEN_STATES)
    elif filters.state:
        found = found.filter(state=filters.state)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.category:
        found = found.filter(category=filters.category)
    if filters.it_team:
        found = found.filter(assignment_group=filters.it_team)
    if filters.breached == "response":
        found = found.filter(response_breached=True)
    elif filters.breached == "resolution":
        found = found.filter(resolution_breached=True)
    elif filters.breached == "any":
        found = found.filter(Q(response_breached=True) | Q(resolution_breached=True))
    if filters.since is not None:
        found = found.filter(opened_at__gte=datetime.combine(filters.since, time.min,
                                                             tzinfo=ZoneInfo(organisation.timezone)))
    if filters.source:
        found = found.filter(source__iexact=filters.source)
    if filters.verdict_differs:
        found = found.filter(VERDICT_DIFFERS)
    if filters.query:
        found = found.filter(Q(external_id__icontains=filters.query) | Q(title__icontains=filters.query))
    return found.defer("requester_details")


def ticket_choices(organisation: Organisation) -> dict:
    """Values offered by the list's filters (from the cached figures, so no scan of the tickets)."""
    payload = responsiveness(organisation)
    return {"categories": [r["key"] for r in payload["breakdowns"]["category"] if r["key"]][:200],
            "it_teams": [r["key"] for r in payload["breakdowns"]["it_team"] if r["key"]][:200]}


@dataclass
class TimelineEntry:
    at: datetime
    what: str
    detail: str = ""
    kind: str = "event"  # event, state, pause, due, breach


def ticket_timeline(ticket: Ticket) -> list[TimelineEntry]:
    """Opened, every state change (pauses marked), first response, resolved, closed and the due times."""
    policy = ticket.policy
    pause_states = set(policy.pause_states) if policy else {"on_hold"}
    entries = [TimelineEntry(ticket.opened_at, "Opened", ticket.title, "event")]
    changes = list(TicketStateChange.objects.filter(ticket=ticket).order_by("at", "id"))
    for index, change in enumerate(changes):
        paused = change.state in pause_states
        until = changes[index + 1].at if index + 1 < len(changes) else None
        detail = change.state_raw if change.state_raw != change.get_state_display() else ""
        if paused:
            detail += f" — the SLA clock is paused{' until ' + until.strftime('%Y-%m-%d %H:%M') if until else ''}"
        entries.append(TimelineEntry(change.at, f"State: {change.get_state_display()}", detail,
                                     "pause" if paused else "state"))
    # The ticket's own times, unless the history already shows a change at that instant.
    changed_at = {change.at for change in changes}
    derived = "opened + the first-response duration the source gives" \
        if ticket.response_basis == ResponseBasis.CALENDAR_DURATION else ""
    for at, what, detail in ((ticket.first_response_at, "First response", derived), (ticket.resolved_at, "Resolved", ""),
                             (ticket.closed_at, "Closed", "")):
        if at and (at not in changed_at or what == "First response"):
            entries.append(TimelineEntry(at, what, detail, "event"))
    for what, due, breached in (("Response", ticket.response_due_at, ticket.response_breached),
                                ("Resolution", ticket.resolution_due_at, ticket.resolution_breached)):
        if due:
            state = {True: "breached", False: "met", None: "not yet due"}[breached]
            entries.append(TimelineEntry(due, f"{what} due", state, "breach" if breached else "due"))
    return sorted(entries, key=lambda e: (e.at, e.kind != "event"))


def response_basis_text(ticket: Ticket) -> str:
    """Where the ticket's first response comes from, as the ticket page says it (after "First response")."""
    tool = source_name(ticket.source)
    schedule = f"“{ticket.policy.schedule.name}”" if ticket.policy else "the default schedule"
    if ticket.response_basis == ResponseBasis.NONE:
        return f"is not measured: this {tool} export has no first-response data"
    if ticket.response_basis == ResponseBasis.CALENDAR_DURATION:
        return (f"from {tool}'s first-response duration: opened + {format_duration(ticket.source_response_seconds)} "
                f"(calendar), the business time then measured in {schedule}")
    if ticket.response_basis == ResponseBasis.BUSINESS_DURATION:
        return (f"from {tool}'s first-response duration in its own business hours "
                f"({format_duration(ticket.source_response_business_seconds)}), taken as it is; {tool} gives no "
                "calendar figure")
    if ticket.first_response_at is None:
        return f"not yet recorded in the {tool} export"
    return f"from the time the {tool} export records, measured in {schedule}"


def source_figures(ticket: Ticket) -> list[str]:
    """The durations the source tool computed itself, for the ticket page ("first response 22 m calendar…")."""
    out = []
    for what, calendar, business in (
            ("first response", ticket.source_response_seconds, ticket.source_response_business_seconds),
            ("resolution", ticket.source_resolution_seconds, ticket.source_resolution_business_seconds)):
        parts = [f"{format_duration(calendar)} calendar" if calendar is not None else "",
                 f"{format_duration(business)} in its business hours" if business is not None else ""]
        if any(parts):
            out.append(f"{what} {', '.join(p for p in parts if p)}")
    return out


def policies(organisation: Organisation) -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.filter(organisation=organisation).select_related("schedule")
