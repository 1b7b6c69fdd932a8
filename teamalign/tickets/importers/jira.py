"""Jira Service Management issues exported as CSV (*Filters → Export → CSV (all fields)*).

What such an export looks like, and how it is read:

* Headers are field names as Jira shows them: ``Summary``, ``Issue key``, ``Issue id``,
  ``Issue Type``, ``Status``, ``Priority``, ``Resolution``, ``Assignee``, ``Reporter``,
  ``Created``, ``Updated``, ``Resolved``, ``Status Category``…; custom fields are
  ``Custom field (Name)``. Multi-value fields repeat their column (``Labels``,
  ``Component/s``, ``Watchers``, ``Comment``, ``Custom field (Organizations)``…):
  repeated columns we do not read are ignored, repeated columns we read are merged
  (first non-empty value); a repeated *single-value* column we need is an error.
* Dates follow the exporting user's locale, by default ``25/Feb/26 10:17 PM``
  (``dd/MMM/yy h:mm a``), in the user's time zone. Other Jira date formats are tried
  in order after it. English month names only.
* ``kind`` from ``Issue Type`` (Incident, Service request, Change, Problem, with or
  without ``[System]``); unknown types become ``request`` with a warning.
* ``state`` from ``Status``; a custom status we do not know falls back to its
  ``Status Category`` (To Do → new, In Progress → in_progress, Done → resolved).
* The requester is the ``Reporter`` (JSM records the customer there); Jira Cloud
  exports carry no e-mail addresses. ``Custom field (Organizations)`` is the
  requester's company, ``Custom field (Team)`` (else ``Component/s``) the IT team,
  ``Custom field (Affected services)`` the business service, ``Custom field
  (Request Type)`` the category unless a ``Category`` field exists.
* ``first_response_at`` from ``Custom field ([CHART] Date of First Response)``
  when present. Jira has no closed date: ``closed_at`` stays null.
* The SLA fields ``Custom field (Time to first response)`` / ``(Time to resolution)``
  hold the time *remaining* against the goal as ``hh:mm`` (``-hh:mm`` once
  breached), not the elapsed time, so they cannot fill ``source_*_seconds``; they
  are returned in ``source_timestamps["sla_remaining_seconds"]`` (a frame of
  ``external_id``, ``time_to_first_response``, ``time_to_resolution``, signed
  seconds) for comparing our computed attainment with Jira's.
* ``Satisfaction rating`` (1–5 stars) becomes ``feedback_rating`` on the 0–10 scale:
  1 → 0, 2 → 3, 3 → 5, 4 → 8, 5 → 10, so that only 5 stars counts as a promoter.

Detection: a CSV whose header has ``Issue key``, ``Summary``, ``Status`` and ``Created``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from . import base
from .base import ROW, ParsedTickets, ProgressCallback, Sniff

FORMAT = "jira-csv"
SOURCE = "jira"
LABEL = "Jira Service Management CSV export"

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Issue key", "Key"),
    "kind": ("Issue Type",),
    "title": ("Summary",),
    "priority_raw": ("Priority",),
    "state_raw": ("Status",),
    "status_category": ("Status Category",),
    "category": ("Custom field (Category)", "Category", "Custom field (Request Type)",
                 "Custom field (Customer Request Type)", "Request Type"),
    "requester_name": ("Reporter",),
    "requester_email": ("Reporter Email", "Custom field (Reporter email)"),
    "requester_location": ("Custom field (Location)", "Location"),
    "requester_company": ("Custom field (Organizations)", "Organizations"),
    "requester_department": ("Custom field (Department)", "Department"),
    "assignment_group": ("Custom field (Team)", "Team", "Custom field (Assignment group)",
                         "Custom field (Assigned Group)", "Component/s", "Components"),
    "assigned_to": ("Assignee",),
    "business_service": ("Custom field (Affected services)", "Affected services"),
    "opened_at": ("Created",),
    "first_response_at": ("Custom field ([CHART] Date of First Response)",),
    "resolved_at": ("Resolved",),
    "updated_at": ("Updated",),
    "satisfaction": ("Satisfaction rating", "Custom field (Satisfaction rating)",
                     "Custom field (Satisfaction)", "Satisfaction"),
    "sla_response": ("Custom field (Time to first response)", "Time to first response"),
    "sla_resolution": ("Custom field (Time to resolution)", "Time to resolution"),
}
REQUIRED = ("external_id", "opened_at", "state_raw")
MULTI_VALUE = ("category", "requester_company", "assignment_group", "business_service")

DATE_FORMATS = (
    "%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%d/%b/%y %H:%M", "%d/%b/%Y %H:%M",
    "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M", "%d/%m/%y %H:%M", base.ISO_WITH_OFFSET,
)

STATUS_CATEGORIES = {"to do": "new", "new": "new", "in progress": "in_progress",
                     "indeterminate": "in_progress", "done": "resolved"}

#: 1–5 stars → the 0–10 scale used for post-ticket happiness.
STARS_TO_RATING = {1: 0, 2: 3, 3: 5, 4: 8, 5: 10}


def detect(snf: Sniff) -> bool:
    return snf.kind == "csv" and snf.has("Issue key", "Summary", "Status", "Created")


def parse(path: str | Path, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    overrides = base.label_overrides(mapping, FORMAT)
    snf = base.sniff(path)
    table, cols = base.read_csv_table(
        snf, COLUMNS, required=REQUIRED, multi=MULTI_VALUE, null_values=overrides.null_values,
        delimiter=overrides.delimiter, encoding=overrides.encoding)
    rows_read = table.height + table.rows_rejected
    total = table.height
    base.report_progress(progress, total // 4, total)
    warnings: list[str] = []

    dates = base.parse_datetimes(
        table, {f: cols[f] for f in ("opened_at", "first_response_at", "resolved_at",
                                     "updated_at") if f in cols},
        overrides.date_formats or DATE_FORMATS, timezone=timezone)
    base.report_progress(progress, total // 2, total)

    category_state = None
    if "status_category" in cols:
        raw_category = base.text_values(table, cols["status_category"])
        category_state, _ = base.map_labels(
            raw_category, lambda label: STATUS_CATEGORIES.get(base.label_key(label)),
            dtype=pl.Utf8)
    frame = base.shape_tickets(
        table, cols, dates, mapping=overrides, warnings=warnings, default_kind="request",
        state_fallback=category_state)
    frame = frame.with_columns(_feedback(table, cols.get("satisfaction"), warnings))
    base.report_progress(progress, 3 * total // 4, total)

    extras: dict = {"max_updated_at": base.max_timestamp(
        dates["updated_at"] if "updated_at" in dates.columns else None)}
    if "sla_response" in cols or "sla_resolution" in cols:
        extras["sla_remaining_seconds"] = pl.DataFrame([
            frame["external_id"],
            _remaining_seconds(table, cols.get("sla_response"), warnings)
            .alias("time_to_first_response"),
            _remaining_seconds(table, cols.get("sla_resolution"), warnings)
            .alias("time_to_resolution"),
        ]).unique(subset="external_id", keep="last", maintain_order=True)
    result = base.finish(table, frame, source=SOURCE, format=FORMAT, rows_read=rows_read,
                         warnings=warnings, columns=cols, source_timestamps=extras)
    result.has_first_response = "first_response_at" in cols
    base.report_progress(progress, total, total)
    return result


def _feedback(table: base.Table, column: str | None, warnings: list[str]) -> pl.Series:
    stars = base.parse_ints(table, column, dtype=pl.Int64, what="a satisfaction rating")
    out_of_scale = stars.is_not_null() & ~stars.is_in(list(STARS_TO_RATING))
    if out_of_scale.any():
        warnings.append(f"{int(out_of_scale.sum())} satisfaction rating(s) outside 1–5 "
                        "were ignored")
    return stars.replace_strict(STARS_TO_RATING, default=None,
                                return_dtype=pl.Int8).alias("feedback_rating")


def _remaining_seconds(table: base.Table, column: str | None,
                       warnings: list[str]) -> pl.Series:
    """``hh:mm`` / ``-hh:mm`` (hours may exceed 24) → signed seconds."""
    if column is None:
        return base.nulls("", table.height, pl.Int64)
    raw = base.text_values(table, column, strip=True)
    parts = raw.str.extract_groups(r"^(-)?(\d+):(\d{1,2})$")
    sign = parts.struct.field("1").is_null().cast(pl.Int64) * 2 - 1  # "-" → -1, else 1
    seconds = (parts.struct.field("2").cast(pl.Int64) * 3600
               + parts.struct.field("3").cast(pl.Int64) * 60) * sign
    unreadable = raw.is_not_null() & seconds.is_null()
    if unreadable.any():
        index = base.first_true(unreadable)
        warnings.append(f"{int(unreadable.sum())} value(s) of '{table.header_of(column)}' "
                        f"are not hh:mm (first: '{raw[index]}' in row "
                        f"{table.df[ROW][index]}); they were ignored")
    return seconds
