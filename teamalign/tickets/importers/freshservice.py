"""Freshservice tickets exported as CSV (*Tickets → Export*, CSV, all fields).

Headers are Freshservice's field labels: ``Ticket Id`` (``INC-1042``, ``SR-77``,
sometimes with a leading ``#``), ``Subject``, ``Status``, ``Priority``, ``Source``,
``Type``, ``Agent``, ``Group``, ``Created Time``, ``Due by Time``, ``Resolved Time``,
``Closed Time``, ``Updated Time``, ``Initial Response Time``, ``Time Tracked``,
``First Response Time (in hrs)``, ``Resolution Time (in hrs)``, ``Requester Name``,
``Requester Email``, ``Department``, ``Category``, ``Sub-Category``… Dates are
``YYYY-MM-DD HH:MM:SS`` in the exporting agent's time zone (other common orders
are tried after it, day-first before month-first).

Mapping: ``Status`` Open → in_progress, Pending → on_hold, Resolved, Closed (custom
statuses such as "Awaiting Vendor" follow the shared rules); ``Priority``
Urgent/High/Medium/Low → P1–P4; ``Type`` Incident / Service Request, else the
``Ticket Id`` prefix (INC, SR, CHN, PRB); ``Initial Response Time`` is the first
response instant; ``Department`` is the requester's department. ``First Response
Time (in hrs)`` and ``Resolution Time (in hrs)`` (``hh:mm``, ``hh:mm:ss`` or decimal
hours) are the durations Freshservice computed under the ticket's SLA policy and
become ``source_response_seconds`` / ``source_resolution_seconds``. The export has
no reassignment or reopen counts (0) and no satisfaction score.

Detection: a CSV whose header has ``Ticket Id``, ``Subject``, ``Status``,
``Priority`` and ``Created Time``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from . import base
from .base import ROW, ParsedTickets, ProgressCallback, Sniff, Table

FORMAT = "freshservice-csv"
SOURCE = "freshservice"
LABEL = "Freshservice ticket export (CSV)"

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Ticket Id", "Ticket ID", "Display Id"),
    "kind": ("Type", "Ticket Type"),
    "title": ("Subject",),
    "priority_raw": ("Priority",),
    "state_raw": ("Status",),
    "category": ("Category",),
    "requester_name": ("Requester Name", "Requester"),
    "requester_email": ("Requester Email",),
    "requester_location": ("Requester Location", "Location"),
    "requester_company": ("Company",),
    "requester_department": ("Department", "Requester Department"),
    "assignment_group": ("Group", "Agent Group"),
    "assigned_to": ("Agent", "Responder"),
    "business_service": ("Impacted Services", "Impacted Service", "Business Service"),
    "opened_at": ("Created Time", "Created Date"),
    "first_response_at": ("Initial Response Time",),
    "resolved_at": ("Resolved Time",),
    "closed_at": ("Closed Time",),
    "updated_at": ("Updated Time", "Last Updated Time"),
    "response_hours": ("First Response Time (in hrs)",),
    "resolution_hours": ("Resolution Time (in hrs)",),
}
REQUIRED = ("external_id", "opened_at", "state_raw")

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%a, %d %b %Y %H:%M:%S %z", base.ISO_WITH_OFFSET,
)


def detect(snf: Sniff) -> bool:
    return (snf.kind == "csv" and snf.has("Subject", "Status", "Priority", "Created Time")
            and snf.has_any("Ticket Id", "Display Id"))


def parse(path: str | Path, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    overrides = base.label_overrides(mapping, FORMAT)
    snf = base.sniff(path)
    table, cols = base.read_csv_table(
        snf, COLUMNS, required=REQUIRED, null_values=overrides.null_values,
        delimiter=overrides.delimiter, encoding=overrides.encoding)
    rows_read = table.height + table.rows_rejected
    # Freshservice shows ids as "#INC-12" in some exports and "INC-12" in others.
    table.df = table.df.with_columns(
        pl.col(cols["external_id"]).str.strip_chars().str.strip_prefix("#"))
    total = table.height
    base.report_progress(progress, total // 4, total)
    warnings: list[str] = []

    dates = base.parse_datetimes(
        table, {f: cols[f] for f in ("opened_at", "first_response_at", "resolved_at",
                                     "closed_at", "updated_at") if f in cols},
        overrides.date_formats or DATE_FORMATS, timezone=timezone)
    base.report_progress(progress, total // 2, total)

    frame = base.shape_tickets(table, cols, dates, mapping=overrides, warnings=warnings,
                               default_kind="incident", kind_fallback=base.kind_from_number)
    frame = frame.with_columns(
        _hours_as_seconds(table, cols.get("response_hours"), warnings)
        .alias("source_response_seconds"),
        _hours_as_seconds(table, cols.get("resolution_hours"), warnings)
        .alias("source_resolution_seconds"))
    base.report_progress(progress, 3 * total // 4, total)
    result = base.finish(
        table, frame, source=SOURCE, format=FORMAT, rows_read=rows_read, warnings=warnings,
        columns=cols, source_timestamps={"max_updated_at": base.max_timestamp(
            dates["updated_at"] if "updated_at" in dates.columns else None)})
    base.report_progress(progress, total, total)
    return result


def _hours_as_seconds(table: Table, column: str | None, warnings: list[str]) -> pl.Series:
    """``hh:mm``, ``hh:mm:ss`` or decimal hours → whole seconds; unreadable → null."""
    if column is None:
        return base.nulls("", table.height, pl.Int64)
    raw = base.text_values(table, column, strip=True)
    parts = raw.str.extract_groups(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")
    clock = (parts.struct.field("1").cast(pl.Int64) * 3600
             + parts.struct.field("2").cast(pl.Int64) * 60
             + parts.struct.field("3").cast(pl.Int64).fill_null(0))
    decimal = (raw.cast(pl.Float64, strict=False) * 3600).round().cast(pl.Int64)
    seconds = clock.fill_null(decimal)
    unreadable = raw.is_not_null() & seconds.is_null()
    if unreadable.any():
        index = base.first_true(unreadable)
        warnings.append(f"{int(unreadable.sum())} value(s) of '{table.header_of(column)}' "
                        f"are not hours (first: '{raw[index]}' in row "
                        f"{table.df[ROW][index]}); they were ignored")
    return seconds
