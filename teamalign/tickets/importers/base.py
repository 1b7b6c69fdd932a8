"""Shared building blocks of the ticket importers (pure Python + Polars, no Django).

Every importer module turns one real export format into a :class:`ParsedTickets`:
one row per ticket in :data:`TICKET_SCHEMA` and, where the source has it, the
state history in :data:`HISTORY_SCHEMA`. The Django service upserts those frames;
nothing here touches a database.

What lives here, so that each format module only says what is special about it:

* the output contract (:class:`ParsedTickets`, the two schemas, :func:`finish`);
* reading files: :func:`sniff` (first bytes + header, used by detection),
  :func:`read_csv_table` (the needed columns as strings, vectorised),
  :func:`read_xlsx_table` (python-calamine) and :func:`pick_columns` (header
  aliases, required columns, duplicated headers);
* :func:`shape_tickets`, the columns every tabular format shares, and the error
  helpers (:func:`first_true`, :func:`row_error`) that name the first bad row and
  column after a vectorised cast fails;
* values: :func:`parse_datetimes` (explicit formats, day-first/month-first decided
  per file, local time to UTC), :func:`parse_ints`, and the label rules for
  priority, state and kind (:func:`priority_of`, :func:`state_of`, :func:`kind_of`);
* the ServiceNow export limit checks (:func:`drop_export_stopped_marker`,
  :func:`warn_if_export_limit`);
* mapping files (:func:`load_mapping`), whose format is documented in
  :mod:`teamalign.tickets.importers.mapped_csv`.

Choices that hold for every format
----------------------------------
* **Row numbers** are spreadsheet rows: the header is row 1, the first data row is
  row 2 (a quoted value spanning several lines is still one row). Every frame carries
  them in the :data:`ROW` column until :func:`finish` turns it into ``source_row``.
* **Naive timestamps** are wall-clock times in the ``timezone`` argument (an IANA
  name) and are converted to UTC. A time repeated when clocks go back is read as
  the *first* occurrence (``ambiguous="earliest"``). A time that does not exist
  because clocks went forward (02:30 on a spring-forward night) is moved *forward
  to the instant the clocks changed* (03:00 local); it is never dropped, and the
  order of timestamps is kept, so "resolved before opened" cannot be created by
  the conversion. Timestamps that carry an offset or ``Z`` are honoured as given.
* **Date formats** are explicit per source: the formats a tool documents are tried
  in order and the first one that parses *every* non-empty value of *every* date
  column in the file wins. That is how day-first and month-first are told apart
  (``03-04-2026`` alone is ambiguous; a file that also holds ``29-02-2016`` is not);
  for a file where both would fit, the source's documented order decides.
  A value no format parses is an :class:`ImportFileError` naming the row, the
  column and the value.
* **Unknown state labels are rejected**: the first row holding one is reported with
  its column and label, and the message shows how to map it in a mapping file
  (``[values.state]``). Guessing a state would silently distort pause and backlog
  figures. **Unknown priority labels** become a null priority with a warning (the
  contract allows "unknown"); **unknown kind labels** fall back to the format's
  default kind with a warning.
* Rows skipped on purpose (blank rows, the ServiceNow "Export stopped" marker row,
  repeated ticket numbers, of which the last row wins) are counted in
  ``rows_rejected`` and always explained in ``warnings``.
* Text is kept as written; identifiers and e-mails are stripped (e-mails also
  lowercased) and labels are compared case- and space-insensitively. Empty cells
  are null, and so are the "missing" markers a source uses (``?`` in ServiceNow
  data, ``-`` in Zendesk's CSV).
* Everything is vectorised with Polars over text columns; Python loops run only
  over distinct labels (a handful), over XLSX cells and JSON objects (exports that
  are small by nature), and in error paths.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from teamalign.errors import ImportFileError

# --------------------------------------------------------------------------- contract

UTC = pl.Datetime("us", "UTC")

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

KINDS = ("incident", "request", "change", "problem")
STATES = ("new", "in_progress", "on_hold", "resolved", "closed", "canceled")

#: Column carrying the spreadsheet row number through every intermediate frame.
ROW = "__row"

#: ServiceNow's default maximum number of rows in a list export.
SERVICENOW_EXPORT_LIMIT = 10_000
#: Text of the row ServiceNow appends when it stops an export that is too large.
EXPORT_STOPPED_MARKER = "Export stopped due to excessive size"

ProgressCallback = Callable[[int, int], None]

#: ISO 8601 with optional fraction and an offset or ``Z`` (APIs, JSON exports).
ISO_WITH_OFFSET = "%Y-%m-%dT%H:%M:%S%.f%#z"


@dataclass
class ParsedTickets:
    """What every importer returns; the Django service codes against exactly this.

    ``rows_read`` counts data rows in the file (events for an event log, tickets for
    a JSON export); ``rows_rejected`` counts rows skipped on purpose, each kind of
    skip explained in ``warnings``. ``source_timestamps`` holds optional extras, for
    example ``max_updated_at`` (the newest "updated" time in the file, UTC) and, for
    Jira, ``sla_remaining_seconds`` (a frame of the SLA time Jira reports as left).
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


def empty_history() -> pl.DataFrame:
    return pl.DataFrame(schema=HISTORY_SCHEMA)


def nulls(name: str, length: int, dtype: pl.DataType) -> pl.Series:
    """A typed all-null column (for fields a file does not have)."""
    return pl.repeat(None, length, dtype=dtype, eager=True).alias(name)


def report_progress(progress: ProgressCallback | None, done: int, total: int) -> None:
    """Call ``progress(done, total)`` if the caller gave one.

    Importers call it a few times: after reading, after dates, after labels and at
    the end. ``done`` is an estimate, in rows, of the work completed so far.
    """
    if progress is not None:
        progress(int(done), int(total))


# --------------------------------------------------------------------------- sniffing

HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Sniff:
    """What format detection looks at: the kind of file and, for tables, its header."""

    path: Path
    kind: str  # "csv", "xlsx", "json" or "other"
    header: tuple[str, ...]
    head: bytes
    delimiter: str = ","

    @property
    def name(self) -> str:
        return self.path.name

    def _keys(self) -> set[str]:
        return {header_key(h) for h in self.header}

    def has(self, *names: str) -> bool:
        """True when every name is a header (case and spacing ignored)."""
        keys = self._keys()
        return all(header_key(n) in keys for n in names)

    def has_any(self, *names: str) -> bool:
        keys = self._keys()
        return any(header_key(n) in keys for n in names)


def header_key(name: str) -> str:
    """How headers are compared: case-insensitive, runs of whitespace collapsed."""
    return " ".join(name.split()).casefold()


def sniff(path: str | Path) -> Sniff:
    """Read the first bytes of a file and, for CSV/XLSX, its header row."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except FileNotFoundError:
        raise ImportFileError("the file does not exist", file=str(path)) from None
    except IsADirectoryError:
        raise ImportFileError("this is a folder, not a file", file=str(path)) from None
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFileError("the file is empty", file=path.name)
    if head.startswith(b"PK\x03\x04"):
        return Sniff(path, "xlsx", tuple(read_xlsx_header(path)), head)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            "this is an old Excel .xls workbook; save it as .xlsx or CSV and import that",
            file=path.name)
    body = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if body[:1] in (b"{", b"["):
        return Sniff(path, "json", (), head)
    if b"\x00" in head[:4096]:
        # UTF-16 text or a binary file: neither is a CSV we can read column by column.
        return Sniff(path, "other", (), head)
    header, delimiter = _csv_header(head, path.name)
    return Sniff(path, "csv", tuple(header), head, delimiter)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # The sniff buffer may end inside a multi-byte character: only that is fine.
        if exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8-sig")
        return data.decode("cp1252", errors="replace")


def _csv_header(head: bytes, file: str) -> tuple[list[str], str]:
    text = _decode(head)
    first_line = text.split("\n", 1)[0]
    # Excel in many European locales writes ';'; tab-separated files also occur.
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    # newline="": the csv module reads a lone "\r" as a line end only then (else it raises).
    try:
        row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error as exc:  # a header cell past the csv module's field limit, say
        raise ImportFileError(f"the first line is not a CSV header: {exc}", file=file) from None
    return [cell.strip() for cell in row], delimiter


# --------------------------------------------------------------------------- tables


@dataclass
class Table:
    """A file read as text: unique column names in ``df`` plus the headers as written.

    ``headers`` are all the headers of the file and ``names`` their unique column
    names (a repeated header gets a suffix, ``Comment (2)``); ``df`` holds the
    columns that were read, as Utf8, plus the :data:`ROW` column.
    """

    df: pl.DataFrame
    headers: list[str]
    names: list[str]
    file: str
    warnings: list[str] = field(default_factory=list)
    rows_rejected: int = 0

    def header_of(self, name: str) -> str:
        """The header as written in the file for a column name of ``df``."""
        try:
            return self.headers[self.names.index(name)]
        except ValueError:
            return name

    @property
    def height(self) -> int:
        return self.df.height


def _unique_names(headers: Sequence[str]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, header in enumerate(headers):
        base = header or f"column {i + 1}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        names.append(base if n == 0 else f"{base} ({n + 1})")
    return names


def read_csv_table(snf: Sniff, spec: Mapping[str, Sequence[str]], *,
                   required: Iterable[str] = (), multi: Iterable[str] = (),
                   null_values: Sequence[str] = (), delimiter: str | None = None,
                   encoding: str | None = None) -> tuple[Table, dict[str, str]]:
    """Read the columns a format needs from a CSV, as strings, vectorised.

    Columns are resolved from the header first (see :func:`pick_columns`) and only
    those are parsed (plus the first column, where ServiceNow writes its "Export
    stopped" marker): a Jira export has a hundred columns we never read. Values are
    kept as written (``infer_schema=False``); empty cells are null, and so are
    cells equal to one of ``null_values`` (ServiceNow's ``?``, for instance).
    Files that are not UTF-8 are read as Windows-1252 (what Excel writes) with a
    warning, unless ``encoding`` names another encoding. Blank rows are dropped and
    counted as rejected. Returns the table and the field → column mapping.
    """
    file = snf.name
    warnings: list[str] = []
    data: Any = snf.path
    header = list(snf.header)
    delimiter = delimiter or snf.delimiter
    if encoding and encoding.replace("-", "").replace("_", "").lower() not in (
            "utf8", "utf8sig"):
        data = _reencode(snf.path, encoding)
        header = _csv_header(data[:HEAD_BYTES], file)[0]
    if not any(header):
        raise ImportFileError("the file has no header row", file=file)
    names = _unique_names(header)
    positions = _resolve(header, spec, required=required, multi=multi, file=file)
    needed = sorted({0} | {i for found in positions.values() for i in found})
    kwargs: dict[str, Any] = dict(
        separator=delimiter, infer_schema=False, has_header=True, new_columns=names,
        columns=[names[i] for i in needed], row_index_name=ROW, row_index_offset=2,
        null_values=list(null_values) or None, raise_if_empty=False)
    try:
        df = pl.read_csv(data, **kwargs)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc).lower() or isinstance(data, bytes):
            raise _malformed_csv(snf, data, delimiter, len(header), exc) from None
        data = _reencode(snf.path, "cp1252")
        warnings.append("the file is not UTF-8; it was read as Windows-1252 (what Excel "
                        "writes): check accented names")
        try:
            df = pl.read_csv(data, **kwargs)
        except pl.exceptions.ComputeError as exc2:
            raise _malformed_csv(snf, data, delimiter, len(header), exc2) from None
    except pl.exceptions.NoDataError:
        raise ImportFileError("the file is empty", file=file) from None
    except pl.exceptions.ShapeError as exc:
        raise _malformed_csv(snf, data, delimiter, len(header), exc) from None
    table = Table(df, header, names, file, warnings)
    _drop_blank_rows(table)
    return table, _materialise(table, positions)


def _reencode(path: Path, encoding: str) -> bytes:
    try:
        return path.read_bytes().decode(encoding).encode("utf-8")
    except (LookupError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"the file cannot be read as {encoding}: {exc}",
                              file=path.name) from None


def _malformed_csv(snf: Sniff, data: Any, delimiter: str, width: int,
                   exc: Exception) -> ImportFileError:
    """Find the first row whose field count differs from the header (error path only)."""
    raw = data if isinstance(data, bytes) else snf.path.read_bytes()
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        next(reader, None)
        for number, record in enumerate(reader, start=2):
            if len(record) > width:
                return ImportFileError(
                    f"this row has {len(record)} values but the header has {width} columns",
                    file=snf.name, row=number)
    except csv.Error:
        pass  # the row cannot be found; the error below still names the file
    return ImportFileError(f"the file is not a well-formed CSV: {exc}", file=snf.name)


def _drop_blank_rows(table: Table) -> None:
    columns = [c for c in table.df.columns if c != ROW]
    if not columns or table.height == 0:
        return
    blank = table.df.select(pl.all_horizontal(pl.col(columns).is_null())).to_series()
    count = int(blank.sum())
    if count:
        table.df = table.df.filter(~blank)
        table.rows_rejected += count
        table.warnings.append(f"{count} empty row(s) skipped")


def read_xlsx_header(path: Path) -> list[str]:
    rows = _xlsx_rows(path, limit=50)
    for row in rows:
        cells = [_cell_text(c) or "" for c in row]
        if any(cells):
            return cells
    return []


def _xlsx_rows(path: Path, limit: int | None = None) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook  # imported lazily: only XLSX needs it

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        # skip_empty_area=False keeps the real spreadsheet row numbers.
        return sheet.to_python(skip_empty_area=False, nrows=limit) if limit else \
            sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several unrelated types for bad files
        raise ImportFileError(f"the workbook cannot be read: {exc}", file=path.name) from None


def _cell_text(value: Any) -> str | None:
    """One XLSX cell as the text a CSV export of the same list would hold."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00")
    if isinstance(value, (time, timedelta)):
        return str(value)
    return str(value)


def read_xlsx_table(snf: Sniff) -> Table:
    """Read the first sheet of a workbook as strings; the first non-empty row is the header.

    Real date cells become ``YYYY-MM-DD HH:MM:SS`` text, so the same date parsing
    applies whether the workbook holds dates or text. This loops over cells in
    Python, which is fine for XLSX exports (ServiceNow caps them at tens of
    thousands of rows); large extracts come as CSV.
    """
    rows = _xlsx_rows(snf.path)
    start = next((i for i, r in enumerate(rows) if any(_cell_text(c) for c in r)), None)
    if start is None:
        raise ImportFileError("the workbook's first sheet is empty", file=snf.name)
    header = [_cell_text(c) or "" for c in rows[start]]
    while header and not header[-1]:
        header.pop()
    names = _unique_names(header)
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    row_numbers: list[int] = []
    for offset, row in enumerate(rows[start + 1:], start=start + 2):
        cells = [_cell_text(c) for c in row[:width]]
        cells += [None] * (width - len(cells))
        for j, cell in enumerate(cells):
            columns[j].append(cell)
        row_numbers.append(offset)
    df = pl.DataFrame(
        [pl.Series(ROW, row_numbers, dtype=pl.UInt32)]
        + [pl.Series(n, col, dtype=pl.Utf8) for n, col in zip(names, columns)])
    table = Table(df, header, names, snf.name)
    _drop_blank_rows(table)
    return table


def pick_columns(table: Table, spec: Mapping[str, Sequence[str]], *,
                 required: Iterable[str] = (), multi: Iterable[str] = ()) -> dict[str, str]:
    """Resolve each field to a column of ``table.df`` from a list of header aliases.

    The first alias found wins (case and spacing ignored). A required field with no
    column is an error naming the expected header. A header that appears more than
    once is an error when the field is used, because we could not know which copy
    is right, except for ``multi`` fields (Jira repeats multi-value columns such as
    ``Component/s``): their copies are merged, the first non-empty value winning.
    Repeated headers nobody reads are ignored.
    """
    positions = _resolve(table.headers, spec, required=required, multi=multi,
                         file=table.file)
    return _materialise(table, positions)


def _resolve(headers: Sequence[str], spec: Mapping[str, Sequence[str]], *,
             required: Iterable[str], multi: Iterable[str], file: str) -> dict[str, list[int]]:
    keys = [header_key(h) for h in headers]
    multi = set(multi)
    found: dict[str, list[int]] = {}
    for fld, aliases in spec.items():
        for alias in aliases:
            positions = [i for i, k in enumerate(keys) if k == header_key(alias)]
            if not positions:
                continue
            if len(positions) > 1 and fld not in multi:
                raise ImportFileError(
                    f"the column appears {len(positions)} times; keep only one copy",
                    file=file, column=headers[positions[0]])
            found[fld] = positions
            break
    for fld in required:
        if fld not in found:
            aliases = list(spec[fld])
            also = f" (or {', '.join(repr(a) for a in aliases[1:])})" if len(aliases) > 1 else ""
            raise ImportFileError(f"required column '{aliases[0]}'{also} is missing",
                                  file=file, column=aliases[0])
    return found


def _materialise(table: Table, positions: Mapping[str, list[int]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for fld, found_at in positions.items():
        names = [table.names[i] for i in found_at]
        if len(names) == 1:
            found[fld] = names[0]
            continue
        merged = f"{names[0]} (merged)"
        if merged not in table.df.columns:
            table.df = table.df.with_columns(pl.coalesce(names).alias(merged))
            table.names.append(merged)
            table.headers.append(table.headers[found_at[0]])
        found[fld] = merged
    return found


def text_column(table: Table, name: str | None, alias: str, *, strip: bool = False) -> pl.Expr:
    """A text column as written, or a typed null when the file lacks it.

    Free text is kept as written (exports do not pad values, and stripping every
    column of a million rows costs more than the rest of the parse); identifiers
    and e-mails are stripped (``strip=True``), labels are normalised through their
    distinct values. A value that is only spaces becomes null when stripped.
    """
    if name is None:
        return pl.lit(None, dtype=pl.Utf8).alias(alias)
    if not strip:
        return pl.col(name).alias(alias)
    stripped = pl.col(name).str.strip_chars()
    return pl.when(stripped.str.len_bytes() > 0).then(stripped).alias(alias)


# --------------------------------------------------------------------------- errors


def text_values(table: Table, name: str | None, *, strip: bool = False) -> pl.Series:
    """One column as a Series (see :func:`text_column`); all nulls when absent."""
    if name is None:
        return nulls("", table.height, pl.Utf8)
    return table.df.select(text_column(table, name, "v", strip=strip)).to_series()


def first_true(mask: pl.Series) -> int:
    """Index of the first True in ``mask`` (callers check there is one). Error
    reporting uses it to name the first bad row after a failed vectorised cast."""
    return int(mask.arg_true()[0])


def row_error(table: Table, index: int, column: str, message: str) -> ImportFileError:
    """An error for the value at ``index`` of ``column``, with its spreadsheet row."""
    return ImportFileError(message, file=table.file, row=int(table.df[ROW][index]),
                           column=table.header_of(column))


# --------------------------------------------------------------------------- dates

_HUMAN_TOKENS = [("%.f", ""), ("%#z", "±hh:mm"), ("%z", "±hhmm"), ("%Y", "YYYY"),
                 ("%y", "YY"), ("%m", "MM"), ("%d", "DD"), ("%b", "Mon"), ("%H", "hh"),
                 ("%I", "hh"), ("%M", "mm"), ("%S", "ss"), ("%p", "AM/PM"), ("%a", "Day")]


def human_format(fmt: str) -> str:
    """``%d-%m-%Y %H:%M`` → ``DD-MM-YYYY hh:mm``, for error messages."""
    for token, text in _HUMAN_TOKENS:
        fmt = fmt.replace(token, text)
    return fmt


def check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ImportFileError(f"unknown time zone '{name}' (use an IANA name such as "
                              "'Europe/Paris' or 'UTC')") from None
    return name


def parse_datetimes(table: Table, columns: Mapping[str, str], formats: Sequence[str], *,
                    timezone: str) -> pl.DataFrame:
    """Parse several text columns into UTC datetimes with one format for the file.

    ``columns`` maps an output name to a column of ``table.df``. The first format of
    ``formats`` that parses every non-empty value of every column is used (see the
    module docstring); naive results are local times in ``timezone``.
    """
    check_timezone(timezone)
    raw = table.df.select(text_column(table, col, out) for out, col in columns.items())
    try:
        return _parse_datetimes(table, raw, columns, formats, timezone)
    except ImportFileError:
        # Values padded with spaces (hand-edited files) are the one fix worth trying;
        # it is only paid for on files that fail as written.
        stripped = raw.select(pl.col(c).str.strip_chars().replace("", None) for c in raw.columns)
        if stripped.equals(raw):
            raise
        return _parse_datetimes(table, stripped, columns, formats, timezone)


def _parse_datetimes(table: Table, raw: pl.DataFrame, columns: Mapping[str, str],
                     formats: Sequence[str], timezone: str) -> pl.DataFrame:
    empty = {c: raw[c].null_count() for c in raw.columns}
    present = [c for c in raw.columns if empty[c] < raw.height]
    result = pl.DataFrame([nulls(c, raw.height, UTC) for c in raw.columns])
    if not present:
        return result
    # A cheap first look: formats that fail on the first values are skipped without
    # parsing the whole file (a column empty at the top is checked by the full parse).
    sample = raw.head(2000).select(pl.col(c).drop_nulls().head(200).implode() for c in present)
    misses = {fmt: _sample_failures(sample, fmt) for fmt in formats}
    best: tuple[int, str, pl.DataFrame] | None = None
    for fmt in formats:
        if misses[fmt]:
            continue
        parsed = raw.select(_strptime(c, fmt) for c in present)
        failures = sum(parsed[c].null_count() - empty[c] for c in present)
        if failures == 0:
            return result.with_columns(frame_to_utc(parsed, timezone).get_columns())
        if best is None or failures < best[0]:
            best = (failures, fmt, parsed)
    if best is None:
        # Even the first values defeat every format: report against the format that
        # read most of them, which is the one the file was meant to use.
        fmt = min(formats, key=lambda f: misses[f])  # ties: the documented order
        parsed = raw.select(_strptime(c, fmt) for c in present)
    else:
        _, fmt, parsed = best
    index, out = min(
        (first_true(raw[c].is_not_null() & parsed[c].is_null()), c)
        for c in present if parsed[c].null_count() > empty[c])
    raise row_error(table, index, columns[out],
                    f"'{raw[out][index]}' is not a date and time in the format this "
                    f"file uses ({human_format(fmt)})")


def _strptime(column: str, fmt: str) -> pl.Expr:
    # cache=False: timestamps are nearly all distinct, so the cache only costs time.
    return pl.col(column).str.strptime(pl.Datetime("us"), fmt, strict=False, cache=False)


def _sample_failures(sample: pl.DataFrame, fmt: str) -> int:
    failures = 0
    for column in sample.columns:
        values = sample[column][0]
        if values is not None and values.len():
            failures += values.str.strptime(pl.Datetime("us"), fmt, strict=False).null_count()
    return failures


def to_utc(values: pl.Series, timezone: str) -> pl.Series:
    """Naive wall-clock times in ``timezone`` (or aware times) → ``Datetime(us, UTC)``.

    Repeated local times take the first occurrence; non-existent local times (DST
    gap) move forward to the instant the clocks changed.
    """
    return frame_to_utc(values.to_frame(), timezone).to_series()


def frame_to_utc(frame: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """:func:`to_utc` for every column of a frame, the columns converted in parallel."""
    frame = frame.select(
        pl.col(c).cast(pl.Datetime("us", frame[c].dtype.time_zone))  # type: ignore[attr-defined]
        for c in frame.columns)
    naive = [c for c in frame.columns
             if frame[c].dtype.time_zone is None]  # type: ignore[attr-defined]
    if timezone == "UTC":
        local = frame.with_columns(pl.col(naive).dt.replace_time_zone("UTC"))
    else:
        local = frame.with_columns(pl.col(naive).dt.replace_time_zone(
            timezone, ambiguous="earliest", non_existent="null"))
        for c in naive:
            in_gap = local[c].is_null() & frame[c].is_not_null()
            if in_gap.any():
                positions = in_gap.arg_true()
                fixed = local[c].scatter(
                    positions, _shift_out_of_gap(frame[c].gather(positions), timezone))
                local = local.with_columns(fixed)
    return local.select(pl.all().dt.convert_time_zone("UTC"))


def _shift_out_of_gap(naive: pl.Series, timezone: str) -> pl.Series:
    """The first valid local instant at or after each non-existent wall-clock time.

    Every DST gap in the tz database since 1970 starts and ends on a quarter hour,
    so stepping through quarter hours from the value finds the end of the gap, which
    is the instant the clocks changed. Only the few values inside a gap get here.
    """
    step = timedelta(minutes=15)
    base = naive.dt.truncate("15m")
    result = nulls(naive.name, naive.len(), pl.Datetime("us", timezone))
    for k in range(0, 4 * 27):  # the longest gap on record is a day (Samoa, 2011)
        candidate = base + step * k
        local = candidate.dt.replace_time_zone(timezone, ambiguous="earliest",
                                               non_existent="null")
        take = result.is_null() & local.is_not_null() & (candidate >= naive)
        result = local.zip_with(take, result)
        if result.null_count() == 0:
            break
    return result


# --------------------------------------------------------------------------- numbers


def parse_ints(table: Table, column: str | None, *, dtype: pl.DataType = pl.Int32,
               what: str = "a whole number", minimum: int | None = 0) -> pl.Series:
    """A text column of whole numbers (``3`` or ``3.0``) → ``dtype``, nulls kept.

    A value that is not a whole number, or is out of range, is an error naming the
    row, the column and the value.
    """
    if column is None:
        return nulls("", table.height, dtype)
    raw = table.df.get_column(column)
    try:
        return _whole_numbers(raw, dtype, minimum)
    except _BadNumber:
        # Retry with surrounding spaces removed; report the first value still bad.
        raw = text_values(table, column, strip=True)
        try:
            return _whole_numbers(raw, dtype, minimum)
        except _BadNumber as bad:
            raise row_error(table, bad.index, column,
                            f"'{raw[bad.index]}' is not {what}") from None


class _BadNumber(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


def _whole_numbers(raw: pl.Series, dtype: pl.DataType, minimum: int | None) -> pl.Series:
    as_float = raw.cast(pl.Float64, strict=False)
    bad = raw.is_not_null() & (as_float.is_null() | (as_float != as_float.floor()))
    if minimum is not None:
        bad = bad | (as_float < minimum).fill_null(False)
    as_int = as_float.cast(pl.Int64, strict=False).cast(dtype, strict=False)
    bad = bad | (raw.is_not_null() & as_int.is_null())
    if bad.any():
        raise _BadNumber(first_true(bad))
    return as_int


# --------------------------------------------------------------------------- labels


def label_key(label: str) -> str:
    """How labels are compared: case-insensitive; spaces, ``_`` and ``-`` alike."""
    return " ".join(re.sub(r"[\s_\-]+", " ", label.casefold()).split())


_PRIORITY_WORDS = {
    **dict.fromkeys(["critical", "urgent", "highest", "blocker", "emergency"], 1),
    **dict.fromkeys(["high", "major"], 2),
    **dict.fromkeys(["medium", "moderate", "normal"], 3),
    **dict.fromkeys(["low", "minor"], 4),
    **dict.fromkeys(["lowest", "planning", "trivial", "very low"], 5),
}
_LEADING_DIGIT = re.compile(r"^p?\s*([1-5])(?:\b|\s|$)")


def priority_of(label: str) -> int | None:
    """``1 - Critical`` → 1, ``P2`` → 2, ``High`` → 2, ``Normal`` → 3; None if unknown."""
    key = label_key(label)
    match = _LEADING_DIGIT.match(key)
    if match:
        return int(match.group(1))
    return _PRIORITY_WORDS.get(key)


_STATE_WORDS = {
    **dict.fromkeys(["new", "to do", "todo", "backlog", "draft", "submitted", "logged",
                     "unassigned"], "new"),
    **dict.fromkeys(["open", "active", "in progress", "work in progress", "wip", "assigned",
                     "waiting for support", "waiting on support", "escalated",
                     "under investigation", "investigating", "reopened", "re opened",
                     "assess", "authorize", "scheduled", "implement", "review",
                     "root cause analysis", "fix in progress", "in review", "triage",
                     "accepted", "selected for development", "work in process"],
                    "in_progress"),
    **dict.fromkeys(["on hold", "hold", "pending", "paused", "deferred", "suspended"],
                    "on_hold"),
    **dict.fromkeys(["resolved", "solved", "done", "completed", "complete", "fixed",
                     "fulfilled"], "resolved"),
    **dict.fromkeys(["closed", "closed complete", "closed incomplete", "closed successful",
                     "closed unsuccessful", "archived"], "closed"),
    **dict.fromkeys(["canceled", "cancelled", "won't do", "wont do", "won't fix",
                     "declined", "rejected", "withdrawn", "closed skipped",
                     "closed cancelled", "closed canceled", "obsolete"], "canceled"),
}


def state_of(label: str) -> str | None:
    """Normalise a state label; None when it is not a label we know.

    "Awaiting …", "Waiting for …" / "Waiting on …" (except "… support") and
    "Pending …" are pauses (on_hold); "Waiting for support" means the ball is with
    IT, so it is in_progress.
    """
    key = label_key(label)
    if key in _STATE_WORDS:
        return _STATE_WORDS[key]
    if key.startswith(("awaiting ", "waiting ", "pending ", "on hold ")):
        return "on_hold"
    return None


_KIND_WORDS = {
    **dict.fromkeys(["incident", "incidents", "incident report", "fault", "outage",
                     "report a system problem", "bug"], "incident"),
    **dict.fromkeys(["request", "service request", "service requests", "requests",
                     "service request with approvals", "sc req item", "sc request",
                     "sc task", "requested item", "request item", "catalog task",
                     "question", "task", "sub task", "subtask", "get it help", "it help",
                     "access", "new feature", "support"], "request"),
    **dict.fromkeys(["change", "change request", "changes", "normal change",
                     "standard change", "emergency change", "change task"], "change"),
    **dict.fromkeys(["problem", "problems", "problem task", "post incident review"],
                    "problem"),
}


def kind_of(label: str) -> str | None:
    """Normalise a ticket type / class label; None when unknown."""
    key = label_key(label)
    if key.startswith("[system] "):
        key = key[len("[system] "):]
    if key in KINDS:
        return key
    return _KIND_WORDS.get(key)


#: Number prefixes of ServiceNow and Freshservice; longer prefixes first where one
#: starts another.
_NUMBER_PREFIX_KINDS = (
    ("SCTASK", "request"), ("RITM", "request"), ("REQ", "request"), ("TASK", "request"),
    ("SR", "request"), ("INC", "incident"), ("CTASK", "change"), ("CHG", "change"),
    ("CHN", "change"), ("PTASK", "problem"), ("PRB", "problem"),
)


def kind_from_number(numbers: pl.Series) -> pl.Series:
    """Kind from a ticket number's prefix: INC → incident, RITM → request, CHG → change…

    A chain of ``starts_with`` checks (no regex, no new strings) keeps this cheap on
    a million numbers. Unknown prefixes give null.
    """
    expr = pl.lit(None, dtype=pl.Utf8)
    for prefix, kind in reversed(_NUMBER_PREFIX_KINDS):
        expr = pl.when(pl.col("n").str.starts_with(prefix)).then(pl.lit(kind)).otherwise(expr)
    return pl.DataFrame({"n": numbers}).select(expr.alias("kind")).to_series()


def _lookup(overrides: Mapping[str, Any] | None, label: str) -> tuple[bool, Any]:
    if overrides:
        key = label_key(label)
        if key in overrides:
            return True, overrides[key]
    return False, None


def map_labels(raw: pl.Series, rule: Callable[[str], Any], *, dtype: pl.DataType,
               overrides: Mapping[str, Any] | None = None) -> tuple[pl.Series, list[str]]:
    """Map a label column through ``rule`` (after ``overrides``), distinct values only.

    Returns the mapped column and the labels nobody knew. Mapping distinct values in
    Python and then replacing vectorised keeps this fast on a million rows.
    """
    mapping: dict[str, Any] = {}
    unknown: list[str] = []
    for label in raw.drop_nulls().unique().sort().to_list():
        hit, value = _lookup(overrides, label)
        if not hit:
            value = rule(label)
        if value is None:
            unknown.append(label)
        else:
            mapping[label] = value
    if not mapping:
        return nulls(raw.name, raw.len(), dtype), unknown
    return raw.replace_strict(mapping, default=None, return_dtype=dtype), unknown


def strip_labels(raw: pl.Series) -> pl.Series:
    """Strip surrounding spaces from a label column through its distinct values
    (a handful), so ``"Closed "`` and ``"Closed"`` are one raw label."""
    labels = raw.drop_nulls().unique().to_list()
    fixes = {label: (label.strip() or None) for label in labels if label != label.strip()}
    return raw.replace(fixes) if fixes else raw


def count_labels(raw: pl.Series, labels: Sequence[str], limit: int = 10) -> str:
    counts = raw.filter(raw.is_in(list(labels))).value_counts(sort=True)
    parts = [f"'{v}' ({n} row{'s' if n != 1 else ''})" for v, n in counts.iter_rows()]
    more = f" and {len(parts) - limit} more" if len(parts) > limit else ""
    return ", ".join(parts[:limit]) + more


def normalise_priority(raw: pl.Series, warnings: list[str], *,
                       overrides: Mapping[str, Any] | None = None) -> pl.Series:
    """Priority labels → 1..5 (Int8); unknown labels → null, listed in a warning."""
    priority, unknown = map_labels(raw, priority_of, dtype=pl.Int8, overrides=overrides)
    if unknown:
        warnings.append("priority labels not recognised, left without a priority: "
                        f"{count_labels(raw, unknown)}; map them in a mapping file "
                        "([values.priority])")
    return priority


def normalise_state(table: Table, raw: pl.Series, column: str, *,
                    overrides: Mapping[str, Any] | None = None,
                    fallback: pl.Series | None = None) -> pl.Series:
    """State labels → one of :data:`STATES`; an empty or unknown label is an error.

    ``fallback`` (already normalised) is used where the label is unknown, e.g. Jira's
    status category for a custom workflow status.
    """
    state, unknown = map_labels(raw, state_of, dtype=pl.Utf8, overrides=overrides)
    if fallback is not None and unknown:
        state = state.fill_null(fallback)
    missing = state.is_null()
    if missing.any():
        index = first_true(missing)
        label = raw[index]
        if label is None:
            raise row_error(table, index, column, "the state is empty")
        raise row_error(
            table, index, column,
            f"unknown state '{label}'. Known states are {', '.join(STATES)}; map this "
            f"label in a mapping file, e.g. [values.state] \"{label}\" = \"in_progress\"")
    return state


def normalise_kind(raw: pl.Series | None, warnings: list[str], *, default: str,
                   height: int, overrides: Mapping[str, Any] | None = None,
                   fallback: pl.Series | None = None) -> pl.Series:
    """Type labels → one of :data:`KINDS`; unknown or empty → ``fallback`` then
    ``default``, with a warning listing unknown labels."""
    if raw is None:
        kind = nulls("kind", height, pl.Utf8)
    else:
        kind, unknown = map_labels(raw, kind_of, dtype=pl.Utf8, overrides=overrides)
        if unknown:
            warnings.append(f"ticket types not recognised, imported as '{default}': "
                            f"{count_labels(raw, unknown)}; map them in a mapping file "
                            "([values.kind])")
    if fallback is not None:
        kind = kind.fill_null(fallback)
    return kind.fill_null(default)


# --------------------------------------------------------------------------- shaping

#: Ticket fields that are plain text, copied stripped (empty → null).
TEXT_FIELDS = ("title", "category", "requester_name", "requester_location",
               "requester_company", "requester_department", "assignment_group",
               "assigned_to", "business_service")
DATE_FIELDS = ("opened_at", "first_response_at", "resolved_at", "closed_at")


def shape_tickets(table: Table, cols: Mapping[str, str], dates: pl.DataFrame, *,
                  mapping: ImportMapping, warnings: list[str], default_kind: str,
                  kind_fallback: Callable[[pl.Series], pl.Series] | None = None,
                  state_overrides: Mapping[str, str] | None = None,
                  state_fallback: pl.Series | None = None) -> pl.DataFrame:
    """The ticket columns every tabular format shares, one row per file row.

    ``cols`` maps ticket fields (plus ``kind``, ``priority_raw``, ``state_raw``) to
    columns of ``table.df``; ``dates`` holds already parsed date fields. The
    mapping's value maps override the built-in label rules.
    """
    text = table.df.select(
        text_column(table, cols.get("external_id"), "external_id", strip=True),
        text_column(table, cols.get("kind"), "kind_raw"),
        text_column(table, cols.get("priority_raw"), "priority_raw"),
        text_column(table, cols.get("state_raw"), "state_raw"),
        *(text_column(table, cols.get(f), f) for f in TEXT_FIELDS),
        text_column(table, cols.get("requester_email"), "requester_email", strip=True)
        .str.to_lowercase(),
        pl.col(ROW))
    text = text.with_columns(strip_labels(text["priority_raw"]), strip_labels(text["state_raw"]))
    state = normalise_state(table, text["state_raw"], cols["state_raw"],
                            overrides={**(state_overrides or {}), **mapping.state_values},
                            fallback=state_fallback)
    priority = normalise_priority(text["priority_raw"], warnings,
                                  overrides=mapping.priority_values)
    kind = normalise_kind(
        text["kind_raw"] if "kind" in cols else None, warnings,
        default=mapping.default_kind or default_kind, height=table.height,
        overrides=mapping.kind_values,
        fallback=kind_fallback(text["external_id"]) if kind_fallback else None)
    return text.drop("kind_raw").with_columns(
        kind.alias("kind"), priority.alias("priority"), state.alias("state"),
        parse_ints(table, cols.get("reassignment_count"), what="a count")
        .alias("reassignment_count"),
        parse_ints(table, cols.get("reopen_count"), what="a count").alias("reopen_count"),
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


# --------------------------------------------------------------------------- mapping files

_MAPPING_KEYS = {"source", "columns", "date_format", "default_kind", "delimiter",
                 "encoding", "null_values", "duration_unit", "values"}
#: Fields a mapping file may point at a column. ``priority`` and ``state`` name the
#: column holding the label; the parser keeps the label as ``priority_raw``/``state_raw``.
MAPPABLE_FIELDS = tuple(f for f in TICKET_SCHEMA
                        if f not in ("source_row", "priority_raw", "state_raw"))
_DURATION_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600}


@dataclass(frozen=True)
class ImportMapping:
    """A loaded, validated mapping file (format: see :mod:`.mapped_csv`)."""

    source: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    default_kind: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    null_values: tuple[str, ...] = ()
    duration_seconds: int = 1
    priority_values: dict[str, int | None] = field(default_factory=dict)
    state_values: dict[str, str] = field(default_factory=dict)
    kind_values: dict[str, str] = field(default_factory=dict)
    file: str | None = None


def load_mapping(mapping: str | Path | Mapping[str, Any] | ImportMapping | None
                 ) -> ImportMapping | None:
    """Load a mapping from a JSON/TOML file or a dict, validating every key."""
    if mapping is None or isinstance(mapping, ImportMapping):
        return mapping
    file = None
    if isinstance(mapping, (str, Path)):
        path = Path(mapping)
        file = path.name
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise ImportFileError(f"the mapping file cannot be read: {exc.strerror}",
                                  file=str(path)) from None
        try:
            if path.suffix.lower() == ".toml" or not text.lstrip().startswith(b"{"):
                data = tomllib.loads(text.decode("utf-8-sig"))
            else:
                data = json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ImportFileError(f"the mapping file is not valid JSON or TOML: {exc}",
                                  file=file) from None
    else:
        data = dict(mapping)

    def fail(message: str) -> ImportFileError:
        return ImportFileError(f"mapping: {message}", file=file)

    if not isinstance(data, dict):
        raise fail("the top level must be a table/object")
    unknown = set(data) - _MAPPING_KEYS
    if unknown:
        raise fail(f"unknown key(s) {', '.join(sorted(unknown))}; known keys are "
                   f"{', '.join(sorted(_MAPPING_KEYS))}")
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise fail("'columns' must map field names to header names (strings)")
    bad_fields = set(columns) - set(MAPPABLE_FIELDS)
    if bad_fields:
        raise fail(f"unknown field(s) in 'columns': {', '.join(sorted(bad_fields))}; "
                   f"fields are {', '.join(MAPPABLE_FIELDS)}")
    date_format = data.get("date_format", ())
    formats = (date_format,) if isinstance(date_format, str) else tuple(date_format)
    if not all(isinstance(f, str) and "%" in f for f in formats):
        raise fail("'date_format' must be a strftime format such as '%d/%m/%Y %H:%M' "
                   "or a list of them")
    default_kind = data.get("default_kind")
    if default_kind is not None and default_kind not in KINDS:
        raise fail(f"'default_kind' must be one of {', '.join(KINDS)}")
    unit = data.get("duration_unit", "seconds")
    if unit not in _DURATION_UNITS:
        raise fail(f"'duration_unit' must be one of {', '.join(_DURATION_UNITS)}")
    null_values = data.get("null_values", [])
    if isinstance(null_values, str):
        null_values = [null_values]
    if not all(isinstance(v, str) for v in null_values):
        raise fail("'null_values' must be a list of strings")
    delimiter = data.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise fail("'delimiter' must be a single character")
    values = data.get("values", {})
    if not isinstance(values, dict) or set(values) - {"priority", "state", "kind"}:
        raise fail("'values' may only hold 'priority', 'state' and 'kind' tables")
    priority_values: dict[str, int | None] = {}
    for label, value in values.get("priority", {}).items():
        if value in ("", None) or (isinstance(value, str) and value.lower() == "none"):
            priority_values[label_key(label)] = None
        elif isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
            priority_values[label_key(label)] = value
        else:
            raise fail(f"priority for '{label}' must be a number from 1 to 5, got {value!r}")
    state_values: dict[str, str] = {}
    for label, value in values.get("state", {}).items():
        if value not in STATES:
            raise fail(f"state for '{label}' must be one of {', '.join(STATES)}, "
                       f"got {value!r}")
        state_values[label_key(label)] = value
    kind_values: dict[str, str] = {}
    for label, value in values.get("kind", {}).items():
        if value not in KINDS:
            raise fail(f"kind for '{label}' must be one of {', '.join(KINDS)}, got {value!r}")
        kind_values[label_key(label)] = value
    source = data.get("source")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        raise fail("'source' must be a non-empty string")
    encoding = data.get("encoding")
    if encoding is not None and not isinstance(encoding, str):
        raise fail("'encoding' must be a string such as 'utf-8' or 'cp1252'")
    return ImportMapping(
        source=source.strip() if source else None, columns=dict(columns),
        date_formats=formats, default_kind=default_kind, delimiter=delimiter,
        encoding=encoding, null_values=tuple(null_values),
        duration_seconds=_DURATION_UNITS[unit], priority_values=priority_values,
        state_values=state_values, kind_values=kind_values, file=file)


def label_overrides(mapping: Any, format: str) -> ImportMapping:
    """The value maps a built-in format honours from an optional mapping file.

    Built-in formats know their columns, so a mapping that declares ``columns`` is
    a mistake there (it belongs to ``mapped-csv``) and is rejected.
    """
    loaded = load_mapping(mapping) or ImportMapping()
    if loaded.columns:
        raise ImportFileError(
            f"the mapping declares columns, which only the 'mapped-csv' format uses; "
            f"the '{format}' format only honours [values] and default_kind",
            file=loaded.file)
    return loaded


# --------------------------------------------------------------------------- finishing


def finish(table: Table, frame: pl.DataFrame, *, source: str, format: str,
           rows_read: int, warnings: list[str], history: pl.DataFrame | None = None,
           source_timestamps: dict | None = None,
           columns: Mapping[str, str] | None = None) -> ParsedTickets:
    """Validate and shape ``frame`` into :data:`TICKET_SCHEMA` and build the result.

    ``frame`` holds some of the ticket fields plus :data:`ROW`; missing fields are
    added as nulls. A repeated ``external_id`` keeps its last row (the others are
    rejected with a warning). ``columns`` (field → column of ``table.df``) lets
    errors name the header a bad value came from.
    """
    columns = columns or {}
    if rows_read == 0:
        warnings.append("the file has a header but no data rows")
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
            index = int(missing.arg_true()[0])
            what = "the ticket number is empty" if name == "external_id" else \
                "the opening date is empty"
            raise ImportFileError(what, file=table.file, row=int(frame[ROW][index]),
                                  column=table.header_of(columns.get(name, name)))
    rejected = table.rows_rejected
    repeated = frame.height - frame["external_id"].n_unique()
    if repeated:
        frame = frame.unique(subset="external_id", keep="last", maintain_order=True)
    if repeated:
        rejected += repeated
        warnings.append(f"{repeated} row(s) repeat a ticket number already in the file; "
                        "the last row of each ticket was kept")
    early = int(frame.select((pl.col("resolved_at") < pl.col("opened_at")).sum()).item())
    if early:
        warnings.append(f"{early} ticket(s) are resolved before they were opened in the "
                        "file; check the time zone and the source data")
    tickets = frame.select(pl.col(n).cast(t) for n, t in TICKET_SCHEMA.items())
    history = empty_history() if history is None else history.select(
        pl.col(n).cast(t) for n, t in HISTORY_SCHEMA.items())
    return ParsedTickets(source=source, format=format, tickets=tickets, history=history,
                         rows_read=rows_read, rows_rejected=rejected,
                         warnings=table.warnings + warnings,
                         source_timestamps=source_timestamps or {},
                         has_reassignment_count=recorded["reassignment_count"],
                         has_reopen_count=recorded["reopen_count"])


def max_timestamp(values: pl.Series | None) -> datetime | None:
    if values is None or values.len() == 0:
        return None
    return values.max()  # type: ignore[return-value]
