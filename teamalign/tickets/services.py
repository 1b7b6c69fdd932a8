"""Writes for tickets, schedules, SLA policies and requester rules.

``ticket_import`` is the whole import of one ticket export: parse (importers registry) →
resolve requesters → measure against the SLA policies (derive.py, in bulk) → upsert in one
transaction through the backend's fast path (bulk.py). ``tickets_recompute`` measures every
ticket of an organisation again after a schedule, policy or requester rule changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import F
from django.utils import timezone as dj_timezone

from teamalign.calc.business_hours import BusinessHoursError
from teamalign.calc.business_hours import Schedule as BusinessHours
from teamalign.errors import ImportFileError, ValidationError
from teamalign.orgs.import_runs import ImportResult, register_import_kind
from teamalign.ingest import sandbox
from teamalign.orgs.models import Department, ImportRun, Organisation, Person, Team
from teamalign.orgs.parsing import parse_untrusted

from . import bulk, derive, importers, requesters, sources
from .models import (
    DEFAULT_WEEKLY,
    WEEKDAYS,
    RequesterRule,
    Schedule,
    SlaPolicy,
    TicketDataVersion,
    TicketKind,
    TicketState,
)

Progress = Callable[[int, int], None]

#: The ticket parser, as the sandbox names it (it runs in a child process), and the modules
#: the sandbox's fork server loads once so that each parse starts with them.
PARSE_TICKETS = "teamalign.tickets.importers:parse"
sandbox.preload("teamalign.tickets.importers", *importers.module_names())

DEFAULT_SCHEDULE_NAME = "Business hours"
HOUR = 3600
DAY = 8 * HOUR  # a business day of the default schedule
#: Targets of the default policies (business seconds): priority → (response, resolution).
DEFAULT_TARGETS: dict[int, tuple[int, int]] = {
    1: (15 * 60, 4 * HOUR),
    2: (1 * HOUR, 1 * DAY),
    3: (4 * HOUR, 3 * DAY),
    4: (1 * DAY, 5 * DAY),
    5: (2 * DAY, 10 * DAY),
}
DEFAULT_POLICY_KINDS = (TicketKind.INCIDENT, TicketKind.REQUEST)

#: Source fields whose hash decides whether a re-imported ticket changed.
_HASHED = tuple(n for n in importers.base.TICKET_SCHEMA if n != "source_row")
_HASH_SEED = 20260301


# --------------------------------------------------------------------------- data version

def data_version_bump(organisation: Organisation) -> None:
    """Mark the organisation's responsiveness figures out of date (cached ones are dropped lazily)."""
    updated = TicketDataVersion.objects.filter(organisation=organisation).update(
        version=F("version") + 1, changed_at=dj_timezone.now())
    if not updated:
        TicketDataVersion.objects.get_or_create(organisation=organisation, defaults={"version": 1})


# --------------------------------------------------------------------------- schedules and policies

def schedule_default(organisation: Organisation) -> Schedule:
    """The organisation's "Business hours" schedule (Mon–Fri 09:00–17:00 in its time zone), created
    the first time it is needed."""
    schedule = Schedule.objects.filter(organisation=organisation, name__iexact=DEFAULT_SCHEDULE_NAME).first()
    if schedule is None:
        schedule = Schedule.objects.filter(organisation=organisation).order_by("pk").first()
    if schedule is None:
        schedule = Schedule.objects.create(organisation=organisation, name=DEFAULT_SCHEDULE_NAME,
                                           timezone=organisation.timezone, weekly=DEFAULT_WEEKLY)
    return schedule


def policies_ensure_default(organisation: Organisation) -> None:
    """Give an organisation without any SLA policy the default ones (incidents and requests, P1–P5)."""
    if SlaPolicy.objects.filter(organisation=organisation).exists():
        return
    schedule = schedule_default(organisation)
    SlaPolicy.objects.bulk_create([
        SlaPolicy(organisation=organisation, kind=kind, priority=priority, response_target_seconds=response,
                  resolution_target_seconds=resolution, schedule=schedule, pause_states=["on_hold"])
        for kind in DEFAULT_POLICY_KINDS for priority, (response, resolution) in DEFAULT_TARGETS.items()])


def _clean_schedule(*, timezone: str, weekly: dict, holidays: list, holiday_country: str,
                    holiday_subdivision: str) -> BusinessHours:
    try:
        return BusinessHours(timezone, weekly, holidays=holidays, holiday_country=holiday_country or None,
                             holiday_subdivision=holiday_subdivision or None)
    except BusinessHoursError as exc:
        raise ValidationError(str(exc)) from None


def schedule_save(*, organisation: Organisation, name: str, timezone: str, weekly: dict[str, list],
                  holidays: list[date | str] = (), holiday_country: str = "", holiday_subdivision: str = "",
                  schedule: Schedule | None = None) -> Schedule:
    name = name.strip()
    if not name:
        raise ValidationError("a schedule needs a name")
    holiday_country = holiday_country.strip().upper()
    holiday_subdivision = holiday_subdivision.strip().upper()
    checked = _clean_schedule(timezone=timezone, weekly=weekly, holidays=list(holidays),
                              holiday_country=holiday_country, holiday_subdivision=holiday_subdivision)
    duplicate = Schedule.objects.filter(organisation=organisation, name__iexact=name)
    if schedule is not None:
        duplicate = duplicate.exclude(pk=schedule.pk)
    if duplicate.exists():
        raise ValidationError(f"a schedule named '{name}' exists already")
    data = checked.to_dict()
    schedule = schedule or Schedule(organisation=organisation)
    schedule.name, schedule.timezone = name, data["timezone"]
    schedule.weekly = {day: data["weekly"][day] for day in WEEKDAYS}
    schedule.holidays = data["holidays"]
    schedule.holiday_country, schedule.holiday_subdivision = holiday_country, holiday_subdivision
    schedule.updated_at = dj_timezone.now()
    with transaction.atomic():
        schedule.save()
        data_version_bump(organisation)
    return schedule


def schedule_delete(*, schedule: Schedule) -> None:
    if schedule.policies.exists():
        raise ValidationError(f"'{schedule.name}' is used by SLA policies; point them at another schedule first")
    schedule.delete()


def sla_policy_save(*, organisation: Organisation, kind: str, priority: int, response_target_seconds: int | None,
                    resolution_target_seconds: int | None, schedule: Schedule, pause_states: list[str],
                    policy: SlaPolicy | None = None) -> SlaPolicy:
    if kind not in TicketKind.values:
        raise ValidationError(f"unknown ticket kind '{kind}'")
    if not 1 <= int(priority) <= 5:
        raise ValidationError("the priority must be 1 to 5")
    if schedule.organisation_id != organisation.pk:
        raise ValidationError("that schedule belongs to another organisation")
    unknown = set(pause_states) - set(TicketState.values)
    if unknown:
        raise ValidationError(f"unknown state(s) {', '.join(sorted(unknown))}")
    for target in (response_target_seconds, resolution_target_seconds):
        if target is not None and target < 0:
            raise ValidationError("targets cannot be negative")
    duplicate = SlaPolicy.objects.filter(organisation=organisation, kind=kind, priority=priority)
    if policy is not None:
        duplicate = duplicate.exclude(pk=policy.pk)
    if duplicate.exists():
        raise ValidationError(f"there is a policy for {kind} P{priority} already")
    policy = policy or SlaPolicy(organisation=organisation)
    policy.kind, policy.priority, policy.schedule = kind, int(priority), schedule
    policy.response_target_seconds, policy.resolution_target_seconds = response_target_seconds, \
        resolution_target_seconds
    policy.pause_states = sorted(set(pause_states))
    policy.updated_at = dj_timezone.now()
    with transaction.atomic():
        policy.save()
        data_version_bump(organisation)
    return policy


def sla_policy_delete(*, policy: SlaPolicy) -> None:
    with transaction.atomic():
        policy.delete()
        data_version_bump(policy.organisation)


def requester_rule_save(*, organisation: Organisation, field: str, value: str, department: Department,
                        team: Team | None = None) -> RequesterRule:
    value = " ".join(value.split())
    if field not in RequesterRule.Field.values:
        raise ValidationError(f"unknown field '{field}'")
    if not value:
        raise ValidationError("a rule needs a value to match")
    if department.organisation_id != organisation.pk or (team and team.organisation_id != organisation.pk):
        raise ValidationError("that department or team belongs to another organisation")
    if team is not None and team.department_id != department.pk:
        raise ValidationError(f"the team '{team.name}' is not in {department.name}")
    if RequesterRule.objects.filter(organisation=organisation, field=field, value__iexact=value).exists():
        raise ValidationError(f"there is a rule for {field} = '{value}' already")
    with transaction.atomic():
        rule = RequesterRule.objects.create(organisation=organisation, field=field, value=value,
                                            department=department, team=team)
        data_version_bump(organisation)
    return rule


def requester_rule_delete(*, rule: RequesterRule) -> None:
    with transaction.atomic():
        rule.delete()
        data_version_bump(rule.organisation)


# --------------------------------------------------------------------------- shared measurement

def _measurement_rules(organisation: Organisation, as_of: datetime) -> derive.Rules:
    default = schedule_default(organisation)
    schedules = {s.pk: s.to_calc() for s in Schedule.objects.filter(organisation=organisation)}
    policies = [derive.Policy(id=p.pk, kind=p.kind, priority=p.priority,
                              response_target_seconds=p.response_target_seconds,
                              resolution_target_seconds=p.resolution_target_seconds,
                              schedule_id=p.schedule_id, pause_states=tuple(p.pause_states or ()))
                for p in SlaPolicy.objects.filter(organisation=organisation)]
    return derive.Rules(policies=policies, schedules=schedules, default_schedule_id=default.pk, as_of=as_of)


def _directory_frames(organisation: Organisation) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    people = pl.DataFrame(list(Person.objects.filter(organisation=organisation).values_list(
        "id", "email", "name", "department_id", "team_id")), schema=requesters.PEOPLE_SCHEMA, orient="row")
    rules = pl.DataFrame(list(RequesterRule.objects.filter(organisation=organisation).values_list(
        "field", "value", "department_id", "team_id")), schema=requesters.RULES_SCHEMA, orient="row")
    departments = pl.DataFrame(list(Department.objects.filter(organisation=organisation).values_list("id", "name")),
                               schema=requesters.DEPARTMENTS_SCHEMA, orient="row")
    return people, rules, departments


def _measure(tickets: pl.DataFrame, history: pl.DataFrame, rules: derive.Rules) -> pl.DataFrame:
    try:
        return derive.measure(tickets, history, rules)
    except BusinessHoursError as exc:
        raise ImportFileError(f"the business hours cannot be measured: {exc}") from None


def _history_hashes(history: pl.DataFrame) -> pl.DataFrame:
    if history.height == 0:
        return pl.DataFrame(schema={"external_id": pl.Utf8, "history_hash": pl.UInt64})
    return (history.sort("external_id", "at")
            .group_by("external_id", maintain_order=True)
            .agg(pl.concat_str([pl.col("at").dt.epoch("us").cast(pl.Utf8), pl.col("state"),
                                pl.col("state_raw").fill_null("")], separator="\x1f")
                 .str.join("\x1e").hash(_HASH_SEED).alias("history_hash")))


def _source_hash(tickets: pl.DataFrame, history: pl.DataFrame) -> pl.Series:
    """A hash of what the file says about each ticket (fields and state history), and of where its
    first response comes from (which depends on the export as a whole)."""
    frame = tickets.select(*_HASHED, "response_basis").join(_history_hashes(history), on="external_id",
                                                             how="left", maintain_order="left")
    return frame.hash_rows(seed=_HASH_SEED).reinterpret(signed=True).alias("row_hash")


# --------------------------------------------------------------------------- import

def ticket_import(*, organisation: Organisation, path: Path | str, file_name: str | None = None,
                  format: str | None = None, timezone: str | None = None, mapping: Any = None,
                  as_of: datetime | None = None, progress: Progress | None = None,
                  import_run: ImportRun | None = None) -> ImportResult:
    """Import one ticket export atomically and idempotently; see the module docstring.

    Tickets are matched on (organisation, source, external id). A ticket whose fields and state
    history are as stored is not written; a changed one is rewritten whole, its history replaced.
    An open ticket is also rewritten when the export's as-of instant moved (a newer export, or an
    as-of given now), so its age follows; an as-of that is only the import time never replaces a
    stored one, so importing the same file again changes nothing.

    ``as_of`` is when the export was taken, if the user says so (aware); see sources.as_of.
    """
    file_name = file_name or Path(path).name
    tz = timezone or organisation.timezone
    clock = _Stopwatch()

    def parse_progress(done: int, total: int) -> None:
        if progress:
            progress(done // 2, max(total, 1))

    def format_found(name: str) -> None:
        # Known before the file is parsed, so that a failed run still says what it was.
        if import_run is not None:
            import_run.format = name

    try:
        parse = parse_untrusted(PARSE_TICKETS, file_name=file_name, kwargs={
            "path": str(path), "file_name": file_name, "format": format or None, "timezone": tz,
            "mapping": str(mapping) if isinstance(mapping, Path) else mapping},
            callbacks={"progress": parse_progress, "on_format": format_found})
    except ImportFileError as exc:
        if not exc.file:
            exc.file = file_name
        raise
    parsed: importers.ParsedTickets = parse.value
    clock.lap("parse")
    history = parsed.history
    tickets, bases, source_warnings = sources.first_responses(parsed)
    total = tickets.height
    now = dj_timezone.now().replace(microsecond=0)
    is_open = tickets["state"].is_in(list(derive.OPEN_STATES))
    measured_at = sources.as_of(parsed, now=now, given=as_of, timezone=organisation.timezone,
                                open_tickets=int(is_open.sum()))
    as_of = measured_at.at
    source = parsed.source
    if import_run is not None:
        import_run.format = parsed.format

    with transaction.atomic():
        bulk.lock_organisation(organisation.pk)
        policies_ensure_default(organisation)
        resolved = requesters.resolve(tickets.select(
            "requester_email", "requester_name", "requester_location", "requester_company", "requester_department",
            "requester_id"), *_directory_frames(organisation))
        clock.lap("requesters")
        derived = _measure(tickets, history, _measurement_rules(organisation, as_of))
        clock.lap("business_hours")
        row_hash = _source_hash(tickets, history)
        frame = _ticket_frame(organisation, source, tickets, resolved, derived, row_hash,
                              import_run.pk if import_run else None, now, measured_at.source)
        clock.lap("shape")

        stored = bulk.existing(organisation.pk, source)
        references = ("requester_person_id", "requester_department_id", "requester_team_id", "policy_id")
        compared = frame.select("external_id", "row_hash", "as_of", "as_of_source", *references).join(
            stored.rename({c: f"{c}_stored" for c in stored.columns if c != "external_id"}),
            on="external_id", how="left", maintain_order="left")
        is_new = compared["id_stored"].is_null()
        # A ticket whose file row is unchanged is still rewritten when who asked resolves
        # differently now (the directory or the rules changed since its last import), and an open
        # one when the instant its age is measured at moved (see the docstring).
        moved = is_open & (measured_at.source != "import") & _differs(compared, ("as_of", "as_of_source"))
        differs = compared["row_hash"].ne_missing(compared["row_hash_stored"]) | _differs(compared, references) \
            | moved
        is_changed = ~is_new & differs
        new, changed = frame.filter(is_new), frame.filter(is_changed)
        changed_ids = compared["id_stored"].filter(is_changed)
        clock.lap("compare")
        if progress:
            progress(total // 2, total)
        bulk.write_tickets(new, changed, changed_ids, progress=(lambda done: progress(total // 2 + done // 2, total))
                           if progress else None)
        clock.lap("write")
        written = pl.concat([new["external_id"], changed["external_id"]])
        if history.height and written.len():
            ids = bulk.existing(organisation.pk, source).filter(pl.col("external_id").is_in(written.implode()))
            events = history.join(ids.select("external_id", pl.col("id").alias("ticket_id")), on="external_id")
            bulk.replace_history(organisation.pk, ids["id"], events.select("ticket_id", "at", "state", "state_raw"))
        elif changed.height:
            bulk.replace_history(organisation.pk, changed_ids, history.head(0).select(
                pl.lit(None, dtype=pl.Int64).alias("ticket_id"), "at", "state", "state_raw"))
        if new.height or changed.height:
            data_version_bump(organisation)
            transaction.on_commit(lambda: _warm_figures(organisation))
        clock.lap("history")
    clock.lap("commit")

    unresolved, top = requesters.unresolved_summary(tickets, resolved["requester_department_id"])
    no_policy = int(derived["policy_id"].null_count())
    result = ImportResult(rows_read=parsed.rows_read, created=new.height, updated=changed.height,
                          unchanged=total - new.height - changed.height, rejected=parsed.rows_rejected,
                          warnings=[*parsed.warnings, *source_warnings, *measured_at.warnings])
    if unresolved:
        result.warnings.append(f"{unresolved} ticket(s) have a requester who is in no department: add them to the "
                               "people directory or add requester rules (Responsiveness → Settings)")
    if no_policy:
        result.warnings.append(f"{no_policy} ticket(s) match no SLA policy (kind and priority); they are measured "
                               "but have no targets")
    backwards = int(tickets.select(((pl.col("first_response_at") < pl.col("opened_at"))
                                    | (pl.col("resolved_at") < pl.col("opened_at"))).fill_null(False).sum()).item())
    if backwards:
        result.warnings.append(f"{backwards} ticket(s) have a first response or a resolution before they were "
                               "opened (bad source data): those times are not measured")
    result.details = {"source": source, "format": parsed.format, "tickets": total,
                      "state_changes": history.height, "as_of": as_of.isoformat(),
                      "as_of_source": measured_at.source,
                      "open_tickets_measured_as_of": measured_at.describe(organisation.timezone),
                      "first_responses": sources.describe_bases(bases),
                      "unresolved_requesters": unresolved, "unresolved_requesters_top": top,
                      "without_policy": no_policy, "stage_seconds": clock.laps,
                      "parse_peak_rss_mb": parse.peak_rss_mb, "parse_child_seconds": round(parse.seconds, 3),
                      **parsed.details}
    if progress:
        progress(total, total)
    return result


class _Stopwatch:
    """Seconds spent in each stage of an import, kept in the run's details."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def _warm_figures(organisation: Organisation) -> None:
    """After new ticket data has committed: compute the page's figures and the findings in the
    background, so the first visitor waits for neither."""
    from teamalign.insights.tasks import findings_recompute_job

    from .tasks import responsiveness_warm_job

    responsiveness_warm_job.enqueue(organisation.pk)
    findings_recompute_job.enqueue(organisation.pk)


def _differs(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.Series:
    out = pl.Series([False] * frame.height)
    for column in columns:
        out = out | frame[column].ne_missing(frame[f"{column}_stored"])
    return out


def _details_json(tickets: pl.DataFrame) -> pl.Expr:
    fields = {"name": "requester_name", "email": "requester_email", "location": "requester_location",
              "company": "requester_company", "department": "requester_department", "id": "requester_id"}
    return pl.struct(**{key: pl.col(column) for key, column in fields.items()}).struct.json_encode()


def _ticket_frame(organisation: Organisation, source: str, tickets: pl.DataFrame, resolved: pl.DataFrame,
                  derived: pl.DataFrame, row_hash: pl.Series, import_run_id: int | None,
                  now: datetime, as_of_source: str) -> pl.DataFrame:
    """The rows to write, with exactly the ticket table's columns (bulk.TICKET_COLUMNS)."""
    text = ("title", "priority_raw", "state_raw", "category", "assignment_group", "assigned_to", "business_service")
    frame = pl.concat([tickets, resolved, derived], how="horizontal").with_columns(
        pl.lit(organisation.pk, dtype=pl.Int64).alias("organisation_id"),
        pl.lit(source).alias("source"),
        *(pl.col(c).fill_null("") for c in text),
        requesters.requester_label(tickets).alias("requester_raw"),
        _details_json(tickets).alias("requester_details"),
        pl.lit(as_of_source).alias("as_of_source"),
        pl.lit(import_run_id, dtype=pl.Int64).alias("import_run_id"),
        row_hash,
        pl.lit(now.replace(microsecond=0)).cast(pl.Datetime("us", "UTC")).alias("updated_at"),
    )
    return frame.select(bulk.TICKET_COLUMNS)


def _ticket_import_handler(run: ImportRun, progress) -> ImportResult:
    # import_options_check stored the as-of instant as ISO 8601 with its offset.
    as_of = datetime.fromisoformat(run.options["as_of"]) if run.options.get("as_of") else None
    return ticket_import(organisation=run.organisation, path=run.stored_path, file_name=run.file_name,
                         format=run.format or None, timezone=run.options.get("timezone"),
                         mapping=run.options.get("mapping"), as_of=as_of, progress=progress, import_run=run)


register_import_kind("tickets", _ticket_import_handler, formats=importers.formats)


# --------------------------------------------------------------------------- recompute

_RECOMPUTED = ("requester_person_id", "requester_department_id", "requester_team_id", "policy_id",
               "response_business_seconds", "resolution_business_seconds", "response_calendar_seconds",
               "resolution_calendar_seconds", "response_due_at", "resolution_due_at", "response_breached",
               "resolution_breached")


def tickets_recompute(organisation: Organisation) -> dict:
    """Resolve every ticket's requester and measure it again (after a schedule, policy or rule change).

    Only tickets whose values change are written. Returns {"tickets": n, "updated": n}.
    """
    with transaction.atomic():
        bulk.lock_organisation(organisation.pk)
        policies_ensure_default(organisation)
        stored = bulk.load_tickets_for_recompute(organisation.pk)
        if stored.height == 0:
            return {"tickets": 0, "updated": 0}
        details = stored["requester_details"].str.json_decode(pl.Struct({
            "name": pl.Utf8, "email": pl.Utf8, "location": pl.Utf8, "company": pl.Utf8, "department": pl.Utf8,
            "id": pl.Utf8}))
        asked = details.struct.unnest().select(
            pl.col("email").alias("requester_email"), pl.col("name").alias("requester_name"),
            pl.col("location").alias("requester_location"), pl.col("company").alias("requester_company"),
            pl.col("department").alias("requester_department"), pl.col("id").alias("requester_id"))
        resolved = requesters.resolve(asked, *_directory_frames(organisation))
        history = bulk.load_history(organisation.pk).join(
            stored.select(pl.col("id").alias("ticket_id"), pl.col("key").alias("external_id")), on="ticket_id")
        tickets = stored.with_columns(pl.col("key").alias("external_id"))
        derived_parts = []
        # Open tickets are measured as of the export they came from: one pass per as_of instant.
        for (as_of,), part in tickets.with_row_index("_row").group_by(["as_of"], maintain_order=True):
            part_history = history.join(part.select("external_id"), on="external_id", how="semi")
            measured = _measure(part, part_history, _measurement_rules(organisation, as_of))
            derived_parts.append(measured.with_columns(part["_row"]))
        derived = pl.concat(derived_parts).sort("_row").drop("_row", "as_of")
        fresh = pl.concat([resolved, derived], how="horizontal").select(_RECOMPUTED)
        current = stored.select([pl.col(c).alias(f"{c}_stored") for c in _RECOMPUTED])
        changed = _differs(pl.concat([fresh, current], how="horizontal"), _RECOMPUTED)
        ids = stored["id"].filter(changed)
        bulk.update_columns(ids, fresh.filter(changed).with_columns(
            pl.lit(dj_timezone.now()).cast(pl.Datetime("us", "UTC")).alias("updated_at")))
        data_version_bump(organisation)
        transaction.on_commit(lambda: _warm_figures(organisation))
    return {"tickets": stored.height, "updated": int(changed.sum())}
