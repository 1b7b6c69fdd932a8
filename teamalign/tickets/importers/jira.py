"""Jira Service Management issues exported as CSV or Excel (*Filters → Export → CSV (all
fields)* or *Excel*), from an interface in English, Spanish, French, German or Portuguese.

What such an export looks like, and how it is read:

* Headers are field names as the exporting user's Jira shows them: ``Summary``, ``Issue
  key``, ``Issue Type``, ``Status``, ``Priority``, ``Assignee``, ``Reporter``, ``Created``,
  ``Updated``, ``Resolved``, ``Status Category``…, custom fields ``Custom field (Name)``; in
  Spanish ``Resumen``, ``Clave de incidencia``, ``Estado``, ``Creada``, ``Campo personalizado
  (…)``, and so on (the tables are in :mod:`.vocabulary`).
* Jira Cloud repeats columns: multi-value fields (``Labels``, ``Component/s``, ``Watchers``,
  ``Comment``, ``Custom field (Organizations)``…), and also single-value custom fields (two
  ``Custom field (Department)`` columns, usually one of each pair empty). Single-value
  repeats are merged (first non-empty value; rows where the copies disagree are counted in
  a warning); the multi-value fields read into one value take the first non-empty one.
* Dates follow the exporting user's locale, by default ``25/Feb/26 10:17 PM`` in the user's
  time zone; month names may be localised (``18/jul/26 9:10 AM``). Some columns use a fixed
  format whatever the locale (``[CHART] Date of First Response`` = ``2026-02-25
  16:38:58.679``): each column's format is detected on its own.
* ``kind`` from ``Issue Type`` (Incident, Service request, Change, Problem, with or without
  ``[System]``); unknown types become ``request`` with a warning.
* ``state`` from ``Status``; a custom status the vocabulary does not know is guessed from
  its wording, else from its ``Status Category`` (To Do → new, In Progress → in_progress,
  Done → resolved), and every guess is listed in the warnings.
* The requester is the ``Reporter`` (JSM records the customer there); Jira Cloud exports
  carry no e-mail addresses. ``Custom field (Organizations)`` is the requester's company,
  ``Custom field (Team)`` (else ``Component/s``) the IT team, ``Custom field (Affected
  services)`` the business service, ``Custom field (Request Type)`` the category unless a
  ``Category`` field exists.
* ``first_response_at`` from ``Custom field ([CHART] Date of First Response)``. Without
  that column the export has no first-response information (``has_first_response`` is
  False: "not measured"). Jira has no closed date: ``closed_at`` stays null.
* The SLA fields ``Custom field (Time to first response)`` / ``(Time to resolution)`` hold
  the time *remaining* against the goal as ``hh:mm`` (``-hh:mm`` once breached), not the
  elapsed time. They give Jira's own verdict (``source_*_breached``): negative remaining =
  breached; remaining left on a ticket already responded to (resolved) = met; a running
  clock = no verdict yet. Where the field holds Jira's SLA record (``completedCycles`` /
  ``ongoingCycle``, as the REST API writes it), a breached cycle decides, and the last
  completed cycle's elapsed time is Jira's business-time duration. The remaining times
  are also returned in ``source_timestamps["sla_remaining_seconds"]`` (signed seconds).
* ``Satisfaction rating`` (1–5 stars) becomes ``feedback_rating`` on the 0–10 scale:
  1 → 0, 2 → 3, 3 → 5, 4 → 8, 5 → 10, so that only 5 stars counts as a promoter.

Detection: a table whose header has an issue key, a summary, a status and a created date,
in any of the languages.
"""

from __future__ import annotations

import polars as pl

from teamalign.ingest.dates import ISO_WITH_OFFSET, max_timestamp, parse_datetimes
from teamalign.ingest.numbers import duration_seconds, parse_whole_numbers
from teamalign.ingest.table import ROW, Table, first_true, nulls, text_values

from . import base
from .base import ParsedTickets, ProgressCallback, Sniff
from .mapping import label_overrides
from .vocabulary import (
    JIRA_STATUS_CATEGORIES,
    STARS_TO_RATING,
    StateGuesses,
    jira_custom,
    jira_names,
    label_key,
    map_labels,
)

FORMAT = "jira-csv"
SOURCE = "jira"
LABEL = "Jira Service Management export (CSV or Excel, any interface language)"

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": jira_names("Issue key"),
    "kind": jira_names("Issue Type"),
    "title": jira_names("Summary"),
    "priority_raw": jira_names("Priority"),
    "state_raw": jira_names("Status"),
    "status_category": jira_names("Status Category"),
    "category": (*jira_custom("Category"), *jira_names("Category"),
                 *jira_custom("Request Type", "Customer Request Type"), *jira_names("Request Type"),
                 *jira_names("Customer Request Type")),
    "requester_name": jira_names("Reporter"),
    "requester_email": ("Reporter Email", *jira_custom("Reporter email")),
    "requester_location": (*jira_custom("Location"), *jira_names("Location")),
    "requester_company": (*jira_custom("Organizations"), *jira_names("Organizations")),
    "requester_department": (*jira_custom("Department"), *jira_names("Department")),
    "assignment_group": (*jira_custom("Team"), *jira_names("Team"),
                         *jira_custom("Assignment group", "Assigned Group"),
                         *jira_names("Component/s"), "Components"),
    "assigned_to": jira_names("Assignee"),
    "business_service": (*jira_custom("Affected services"), *jira_names("Affected services")),
    "opened_at": jira_names("Created"),
    "first_response_at": jira_custom("[CHART] Date of First Response"),
    "resolved_at": jira_names("Resolved"),
    "updated_at": jira_names("Updated"),
    "satisfaction": (*jira_names("Satisfaction rating"),
                     *jira_custom("Satisfaction rating", "Satisfaction")),
    "sla_response": (*jira_custom("Time to first response"), *jira_names("Time to first response")),
    "sla_resolution": (*jira_custom("Time to resolution"), *jira_names("Time to resolution")),
}
REQUIRED = ("external_id", "opened_at", "state_raw")
#: Multi-value fields read into one value: the first non-empty copy.
REPEATS = {"assignment_group": "first", "requester_company": "first", "business_service": "first",
           "category": "first"}

DATE_FORMATS = (
    "%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%d/%b/%y %H:%M", "%d/%b/%Y %H:%M",
    "%d/%m/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M",
    "%d.%m.%y %H:%M", "%d/%m/%y %H:%M", "%d-%b-%Y %H:%M", "%Y-%m-%d %H:%M:%S",
    ISO_WITH_OFFSET,
)


def detect(snf: Sniff) -> bool:
    return snf.tabular and all(snf.has_any(*COLUMNS[f]) for f in
                               ("external_id", "title", "state_raw", "opened_at"))


def parse(snf: Sniff, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    overrides = label_overrides(mapping, FORMAT)
    table, cols = base.read_export(snf, COLUMNS, format=FORMAT, mapping=overrides,
                                   required=REQUIRED, repeats=REPEATS)
    rows_read = table.height + table.rows_rejected
    total = table.height
    base.report_progress(progress, total // 4, total)
    warnings: list[str] = []
    guesses = StateGuesses()

    dates = parse_datetimes(
        table, {f: cols.get(f) for f in ("opened_at", "first_response_at", "resolved_at", "updated_at")},
        overrides.date_formats or DATE_FORMATS, timezone=timezone, required=("opened_at",))
    base.report_progress(progress, total // 2, total)

    category_state = None
    if "status_category" in cols:
        raw_category = text_values(table, cols["status_category"])
        category_state, _ = map_labels(
            raw_category, lambda label: JIRA_STATUS_CATEGORIES.get(label_key(label)), dtype=pl.Utf8)
    frame = base.shape_tickets(table, cols, dates, mapping=overrides, warnings=warnings,
                               default_kind="request", state_fallback=category_state,
                               guesses=guesses)
    frame = frame.with_columns(_feedback(table, cols.get("satisfaction"), warnings))

    response = _sla(table, cols.get("sla_response"), warnings)
    resolution = _sla(table, cols.get("sla_resolution"), warnings)
    responded = frame["first_response_at"].is_not_null()
    resolved = frame["resolved_at"].is_not_null() | frame["state"].is_in(["resolved", "closed"])
    frame = frame.with_columns(
        _verdict(response, responded).alias("source_response_breached"),
        _verdict(resolution, resolved).alias("source_resolution_breached"),
        response["elapsed"].alias("source_response_business_seconds"),
        resolution["elapsed"].alias("source_resolution_business_seconds"))
    base.report_progress(progress, 3 * total // 4, total)

    extras: dict = {"max_updated_at": max_timestamp(dates["updated_at"])}
    if "sla_response" in cols or "sla_resolution" in cols:
        extras["sla_remaining_seconds"] = pl.DataFrame([
            frame["external_id"],
            response["remaining"].alias("time_to_first_response"),
            resolution["remaining"].alias("time_to_resolution"),
        ]).unique(subset="external_id", keep="last", maintain_order=True)
    result = base.finish(table, frame, source=SOURCE, format=FORMAT, rows_read=rows_read,
                         warnings=warnings, columns=cols, source_timestamps=extras,
                         guesses=guesses, has_first_response="first_response_at" in cols)
    base.report_progress(progress, total, total)
    return result


def _feedback(table: Table, column: str | None, warnings: list[str]) -> pl.Series:
    stars = parse_whole_numbers(table, column, dtype=pl.Int64, what="a satisfaction rating")
    out_of_scale = stars.is_not_null() & ~stars.is_in(list(STARS_TO_RATING))
    if out_of_scale.any():
        warnings.append(f"{int(out_of_scale.sum())} satisfaction rating(s) outside 1–5 "
                        "were ignored")
    return stars.replace_strict(STARS_TO_RATING, default=None,
                                return_dtype=pl.Int8).alias("feedback_rating")


_FLAG = r"""(?i)breached["']?\s*[:=]\s*(true|false)"""
_MILLIS = r"""(?i){}["']?\s*[:=]\s*\{{[^}}]*?millis["']?\s*[:=]\s*(-?\d+)"""


def _sla(table: Table, column: str | None, warnings: list[str]) -> pl.DataFrame:
    """An SLA column → remaining seconds, Jira's recorded verdict and elapsed business time.

    Two shapes: ``hh:mm`` / ``-hh:mm`` remaining (the CSV export), or Jira's SLA record with
    ``completedCycles`` and ``ongoingCycle`` (saved from the REST API)."""
    if column is None:
        empty = nulls("", table.height, pl.Int64)
        return pl.DataFrame({"remaining": empty, "elapsed": empty,
                             "recorded": nulls("", table.height, pl.Boolean)})
    raw = text_values(table, column, strip=True)
    record = raw.str.contains("(?i)cycle").fill_null(False)
    completed = raw.str.extract(r"(?is)completedCycles(.*?)(?:ongoingCycle|$)", 1)
    ongoing = raw.str.extract(r"(?is)ongoingCycle(.*)$", 1)
    frame = pl.DataFrame({"completed": completed, "ongoing": ongoing})
    flags = frame.select(
        pl.col("completed").str.extract_all(_FLAG).list.eval(
            pl.element().str.to_lowercase().str.contains("true")).alias("done"),
        pl.col("ongoing").str.contains(r"(?i)breached[\"']?\s*[:=]\s*true").alias("running"),
        pl.col("completed").str.extract_all(_MILLIS.format("elapsedTime")).list.last()
        .str.extract(r"(-?\d+)$", 1).cast(pl.Int64).alias("elapsed_ms"),
        pl.col("ongoing").str.extract(_MILLIS.format("remainingTime"), 1).cast(pl.Int64)
        .alias("ongoing_ms"),
        pl.col("completed").str.extract_all(_MILLIS.format("remainingTime")).list.last()
        .str.extract(r"(-?\d+)$", 1).cast(pl.Int64).alias("completed_ms"))
    recorded = flags.select(
        pl.when(pl.col("done").list.any() | pl.col("running").fill_null(False)).then(True)
        .when(pl.col("done").list.len() > 0).then(False)).to_series()
    remaining = duration_seconds(pl.select(pl.when(~record).then(raw)).to_series())
    remaining = remaining.fill_null(
        (pl.select(pl.coalesce(flags["ongoing_ms"], flags["completed_ms"])).to_series() // 1000))
    unreadable = raw.is_not_null() & ~record & remaining.is_null()
    if unreadable.any():
        index = first_true(unreadable)
        warnings.append(f"{int(unreadable.sum())} value(s) of '{table.header_of(column)}' "
                        f"are not hh:mm (first: '{raw[index]}' in row "
                        f"{table.df[ROW][index]}); they were ignored")
    return pl.DataFrame({"remaining": remaining, "elapsed": flags["elapsed_ms"] // 1000,
                         "recorded": recorded})


def _verdict(sla: pl.DataFrame, done: pl.Series) -> pl.Series:
    """Jira's verdict: as recorded; else breached when no time is left; met when the clock
    stopped with time left; unknown while it runs."""
    return sla.with_columns(done=done).select(
        pl.when(pl.col("recorded").is_not_null()).then(pl.col("recorded"))
        .when(pl.col("remaining") < 0).then(True)
        .when(pl.col("remaining").is_not_null() & pl.col("done")).then(False)).to_series()
