"""What a file is at first sight: its kind, and for tables the delimiter and the header row.

Format detection looks at a :class:`Sniff` only, so it never reads a whole file.

How the header of a text table is found:

* an Excel ``sep=;`` first line names the delimiter and is skipped;
* blank lines before the header are skipped, and so are a few title lines (a report
  name, an export date) when the lines after them agree on a wider row;
* the delimiter is the one of ``,`` ``;`` tab ``|`` that splits the header into the most
  columns *and* splits the following rows the same way (Excel in many European locales
  writes ``;``, and decimal commas then appear inside values);
* a first line longer than :data:`~.limits.MAX_HEADER_BYTES` or with more than
  :data:`~.limits.MAX_COLUMNS` columns is refused at once: it is not a header row.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from teamalign.errors import ImportFileError

from .limits import HEAD_BYTES, MAX_COLUMNS, MAX_HEADER_BYTES
from .source import Source, decode_head, open_source

# Values may be long (a description pasted into one cell); the csv module's default limit
# (128 KiB) would make reading them an error instead of a value.
csv.field_size_limit(1 << 30)

DELIMITERS = (",", ";", "\t", "|")
_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)
_MAX_TITLE_LINES = 10


@dataclass(frozen=True)
class Sniff:
    """The kind of a file and, for tables, its header.

    ``kind`` is ``"csv"`` (any delimited text), ``"xlsx"``, ``"json"`` or ``"parquet"``.
    ``header_row`` is the row (line, for text) the header is on, 1 for most files;
    ``skip`` is how many rows come before it.
    """

    source: Source
    kind: str
    header: tuple[str, ...] = ()
    delimiter: str = ","
    header_row: int = 1
    skip: int = 0

    @property
    def path(self) -> Path:
        return self.source.path

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def head(self) -> bytes:
        return self.source.head

    @property
    def tabular(self) -> bool:
        return self.kind in ("csv", "xlsx", "parquet")

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


def sniff(path: str | Path | Source, *, name: str | None = None) -> Sniff:
    """Open a file (unless given a :class:`Source`) and read its header."""
    source = path if isinstance(path, Source) else open_source(path, name=name)
    if source.kind == "xlsx":
        from . import xlsx

        header, row = xlsx.read_header(source)
        return Sniff(source, "xlsx", tuple(header), header_row=row, skip=row - 1)
    if source.kind == "parquet":
        from . import parquet

        return Sniff(source, "parquet", tuple(parquet.read_header(source)))
    if source.kind == "json":
        return Sniff(source, "json")
    header, delimiter, skip = text_header(source)
    return Sniff(source, "csv", tuple(header), delimiter, header_row=skip + 1, skip=skip)


def text_header(source: Source, delimiter: str | None = None) -> tuple[list[str], str, int]:
    """(header cells, delimiter, lines before the header) of a text table."""
    text = _head_text(source)
    lines = text.split("\n")
    skip = 0
    if lines and _SEP_LINE.match(lines[0]):
        delimiter = delimiter or _SEP_LINE.match(lines[0]).group(1)
        skip = 1
    while skip < len(lines) - 1 and not lines[skip].strip(" \t\ufeff,;|"):
        skip += 1
    body = "\n".join(lines[skip:])
    complete = body if len(source.head) < HEAD_BYTES else body.rsplit("\n", 1)[0]
    first_line = complete.split("\n", 1)[0] if complete else body
    if len(first_line.encode("utf-8", errors="replace")) > MAX_HEADER_BYTES:
        raise ImportFileError(
            f"the first line is longer than {MAX_HEADER_BYTES // (1024 * 1024)} MB: that is not "
            "the header row of an export (column names); check that this is the right file",
            file=source.name)
    chosen = delimiter or _choose_delimiter(complete)
    records = _records(complete, chosen, limit=_MAX_TITLE_LINES + 20)
    titles = _title_lines(records)
    header = records[titles][1] if records and titles < len(records) else []
    skip += records[titles][0] if records and titles < len(records) else 0
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(
            f"the header row has {len(header):,} columns, more than the {MAX_COLUMNS:,} an "
            "export can have: this is not a table with a header row", file=source.name)
    header = [cell.strip().lstrip("\ufeff").strip() for cell in header]
    if not any(header):
        raise ImportFileError("the file has no header row (the first line is empty)",
                              file=source.name)
    return header, chosen, skip


def _head_text(source: Source) -> str:
    head = source.head
    text = decode_head(head, source.encoding)
    if source.cr_only:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" not in text.lstrip("\ufeff \t\r\n") and len(head) >= HEAD_BYTES:
        # The header is longer than the usual head: read up to the limit, no further.
        wide = 4 if source.encoding.startswith("utf-16") else 1
        with source.path.open("rb") as handle:
            head = handle.read(MAX_HEADER_BYTES * wide + HEAD_BYTES)
        text = decode_head(head, source.encoding)
        if source.cr_only:
            text = text.replace("\r", "\n")
        if "\n" not in text.lstrip("\ufeff \t\r\n") and len(head) >= MAX_HEADER_BYTES:
            raise ImportFileError(
                f"the first line is longer than {MAX_HEADER_BYTES // (1024 * 1024)} MB: that is "
                "not the header row of an export (column names); check that this is the right "
                "file", file=source.name)
    return text.replace("\r\n", "\n")


def _records(text: str, delimiter: str, limit: int) -> list[tuple[int, list[str]]]:
    """The first records as (physical lines before the record, cells); blank lines skipped."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    found: list[tuple[int, list[str]]] = []
    before = 0
    try:
        for record in reader:
            if record and any(cell.strip() for cell in record):
                found.append((before, record))
                if len(found) >= limit:
                    break
            before = reader.line_num
    except csv.Error:
        pass  # a broken quote in the head: what was read is enough to sniff
    return found


def _choose_delimiter(text: str) -> str:
    best: tuple = ()
    chosen = ","
    for delimiter in DELIMITERS:
        records = _records(text, delimiter, limit=20)
        if not records:
            continue
        widths = [len(cells) for _, cells in records]
        header = widths[0]
        rest = widths[1:]
        agree = sum(1 for w in rest if w == header) / len(rest) if rest else 1.0
        modal = Counter(widths).most_common(1)[0][0]
        score = (max(header, modal) >= 2, agree >= 0.8, max(header, modal), agree)
        if score > best:
            best, chosen = score, delimiter
    return chosen


def _title_lines(records: list[tuple[int, list[str]]]) -> int:
    """How many short records (titles) come before the rows that agree on a width."""
    if len(records) < 3:
        return 0
    widths = [len(cells) for _, cells in records]
    modal, count = Counter(widths[1:]).most_common(1)[0]
    # A title is a line of one or two values above a table several times wider; a header
    # only a little narrower than its rows (rows ending in a delimiter) is still the header.
    if modal < 2 or count < 2 or widths[0] > max(1, modal // 3):
        return 0
    for index, width in enumerate(widths[:_MAX_TITLE_LINES + 1]):
        if width >= modal:
            return index
    return 0
