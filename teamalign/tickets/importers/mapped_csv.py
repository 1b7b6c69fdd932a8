"""Any ticket CSV (or Excel sheet), read through a mapping file that says which column is which.

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
    updated_at = "Last changed"         # when each ticket last changed: dates the export,
                                        # so open tickets' ages are measured as of it
    requester_id = "Caller id"
    feedback_rating = "Rating"          # whole numbers 0..10
    source_response_seconds = "Response time"      # calendar time, in duration_unit
    source_resolution_seconds = "Resolution time"  # calendar time, in duration_unit
    source_response_business_seconds = "Response (business)"     # business time
    source_resolution_business_seconds = "Resolution (business)"
    source_response_breached = "Response SLA"      # the tool's verdict: breached/met,
    source_resolution_breached = "Resolution SLA"  # yes/no, true/false, SLA violated…

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

A mapping that names neither ``first_response_at`` nor ``source_response_seconds`` (nor the
business one) says the file has no first-response information: response figures are then
"not measured". Durations may be written ``hh:mm``, ``1h 30m`` or as numbers in
``duration_unit`` (with the file's decimal separator).
"""

from __future__ import annotations

import polars as pl

from teamalign.errors import ImportFileError
from teamalign.ingest.dates import ISO_WITH_OFFSET, max_timestamp, parse_datetimes
from teamalign.ingest.numbers import duration_seconds, parse_whole_numbers
from teamalign.ingest.table import first_true, row_error, text_values

from . import base
from .base import ParsedTickets, ProgressCallback, Sniff
from .mapping import load_mapping
from .vocabulary import StateGuesses, normalise_verdicts

FORMAT = "mapped-csv"
SOURCE = "csv"
LABEL = "Any CSV or Excel sheet, through a mapping file (JSON or TOML)"
DETECT_ORDER = 1000

REQUIRED = ("external_id", "opened_at", "state_raw")
DEFAULT_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                        ISO_WITH_OFFSET)
#: Fields whose mapping key differs from the parser's column name.
RENAMED = {"priority": "priority_raw", "state": "state_raw"}
DURATIONS = ("source_response_seconds", "source_resolution_seconds",
             "source_response_business_seconds", "source_resolution_business_seconds")
VERDICTS = ("source_response_breached", "source_resolution_breached")


def detect(snf: Sniff) -> bool:
    """Never: without a mapping we cannot know which column is which."""
    return False


def parse(snf: Sniff, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    loaded = load_mapping(mapping)
    if loaded is None or not loaded.columns:
        raise ImportFileError("the mapped-csv format needs a mapping file that declares "
                              "[columns] (see the mapped_csv module documentation)")
    if not loaded.source:
        raise ImportFileError("mapping: 'source' is required (the tool the tickets come "
                              "from, e.g. \"topdesk\")", file=loaded.file)
    spec = {RENAMED.get(f, f): (header,) for f, header in loaded.columns.items()}
    for field in REQUIRED:
        if field not in spec:
            key = {v: k for k, v in RENAMED.items()}.get(field, field)
            raise ImportFileError(f"mapping: [columns] must name the '{key}' column",
                                  file=loaded.file)
    # Every column the mapping names must exist: a typo would otherwise silently import
    # nothing for that field.
    table, cols = base.read_export(snf, spec, format=FORMAT, mapping=loaded, required=tuple(spec))
    rows_read = table.height + table.rows_rejected
    total = table.height
    base.report_progress(progress, total // 4, total)
    warnings: list[str] = []
    guesses = StateGuesses()

    dates = parse_datetimes(
        table, {f: cols.get(f) for f in (*base.DATE_FIELDS, "updated_at")},
        loaded.date_formats or DEFAULT_DATE_FORMATS, timezone=timezone, required=("opened_at",))
    base.report_progress(progress, total // 2, total)

    frame = base.shape_tickets(table, cols, dates, mapping=loaded, warnings=warnings,
                               default_kind="incident", guesses=guesses)
    frame = frame.with_columns(
        parse_whole_numbers(table, cols.get("feedback_rating"), dtype=pl.Int8,
                            what="a rating from 0 to 10").alias("feedback_rating"),
        *(_durations(table, cols.get(f), loaded.duration_seconds).alias(f) for f in DURATIONS),
        *(normalise_verdicts(table, cols.get(f), warnings).alias(f) for f in VERDICTS))
    too_high = frame["feedback_rating"] > 10
    if too_high.fill_null(False).any():
        index = first_true(too_high)
        raise row_error(table, index, cols["feedback_rating"],
                        f"'{frame['feedback_rating'][index]}' is not a rating from 0 to 10")
    base.report_progress(progress, 3 * total // 4, total)
    has_response = any(f in cols for f in ("first_response_at", "source_response_seconds",
                                            "source_response_business_seconds"))
    result = base.finish(table, frame, source=loaded.source, format=FORMAT,
                         rows_read=rows_read, warnings=warnings, columns=cols, guesses=guesses,
                         has_first_response=has_response,
                         source_timestamps={"max_updated_at": max_timestamp(dates["updated_at"])})
    base.report_progress(progress, total, total)
    return result


def _durations(table: base.Table, column: str | None, unit: int) -> pl.Series:
    """A duration column in the mapping's unit; a value that is not a duration is an error."""
    raw = text_values(table, column, strip=True)
    if column is None:
        return raw.cast(pl.Int64)
    seconds = duration_seconds(raw, unit_seconds=unit, decimal_comma=table.delimiter == ";")
    bad = raw.is_not_null() & seconds.is_null()
    if bad.any():
        index = first_true(bad)
        raise row_error(table, index, column, f"'{raw[index]}' is not a duration")
    negative = (seconds < 0).fill_null(False)
    if negative.any():
        index = first_true(negative)
        raise row_error(table, index, column, f"'{raw[index]}' is a negative duration")
    return seconds
