"""Delimited text tables (CSV, semicolon, tab, pipe) into a :class:`~.table.Table`.

Only the columns an importer asks for are parsed (plus the first, where ServiceNow writes
its "Export stopped" marker): a Jira export has a hundred columns nobody reads. Values are
kept as written (no type inference); empty cells are null, and so are cells equal to one
of ``null_values``. A file that is not UTF-8 further on than its first bytes showed is read
again as Windows-1252, with a warning.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from teamalign.errors import ImportFileError

from .sniff import Sniff, header_key, text_header
from .source import normalised_encoding, utf8_path
from .table import ROW, Table, drop_blank_rows, materialise, require_rows, resolve_columns, unique_names


def read_csv(snf: Sniff, spec: Mapping[str, Sequence[str]], *, required: Iterable[str] = (),
             repeats: Mapping[str, str] | None = None, null_values: Sequence[str] = (),
             delimiter: str | None = None, encoding: str | None = None,
             key: Callable[[str], str] = header_key, all_columns: bool = False,
             allow_empty: bool = False) -> tuple[Table, dict[str, str]]:
    """Read the columns ``spec`` names (field → header aliases) as text.

    Returns the table and field → column of ``table.df``. ``delimiter`` and ``encoding``
    override what was sniffed; ``all_columns`` reads every column (for importers that keep
    unknown columns); ``allow_empty`` accepts a header with no rows under it.
    """
    source = snf.source
    header, chosen, skip = list(snf.header), snf.delimiter, snf.skip
    wanted = normalised_encoding(encoding)
    if wanted and wanted != source.encoding:
        source = dataclasses.replace(source, encoding=wanted)
    if source is not snf.source or (delimiter and delimiter != snf.delimiter):
        header, chosen, skip = text_header(source, delimiter)
    names = unique_names(header)
    positions = resolve_columns(header, spec, required=required, file=source.name, key=key)
    needed = range(len(names)) if all_columns else \
        sorted({0} | {i for found in positions.values() for i in found})
    kwargs: dict[str, Any] = dict(
        separator=chosen, infer_schema=False, has_header=True, new_columns=names,
        columns=[names[i] for i in needed], skip_lines=skip, row_index_name=ROW,
        row_index_offset=skip + 2, null_values=list(null_values) or None, raise_if_empty=False)
    warnings: list[str] = []
    path, temporary = utf8_path(source)
    try:
        try:
            df = pl.read_csv(path, **kwargs)
        except pl.exceptions.ComputeError as exc:
            if "utf-8" not in str(exc).lower() or temporary:
                raise _malformed(path, source.name, chosen, skip, len(header), exc) from None
            path, temporary = utf8_path(source, force=True)
            warnings.append("the file is not UTF-8; it was read as Windows-1252 (what Excel "
                            "writes): check accented names")
            try:
                df = pl.read_csv(path, **kwargs)
            except pl.exceptions.ComputeError as again:
                raise _malformed(path, source.name, chosen, skip, len(header), again) from None
        except pl.exceptions.NoDataError:
            raise ImportFileError("the file is empty", file=source.name) from None
        except (pl.exceptions.ShapeError, pl.exceptions.PolarsError) as exc:
            raise _malformed(path, source.name, chosen, skip, len(header), exc) from None
    finally:
        if temporary:
            Path(path).unlink(missing_ok=True)
    if source.encoding == "cp1252" and not wanted and not warnings:
        warnings.append("the file is not UTF-8; it was read as Windows-1252 (what Excel writes): "
                        "check accented names")
    # A quoted empty value ("") is read as an empty string, not as null: make them alike.
    df = df.with_columns(pl.when(pl.col(c).str.len_bytes() > 0).then(pl.col(c)).alias(c)
                         for c in df.columns if c != ROW)
    table = Table(df, header, names, source.name, warnings, delimiter=chosen)
    drop_blank_rows(table)
    if not allow_empty:
        require_rows(table)
    return table, materialise(table, positions, repeats=repeats)


def _malformed(path: Path, file: str, delimiter: str, skip: int, width: int,
               exc: Exception) -> ImportFileError:
    """Find the first row that breaks the CSV rules (only on the error path)."""
    first_row = skip + 2
    number = first_row - 1
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as handle:
            for _ in range(skip):
                handle.readline()
            reader = csv.reader(handle, delimiter=delimiter, strict=True)
            next(reader, None)
            for number, record in enumerate(reader, start=first_row):
                if len(record) > width:
                    return ImportFileError(
                        f"this row has {len(record)} values but the header has {width} columns "
                        "(a value with the delimiter in it should be in quotes)",
                        file=file, row=number)
    except csv.Error as bad:
        row = number + 1
        if "eof" in str(bad).lower() or "end of data" in str(bad).lower():
            return ImportFileError(
                "a quoted value that starts in this row is never closed: the file is cut short, "
                "or a value holds a stray quote", file=file, row=row)
        return ImportFileError(f"this row is not well-formed CSV ({bad})", file=file, row=row)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    if "could not parse" in text:
        return ImportFileError(
            "a quoted value is never closed: the file is cut short, or a value holds a stray "
            "quote", file=file)
    return ImportFileError(f"the file is not a well-formed CSV: {text}", file=file)
