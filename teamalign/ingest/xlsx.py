"""Excel workbooks (.xlsx): the first sheet into a :class:`~.table.Table` of text.

Read with python-calamine, after a cheap look at the sheet's XML: calamine holds every
cell of a sheet's used area in memory, empty or not, so a 1.6 KB workbook whose only cells
are at A1 and XFD1048576 would ask for 512 GB and abort the process. :func:`check_area`
streams the sheet's XML, finds the area the cells with a value really cover (the
``<dimension>`` element may lie, and calamine ignores it anyway) and refuses a sheet
larger than :data:`~.limits.XLSX_MAX_CELLS` before calamine sees it.

Cells become the text a CSV export of the same list would hold: real date cells
``YYYY-MM-DD HH:MM:SS`` (so the same date rules apply to workbooks and CSV), whole numbers
without ``.0``, other numbers as Python writes them (an Excel serial date stored as a plain
number stays a number, which the date reader recognises). The header is the first row with
a value; row numbers are the sheet's own.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import polars as pl

from teamalign.errors import ImportFileError

from .limits import MAX_COLUMNS, XLSX_MAX_CELLS, XLSX_MAX_SHEET_BYTES
from .sniff import Sniff, header_key
from .source import Source
from .table import (
    ROW,
    Table,
    drop_blank_rows,
    materialise,
    refuse_zero_characters,
    require_rows,
    resolve_columns,
    unique_names,
)

_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]+)"')
_RELATION = re.compile(rb'<Relationship\b[^>]*>')
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
# A cell with its reference; a self-closing cell (``<c r="B2" s="1"/>``) has no value.
_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,4})([0-9]{1,8})"[^>]*?(/?)>')
_CELL_WITHOUT_REF = re.compile(rb'<(?:\w+:)?c(?:\s(?![^>]*\br=")[^>]*)?>')
_CHUNK = 1024 * 1024
#: What reading a damaged archive raises, from the ZIP layer to the XML inside it.
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError,
            KeyError, RuntimeError, NotImplementedError, ET.ParseError)


def column_number(letters: str) -> int:
    """``A`` → 1, ``XFD`` → 16384."""
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The path of the workbook's first sheet (the one calamine reads as index 0)."""
    names = set(archive.namelist())
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        workbook = rels = b""
    match = _SHEET.search(workbook)
    if match:
        for element in _RELATION.findall(rels):
            attrs = dict(_ATTR.findall(element))
            if attrs.get(b"Id") == match.group(1):
                target = attrs.get(b"Target", b"").decode("utf-8", "replace")
                path = target.lstrip("/") if target.startswith("/") else \
                    posixpath.normpath(posixpath.join("xl", target))
                if path in names:
                    return path
    sheets = sorted(n for n in names if re.match(r"xl/worksheets/[^/]+\.xml$", n))
    if not sheets:
        raise ImportFileError("the workbook has no sheet", file=None)
    return sheets[0]


def check_area(source: Source) -> tuple[int, int, int, int] | None:
    """(first row, last row, first column, last column) of the cells with a value in the
    first sheet, 1-based; None when it has none. A sheet too large to read is refused."""
    try:
        with zipfile.ZipFile(source.path) as archive:
            member = _first_sheet(archive)
            info = archive.getinfo(member)
            if info.file_size > XLSX_MAX_SHEET_BYTES:
                raise _too_large(source, f"its sheet unpacks to {info.file_size / 2**30:.1f} GB")
            with archive.open(member) as sheet:
                area = _scan(sheet, source)
    except ImportFileError as exc:
        exc.file = exc.file or source.name
        raise
    except _DAMAGED as exc:
        raise ImportFileError(f"the workbook is damaged and cannot be read ({exc})",
                              file=source.name) from None
    return area


def _scan(sheet, source: Source) -> tuple[int, int, int, int] | None:
    rows: set[int] = set()
    columns: set[bytes] = set()
    implicit = False
    size = 0
    tail = b""
    while True:
        chunk = sheet.read(_CHUNK)
        size += len(chunk)
        if size > XLSX_MAX_SHEET_BYTES:
            raise _too_large(source, "its sheet unpacks to more than "
                                     f"{XLSX_MAX_SHEET_BYTES / 2**30:.0f} GB")
        data = tail + chunk
        # A tag cut by the chunk's end is looked at with the next chunk: everything from
        # the last '<' waits.
        cut = data.rfind(b"<") if chunk else len(data)
        cut = len(data) if cut < 0 else cut
        safe = data[:cut]
        for letters, number, closed in _CELL.findall(safe):
            if not closed:
                columns.add(letters)
                rows.add(int(number))
        if not implicit and _CELL_WITHOUT_REF.search(safe):
            implicit = True
        tail = data[cut:]
        if not chunk:
            break
    if implicit:
        return _scan_implicit(source)
    if not rows:
        return None
    numbers = [column_number(c.decode()) for c in columns]
    return min(rows), max(rows), min(numbers), max(numbers)


def _scan_implicit(source: Source) -> tuple[int, int, int, int] | None:
    """Some writers leave out cell references (positions follow the order of the cells):
    count them from the XML. Rare, so a slower parse is fine; it stops as soon as the area
    is too large to read, since the answer is then known."""
    first_row = last_row = None
    last_col = 0
    with zipfile.ZipFile(source.path) as archive, archive.open(_first_sheet(archive)) as sheet:
        row_number = 0
        for _, element in ET.iterparse(sheet, events=("end",)):
            if element.tag.rsplit("}", 1)[-1] != "row":
                continue
            row_number = int(element.get("r") or row_number + 1)
            if len(element):
                ref = element[-1].get("r")
                col = column_number(re.match(r"[A-Z]+", ref).group()) if ref else len(element)
                first_row = row_number if first_row is None else first_row
                last_row = row_number
                last_col = max(last_col, col)
                _refuse_large_area(source, (first_row, last_row, 1, last_col))
            element.clear()
    if first_row is None:
        return None
    return first_row, last_row, 1, last_col


def _too_large(source: Source, why: str) -> ImportFileError:
    return ImportFileError(f"the workbook is too large to read: {why}; save the sheet as CSV "
                           "and import that", file=source.name)


def _refuse_large_area(source: Source, area: tuple[int, int, int, int]) -> None:
    first_row, last_row, first_col, last_col = area
    height, width = last_row - first_row + 1, last_col - first_col + 1
    if height * width > XLSX_MAX_CELLS or width > MAX_COLUMNS:
        span = f"{column_letters(first_col)}{first_row}:{column_letters(last_col)}{last_row}"
        raise ImportFileError(
            f"the first sheet's cells span {span} ({height:,} rows × {width:,} columns), more "
            f"than the {XLSX_MAX_CELLS:,} cells a workbook may have here: a value far from the "
            f"data (at {column_letters(last_col)}{last_row}?) makes the sheet that large. Delete "
            "the rows and columns after the data, or save the sheet as CSV", file=source.name)


#: The last workbook read: sniffing reads the header and the importer then reads the rows,
#: and calamine reads a whole sheet either way, so the second read reuses the first.
_last_read: dict[tuple, tuple[list[list[Any]], int]] = {}


def _rows(source: Source, *, keep: bool) -> tuple[list[list[Any]], int]:
    """The first sheet's rows over its used area, and the sheet row of the first one.

    ``keep`` holds on to them for the next call on the same file (sniffing, then reading).
    """
    stat = source.path.stat()
    key = (str(source.path), stat.st_size, stat.st_mtime_ns)
    if key in _last_read:
        return _last_read.pop(key) if not keep else _last_read[key]
    _last_read.clear()
    area = check_area(source)
    if area is None:
        return [], 1
    _refuse_large_area(source, area)
    from python_calamine import CalamineWorkbook  # imported lazily: only workbooks need it

    try:
        workbook = CalamineWorkbook.from_path(str(source.path))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python()
        start = sheet.start
    except Exception as exc:  # calamine raises several unrelated types for a bad file
        raise ImportFileError(f"the workbook cannot be read: {exc}", file=source.name) from None
    first = (start[0] + 1) if start else 1
    if keep:
        _last_read[key] = (rows, first)
    return rows, first


def read_header(source: Source) -> tuple[list[str], int]:
    """The first row with a value, as text, and its sheet row number."""
    rows, first = _rows(source, keep=True)
    for offset, row in enumerate(rows):
        cells = [cell_text(c) or "" for c in row]
        if any(cells):
            while cells and not cells[-1]:
                cells.pop()
            return cells, first + offset
    raise ImportFileError("the workbook's first sheet is empty", file=source.name)


def cell_text(value: Any) -> str | None:
    """One cell as the text a CSV export of the same list would hold."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        return f"{text}.{value.microsecond:06d}" if value.microsecond else text
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
        return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)


def _texts(values: Sequence[Any]) -> list[str | None]:
    return [(v.strip() or None) if type(v) is str else cell_text(v) for v in values]


def read_xlsx(snf: Sniff, spec: Mapping[str, Sequence[str]], *, required: Iterable[str] = (),
              repeats: Mapping[str, str] | None = None, null_values: Sequence[str] = (),
              key: Callable[[str], str] = header_key, all_columns: bool = False,
              allow_empty: bool = False) -> tuple[Table, dict[str, str]]:
    """Read the first sheet: the first row with a value is the header."""
    source = snf.source
    rows, first = _rows(source, keep=False)
    start = next((i for i, r in enumerate(rows) if any(cell_text(c) for c in r)), None)
    if start is None:
        raise ImportFileError("the workbook's first sheet is empty", file=source.name)
    header = [cell_text(c) or "" for c in rows[start]]
    while header and not header[-1]:
        header.pop()
    names = unique_names(header)
    positions = resolve_columns(header, spec, required=required, file=source.name, key=key)
    needed = range(len(header)) if all_columns else \
        sorted({0} | {i for found in positions.values() for i in found})
    body = rows[start + 1:]
    row_numbers = range(first + start + 1, first + start + 1 + len(body))
    width = len(header)
    padded = body if all(len(r) >= width for r in body) else \
        [list(r) + [None] * (width - len(r)) for r in body]
    columns = list(zip(*padded)) if padded else [()] * width
    nulls = set(null_values)
    series = [pl.Series(ROW, row_numbers, dtype=pl.UInt32)]
    for i in needed:
        values = _texts(columns[i]) if padded else []
        if nulls:
            values = [None if v in nulls else v for v in values]
        series.append(pl.Series(names[i], values, dtype=pl.Utf8))
    table = Table(pl.DataFrame(series), header, names, source.name)
    refuse_zero_characters(table)
    drop_blank_rows(table)
    if not allow_empty:
        require_rows(table)
    return table, materialise(table, positions, repeats=repeats)
