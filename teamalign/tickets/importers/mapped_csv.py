"""Any ticket CSV, read through a mapping file that says which column is which.

For tools without a built-in importer (Ivanti, TOPdesk, ManageEngine, a home-made
tracker, a spreadsheet): the mapping names the columns, the date format and how
labels translate. It is never detected automatically; ``parse(..., mapping=...)``
picks it when the mapping declares ``columns``.

Mapping file format (TOML shown; the same keys as a JSON object work too)::

    source = "topdesk"                  # required: ParsedTickets.source
    date_format = "%d-%m-%Y %H:%M"      # strftime format, or a list tried in order;
                                        # default: ISO 8601 and YYYY-MM-DD HH:MM[:SS]
    default_kind = "incident"           # kind when there is no kind column or a
                                        # label is not mapped (default: incident)
    delimiter = ";"                     # optional; default: sniffed from the header
    encoding = "cp1252"                 # optional; default: UTF-8 (Windows-1252
                                        # fallback with a warning)
    null_values = ["N/A", "-"]          # optional: cells that mean "empty"
    duration_unit = "minutes"           # unit of source_*_seconds columns:
                                        # seconds (default), minutes or hours

    [columns]                           # ticket field = "header as in the file"
    external_id = "Call number"         # required
    opened_at = "Call date"             # required
    state = "Status"                    # required (the label; kept as state_raw)
    title = "Brief description"
    kind = "Call type"
    priority = "Priority"               # the label; kept as priority_raw
    category = "Category"
    requester_name = "Caller"
    requester_email = "Caller email"
    requester_department = "Department"
    requester_location = "Branch"
    requester_company = "Company"
    assignment_group = "Operator group"
    assigned_to = "Operator"
    business_service = "Service"
    first_response_at = "First response"
    resolved_at = "Completed"
    closed_at = "Closed"
    reassignment_count = "Escalations"
    reopen_count = "Reopened"
    feedback_rating = "Rating"          # whole numbers 0..10
    source_response_seconds = "Response time"      # in duration_unit
    source_resolution_seconds = "Resolution time"  # in duration_unit

    [values.state]                      # label (case/space-insensitive) = state
    "Logged" = "new"
    "In progress" = "in_progress"
    "Waiting for user" = "on_hold"
    "Completed" = "resolved"
    "Closed" = "closed"

    [values.priority]                   # label = 1..5
    "P1 - Site down" = 1

    [values.kind]                       # label = incident|request|change|problem
    "Fault" = "incident"
    "Question" = "request"

Labels not in ``[values]`` go through the same built-in rules as every format
(``3 - Moderate`` → 3, "On Hold" → on_hold…); an unknown state is still an error.
``priority`` and ``state`` name the label columns; every other field names the
column holding its value. The ``[values]`` tables and ``default_kind`` also work
with the built-in formats, e.g. to map a custom Jira status.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from teamalign.errors import ImportFileError

from . import base
from .base import ParsedTickets, ProgressCallback, Sniff

FORMAT = "mapped-csv"
SOURCE = "csv"
LABEL = "Any CSV, through a mapping file (JSON or TOML)"
DETECT_ORDER = 1000

REQUIRED = ("external_id", "opened_at", "state_raw")
DEFAULT_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                        base.ISO_WITH_OFFSET)
#: Fields whose mapping key differs from the parser's column name.
RENAMED = {"priority": "priority_raw", "state": "state_raw"}


def detect(snf: Sniff) -> bool:
    """Never: without a mapping we cannot know which column is which."""
    return False


def parse(path: str | Path, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    loaded = base.load_mapping(mapping)
    if loaded is None or not loaded.columns:
        raise ImportFileError("the mapped-csv format needs a mapping file that declares "
                              "[columns] (see the mapped_csv module documentation)")
    if not loaded.source:
        raise ImportFileError("mapping: 'source' is required (the tool the tickets come "
                              "from, e.g. \"topdesk\")", file=loaded.file)
    snf = base.sniff(path)
    if snf.kind != "csv":
        raise ImportFileError(f"the mapped-csv format reads CSV files; this looks like "
                              f"{snf.kind.upper()}", file=snf.name)
    spec = {RENAMED.get(f, f): (header,) for f, header in loaded.columns.items()}
    for field in REQUIRED:
        if field not in spec:
            key = {v: k for k, v in RENAMED.items()}.get(field, field)
            raise ImportFileError(f"mapping: [columns] must name the '{key}' column",
                                  file=loaded.file)
    # Every column the mapping names must exist: a typo would otherwise silently
    # import nothing for that field.
    table, cols = base.read_csv_table(
        snf, spec, required=tuple(spec), null_values=loaded.null_values,
        delimiter=loaded.delimiter, encoding=loaded.encoding)
    rows_read = table.height + table.rows_rejected
    total = table.height
    base.report_progress(progress, total // 4, total)
    warnings: list[str] = []

    dates = base.parse_datetimes(
        table, {f: cols[f] for f in base.DATE_FIELDS if f in cols},
        loaded.date_formats or DEFAULT_DATE_FORMATS, timezone=timezone)
    base.report_progress(progress, total // 2, total)

    frame = base.shape_tickets(table, cols, dates, mapping=loaded, warnings=warnings,
                               default_kind="incident")
    unit = loaded.duration_seconds
    frame = frame.with_columns(
        base.parse_ints(table, cols.get("feedback_rating"), dtype=pl.Int8,
                        what="a rating from 0 to 10").alias("feedback_rating"),
        (base.parse_ints(table, cols.get("source_response_seconds"), dtype=pl.Int64,
                         what="a whole duration") * unit).alias("source_response_seconds"),
        (base.parse_ints(table, cols.get("source_resolution_seconds"), dtype=pl.Int64,
                         what="a whole duration") * unit).alias("source_resolution_seconds"))
    too_high = frame["feedback_rating"] > 10
    if too_high.any():
        index = base.first_true(too_high.fill_null(False))
        raise base.row_error(table, index, cols["feedback_rating"],
                             f"'{frame['feedback_rating'][index]}' is not a rating from 0 "
                             "to 10")
    base.report_progress(progress, 3 * total // 4, total)
    result = base.finish(table, frame, source=loaded.source, format=FORMAT,
                         rows_read=rows_read, warnings=warnings, columns=cols)
    base.report_progress(progress, total, total)
    return result
