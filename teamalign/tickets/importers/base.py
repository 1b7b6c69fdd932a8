"""The ticket contract every importer returns, and the ticket shaping the formats share.

Reading files (encodings, delimiters, workbooks, dates, numbers, limits, errors with row and
column) is :mod:`teamalign.ingest`'s business; the words of ticket exports (states,
priorities, kinds, Jira's localised headers) are in :mod:`.vocabulary`; mapping files in
:mod:`.mapping`. What is here is about *tickets*:

* the output contract: :class:`ParsedTickets`, :data:`TICKET_SCHEMA`, :data:`HISTORY_SCHEMA`;
* :func:`read_export`, a format's table read through ``ingest`` with its mapping's overrides;
* :func:`shape_tickets`, the ticket columns every tabular format shares;
* :func:`finish`, which validates and completes a frame into the contract: a ticket
  number is required and fits the database (100 characters), repeated numbers keep their
  last row (with a warning), free text is capped at :data:`TEXT_CAPS` (with a warning
  counting what was cut);
* the ServiceNow export-limit checks.

Choices that hold for every format
----------------------------------
* Row numbers are spreadsheet rows (see :mod:`teamalign.ingest`); every frame carries
  them in :data:`ROW` until :func:`finish` turns it into ``source_row``.
* A file with a header and no rows is an error, not an empty import.
* Rows skipped on purpose (blank rows, the ServiceNow "Export stopped" marker row,
  repeated ticket numbers, of which the last row wins) are counted in ``rows_rejected``
  and always explained in ``warnings``.
* Text is kept as written; identifiers and e-mails are stripped (e-mails also lowercased)
  and labels are compared case- and space-insensitively. Empty cells are null, and so are
  the "missing" markers a source uses (``?`` in ServiceNow data, ``-`` in Zendesk's CSV).
* ``source_response_seconds`` / ``source_resolution_seconds`` are the *calendar* durations
  a tool computed, ``…_business_seconds`` the business-hours ones, ``…_breached`` the tool's
  own SLA verdict (True = breached); each is null where the export does not say.
* ``has_first_response`` is False when the file carries no first-response information at
  all (no time, no duration): the figure is then "not measured", never 0 %. Likewise
  ``has_reassignment_count`` / ``has_reopen_count`` when no row gives the count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from teamalign.errors import ImportFileError
from teamalign.ingest import Sniff, read_table
from teamalign.ingest.dates import ISO_WITH_OFFSET, UTC, max_timestamp
from teamalign.ingest.numbers import parse_whole_numbers
from teamalign.ingest.read import tabular_error
from teamalign.ingest.table import ROW, Table, cap_text, first_true, text_column

from .vocabulary import (
    KINDS,
    STATES,
    StateGuesses,
    normalise_kind,
    normalise_priority,
    normalise_state,
    strip_labels,
)

if TYPE_CHECKING:
    from .mapping import ImportMapping

__all__ = ["DATE_FIELDS", "HISTORY_SCHEMA", "ISO_WITH_OFFSET", "KINDS", "ROW", "STATES",
           "TEXT_CAPS", "TICKET_SCHEMA", "UTC", "ParsedTickets", "ProgressCallback", "Sniff",
           "Table", "finish", "max_timestamp", "read_export", "shape_tickets"]

# --------------------------------------------------------------------------- contract

TICKET_SCHEMA: dict[str, pl.DataType] = {
    "external_id": pl.Utf8,
    "kind": pl.Utf8,
    "title": pl.Utf8,
    "priority": pl.Int8,
    "priority_raw": pl.Utf8,
    "state": pl.Utf8,
    "state_raw": pl.Utf8,
    "category": pl.Utf8,
    "requester_email": pl.Utf8,
    "requester_id": pl.Utf8,
    "requester_name": pl.Utf8,
    "requester_location": pl.Utf8,
    "requester_company": pl.Utf8,
    "requester_department": pl.Utf8,
    "assignment_group": pl.Utf8,
    "assigned_to": pl.Utf8,
    "business_service": pl.Utf8,
    "opened_at": UTC,
    "first_response_at": UTC,
    "resolved_at": UTC,
    "closed_at": UTC,
    "reassignment_count": pl.Int32,
    "reopen_count": pl.Int32,
    "feedback_rating": pl.Int8,
    "source_response_seconds": pl.Int64,
    "source_resolution_seconds": pl.Int64,
    "source_response_business_seconds": pl.Int64,
    "source_resolution_business_seconds": pl.Int64,
    "source_response_breached": pl.Boolean,
    "source_resolution_breached": pl.Boolean,
    "source_row": pl.Int32,
}

HISTORY_SCHEMA: dict[str, pl.DataType] = {
    "external_id": pl.Utf8,
    "at": UTC,
    "state": pl.Utf8,
    "state_raw": pl.Utf8,
}

#: Characters kept of each text field (the database column of ``external_id`` holds 100:
#: a longer ticket number is an error, never cut, since it is the ticket's identity).
EXTERNAL_ID_MAX = 100
TEXT_CAPS: dict[str, int] = {
    "title": 500, "category": 200, "requester_email": 254, "requester_id": 100,
    "requester_name": 200, "requester_location": 200, "requester_company": 200,
    "requester_department": 200, "assignment_group": 200, "assigned_to": 200,
    "business_service": 200, "priority_raw": 100, "state_raw": 100,
}

#: ServiceNow's default maximum number of rows in a list export.
SERVICENOW_EXPORT_LIMIT = 10_000
#: Text of the row ServiceNow appends when it stops an export that is too large.
EXPORT_STOPPED_MARKER = "Export stopped due to excessive size"

ProgressCallback = Callable[[int, int], None]


@dataclass
class ParsedTickets:
    """What every importer returns; the Django service codes against exactly this.

    ``rows_read`` counts data rows in the file (events for an event log, tickets for a JSON
    export); ``rows_rejected`` counts rows skipped on purpose, each kind of skip explained
    in ``warnings``. ``source_timestamps`` holds optional extras, for example
    ``max_updated_at`` (the newest "updated" time in the file, UTC; None when the file has
    no last-update column) and, for Jira, ``sla_remaining_seconds`` (a frame of the SLA time
    Jira reports as left). ``has_first_response`` is False when the file carries no
    first-response information at all. ``details`` goes into the import run's details
    (labels mapped by a guess, how first responses were obtained).
    """

    source: str
    format: str
    tickets: pl.DataFrame
    history: pl.DataFrame
    rows_read: int
    rows_rejected: int
    warnings: list[str]
    source_timestamps: dict = field(default_factory=dict)
    #: False when the export has no first-response data at all: response is then not measured.
    has_first_response: bool = True
    #: False when no row gives a reassignment / reopen count: those figures are then not measured.
    has_reassignment_count: bool = True
    has_reopen_count: bool = True
    details: dict = field(default_factory=dict)


def empty_history() -> pl.DataFrame:
    return pl.DataFrame(schema=HISTORY_SCHEMA)


def report_progress(progress: ProgressCallback | None, done: int, total: int) -> None:
    """Call ``progress(done, total)`` if the caller gave one (a few times per parse: after
    reading, after dates, after labels and at the end; ``done`` is an estimate in rows)."""
    if progress is not None:
        progress(int(done), int(total))


# --------------------------------------------------------------------------- reading


def read_export(snf: Sniff, columns: Mapping[str, Sequence[str]], *, format: str,
                mapping: ImportMapping, required: Iterable[str] = (),
                repeats: Mapping[str, str] | None = None,
                null_values: Sequence[str] = ()) -> tuple[Table, dict[str, str]]:
    """A tabular export (CSV, Excel or Parquet, whatever the format's name says) with the
    mapping's delimiter, encoding and null values applied."""
    if not snf.tabular:
        raise tabular_error(snf, f"the '{format}' format")
    return read_table(snf, columns, required=required, repeats=repeats,
                      null_values=tuple(null_values) + mapping.null_values,
                      delimiter=mapping.delimiter, encoding=mapping.encoding)


# --------------------------------------------------------------------------- shaping

#: Ticket fields that are plain text, kept as written.
TEXT_FIELDS = ("title", "category", "requester_name", "requester_location",
               "requester_company", "requester_department", "assignment_group",
               "assigned_to", "business_service")
DATE_FIELDS = ("opened_at", "first_response_at", "resolved_at", "closed_at")


def shape_tickets(table: Table, cols: Mapping[str, str], dates: pl.DataFrame, *,
                  mapping: ImportMapping, warnings: list[str], default_kind: str,
                  guesses: StateGuesses,
                  kind_fallback: Callable[[pl.Series], pl.Series] | None = None,
                  state_overrides: Mapping[str, str] | None = None,
                  state_fallback: pl.Series | None = None) -> pl.DataFrame:
    """The ticket columns every tabular format shares, one row per file row.

    ``cols`` maps ticket fields (plus ``kind``, ``priority_raw``, ``state_raw``) to columns
    of ``table.df``; ``dates`` holds already parsed date fields. The mapping's value maps
    override the built-in label rules; labels mapped by a guess go into ``guesses``.
    """
    text = table.df.select(
        text_column(cols.get("external_id"), "external_id", strip=True),
        text_column(cols.get("kind"), "kind_raw"),
        text_column(cols.get("priority_raw"), "priority_raw"),
        text_column(cols.get("state_raw"), "state_raw"),
        *(text_column(cols.get(f), f) for f in TEXT_FIELDS),
        text_column(cols.get("requester_email"), "requester_email", strip=True).str.to_lowercase(),
        text_column(cols.get("requester_id"), "requester_id", strip=True),
        pl.col(ROW))
    text = text.with_columns(strip_labels(text["priority_raw"]), strip_labels(text["state_raw"]))
    state = normalise_state(table, text["state_raw"], cols["state_raw"],
                            overrides={**(state_overrides or {}), **mapping.state_values},
                            fallback=state_fallback, guesses=guesses)
    priority = normalise_priority(text["priority_raw"], warnings, overrides=mapping.priority_values)
    kind = normalise_kind(
        text["kind_raw"] if "kind" in cols else None, warnings,
        default=mapping.default_kind or default_kind, height=table.height,
        overrides=mapping.kind_values,
        fallback=kind_fallback(text["external_id"]) if kind_fallback else None)
    return text.drop("kind_raw").with_columns(
        kind.alias("kind"), priority.alias("priority"), state.alias("state"),
        parse_whole_numbers(table, cols.get("reassignment_count"), what="a count")
        .alias("reassignment_count"),
        parse_whole_numbers(table, cols.get("reopen_count"), what="a count").alias("reopen_count"),
        *(dates[c] for c in DATE_FIELDS if c in dates.columns))


# --------------------------------------------------------------------------- ServiceNow


def drop_export_stopped_marker(table: Table) -> bool:
    """Reject the row ServiceNow appends to an export it cut; True if there was one."""
    if table.height == 0:
        return False
    last = table.df.tail(1).drop(ROW).row(0)
    if not any(v and EXPORT_STOPPED_MARKER.casefold() in v.casefold() for v in last):
        return False
    row = int(table.df[ROW][-1])
    table.df = table.df.head(table.height - 1)
    table.rows_rejected += 1
    table.warnings.append(
        f"the export was cut: row {row} is ServiceNow's '{EXPORT_STOPPED_MARKER}' marker "
        "and was skipped; tickets after it are missing. Export smaller date ranges.")
    return True


def warn_if_export_limit(table: Table, stopped: bool) -> None:
    """Warn when a list export has exactly ServiceNow's default row limit."""
    if not stopped and table.height == SERVICENOW_EXPORT_LIMIT:
        table.warnings.append(
            f"the file has exactly {SERVICENOW_EXPORT_LIMIT:,} rows, ServiceNow's default "
            "export limit: the export was probably cut. Export smaller date ranges.")


# --------------------------------------------------------------------------- finishing


def finish(table: Table, frame: pl.DataFrame, *, source: str, format: str, rows_read: int,
           warnings: list[str], guesses: StateGuesses | None = None,
           history: pl.DataFrame | None = None, source_timestamps: dict | None = None,
           columns: Mapping[str, str] | None = None, has_first_response: bool = True,
           details: dict | None = None) -> ParsedTickets:
    """Validate and shape ``frame`` into :data:`TICKET_SCHEMA` and build the result.

    ``frame`` holds some of the ticket fields plus :data:`ROW`; missing fields are added as
    nulls. A repeated ``external_id`` keeps its last row (the others are rejected with a
    warning). ``columns`` (field → column of ``table.df``) lets errors name the header a bad
    value came from.
    """
    columns = columns or {}
    if frame.height == 0:
        raise ImportFileError("the file has a header but no tickets", file=table.file)
    frame = frame.with_columns(
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in TICKET_SCHEMA.items()
        if name not in frame.columns and name != "source_row")
    # A count no row gives is not recorded by this export: "not measured", never 0.
    recorded = {name: frame.height == 0 or frame[name].null_count() < frame.height
                for name in ("reassignment_count", "reopen_count")}
    frame = frame.with_columns(
        pl.col("reassignment_count").fill_null(0),
        pl.col("reopen_count").fill_null(0),
        pl.col(ROW).cast(pl.Int32).alias("source_row"))
    for name in ("external_id", "opened_at"):
        missing = frame[name].is_null()
        if missing.any():
            index = first_true(missing)
            what = "the ticket number is empty" if name == "external_id" else \
                "the opening date is empty"
            raise ImportFileError(what, file=table.file, row=int(frame[ROW][index]),
                                  column=table.header_of(columns.get(name, name)))
    too_long = frame["external_id"].str.len_chars() > EXTERNAL_ID_MAX
    if too_long.any():
        index = first_true(too_long)
        raise ImportFileError(
            f"the ticket number is {frame['external_id'].str.len_chars()[index]:,} characters "
            f"long; ticket numbers may have at most {EXTERNAL_ID_MAX} (is this the right column?)",
            file=table.file, row=int(frame[ROW][index]),
            column=table.header_of(columns.get("external_id", "external_id")))
    rejected = table.rows_rejected
    repeated = frame.height - frame["external_id"].n_unique()
    if repeated:
        frame = frame.unique(subset="external_id", keep="last", maintain_order=True)
        rejected += repeated
        warnings.append(f"{repeated} row(s) repeat a ticket number already in the file; "
                        "the last row of each ticket was kept")
    early = int(frame.select((pl.col("resolved_at") < pl.col("opened_at")).sum()).item())
    if early:
        warnings.append(f"{early} ticket(s) are resolved before they were opened in the "
                        "file; check the time zone and the source data")
    capped = []
    for name, limit in TEXT_CAPS.items():
        header = table.header_of(columns[name]) if name in columns else name.replace("_", " ")
        capped.append(cap_text(frame[name], limit, label=f"'{header}'", warnings=warnings))
    frame = frame.with_columns(capped)
    if guesses is not None:
        guesses.warn(warnings)
    details = dict(details or {})
    if guesses is not None and guesses.found:
        details["states_guessed"] = guesses.found
    tickets = frame.select(pl.col(n).cast(t) for n, t in TICKET_SCHEMA.items())
    history = empty_history() if history is None else history.select(
        pl.col(n).cast(t) for n, t in HISTORY_SCHEMA.items())
    if history.height:
        history = history.with_columns(cap_text(history["state_raw"], TEXT_CAPS["state_raw"],
                                                label="state (in the history)", warnings=warnings))
    return ParsedTickets(source=source, format=format, tickets=tickets, history=history,
                         rows_read=rows_read, rows_rejected=rejected,
                         warnings=table.warnings + warnings,
                         source_timestamps=source_timestamps or {},
                         has_first_response=has_first_response,
                         has_reassignment_count=recorded["reassignment_count"],
                         has_reopen_count=recorded["reopen_count"], details=details)
