"""Freshservice and Freshdesk ticket exports, shared by both formats (not a format itself).

Both Freshworks products export tickets (*Tickets → Export*, CSV or Excel) with nearly the
same columns, labelled slightly differently: ``Ticket Id`` / ``Ticket ID``, ``Created Time``
/ ``Created time``, ``Updated Time`` (Freshservice) / ``Last update time`` (Freshdesk),
``Requester Name`` / ``Full name``… Dates are ``YYYY-MM-DD HH:MM:SS`` in the exporting
agent's time zone (other common orders are tried after it, each column on its own).

What is read:

* ``Status``: Open → in_progress, Pending → on_hold, Resolved, Closed; the waiting states
  Freshdesk ships ("Waiting on Customer", "Waiting on Third Party") are pauses; custom
  statuses are guessed from their wording ("Waiting on Acme" → on_hold) and listed in the
  warnings with how to override them.
* ``Priority`` Urgent/High/Medium/Low → P1–P4; ``Type`` (Incident, Service Request,
  Question, Problem…), else the ``Ticket Id`` prefix (INC, SR, CHN, PRB).
* ``Initial Response Time`` is the first-response instant.
* ``First Response Time (in hrs)`` and ``Resolution Time (in hrs)`` (``hh:mm``,
  ``hh:mm:ss`` or decimal hours) are the durations the tool computed under the ticket's SLA
  policy, in business hours: ``source_response_business_seconds`` /
  ``source_resolution_business_seconds``.
* ``First Response Status`` and ``Resolution Status`` ("Within SLA" / "SLA Violated") are
  the tool's own verdict: ``source_response_breached`` / ``source_resolution_breached``.
* The export has no reassignment or reopen counts (0) and its survey results are not read.
"""

from __future__ import annotations

import polars as pl

from teamalign.ingest.dates import ISO_WITH_OFFSET, max_timestamp, parse_datetimes
from teamalign.ingest.numbers import parse_durations

from . import base
from .base import ParsedTickets, ProgressCallback, Sniff
from .mapping import label_overrides
from .vocabulary import StateGuesses, kind_from_number, normalise_verdicts

REQUIRED = ("external_id", "opened_at", "state_raw")

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%a, %d %b %Y %H:%M:%S %z", ISO_WITH_OFFSET,
)

#: Columns both products write the same way (labels compare case-insensitively).
COMMON: dict[str, tuple[str, ...]] = {
    "kind": ("Type", "Ticket Type"),
    "title": ("Subject",),
    "priority_raw": ("Priority",),
    "state_raw": ("Status",),
    "category": ("Category",),
    "assignment_group": ("Group", "Agent Group"),
    "assigned_to": ("Agent", "Responder"),
    "opened_at": ("Created Time", "Created Date"),
    "first_response_at": ("Initial Response Time",),
    "resolved_at": ("Resolved Time",),
    "closed_at": ("Closed Time",),
    "response_hours": ("First Response Time (in hrs)", "First response time (in hours)"),
    "resolution_hours": ("Resolution Time (in hrs)", "Resolution time (in hours)"),
    "response_status": ("First Response Status",),
    "resolution_status": ("Resolution Status",),
}


def parse(snf: Sniff, *, format: str, source: str, columns: dict[str, tuple[str, ...]],
          default_kind: str, timezone: str, mapping, progress: ProgressCallback | None
          ) -> ParsedTickets:
    overrides = label_overrides(mapping, format)
    table, cols = base.read_export(snf, columns, format=format, mapping=overrides,
                                   required=REQUIRED)
    rows_read = table.height + table.rows_rejected
    # Ticket ids appear as "#INC-12" in some exports and "INC-12" in others.
    table.df = table.df.with_columns(
        pl.col(cols["external_id"]).str.strip_chars().str.strip_prefix("#"))
    total = table.height
    base.report_progress(progress, total // 4, total)
    warnings: list[str] = []
    guesses = StateGuesses()

    dates = parse_datetimes(
        table, {f: cols.get(f) for f in ("opened_at", "first_response_at", "resolved_at",
                                         "closed_at", "updated_at")},
        overrides.date_formats or DATE_FORMATS, timezone=timezone, required=("opened_at",))
    base.report_progress(progress, total // 2, total)

    frame = base.shape_tickets(table, cols, dates, mapping=overrides, warnings=warnings,
                               default_kind=default_kind, kind_fallback=kind_from_number,
                               guesses=guesses)
    frame = frame.with_columns(
        parse_durations(table, cols.get("response_hours"), unit_seconds=3600, warnings=warnings,
                        what="hours").alias("source_response_business_seconds"),
        parse_durations(table, cols.get("resolution_hours"), unit_seconds=3600, warnings=warnings,
                        what="hours").alias("source_resolution_business_seconds"),
        normalise_verdicts(table, cols.get("response_status"), warnings)
        .alias("source_response_breached"),
        normalise_verdicts(table, cols.get("resolution_status"), warnings)
        .alias("source_resolution_breached"))
    base.report_progress(progress, 3 * total // 4, total)
    result = base.finish(
        table, frame, source=source, format=format, rows_read=rows_read, warnings=warnings,
        columns=cols, guesses=guesses,
        has_first_response="first_response_at" in cols or "response_hours" in cols,
        source_timestamps={"max_updated_at": max_timestamp(dates["updated_at"])})
    base.report_progress(progress, total, total)
    return result
