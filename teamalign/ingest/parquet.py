"""Parquet files (FinOps FOCUS cost exports, data-lake extracts) into a text :class:`~.table.Table`.

Parquet columns are typed; they are turned into the text a CSV of the same data would hold
so that every importer reads one shape: numbers as written, timestamps as ISO 8601 (with
their offset when the column has a time zone), nested values as JSON. Row numbers are
positions, starting at 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import polars as pl

from teamalign.errors import ImportFileError

from .limits import MAX_COLUMNS
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


def read_header(source: Source) -> list[str]:
    try:
        names = list(pl.read_parquet_schema(source.path))
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise ImportFileError(f"the Parquet file cannot be read: {exc}", file=source.name) from None
    if len(names) > MAX_COLUMNS:
        raise ImportFileError(f"the file has {len(names):,} columns, more than the "
                              f"{MAX_COLUMNS:,} an export can have", file=source.name)
    return names


def as_text(column: str, dtype: pl.DataType) -> pl.Expr:
    """A typed Parquet column as the text a CSV export would hold."""
    col = pl.col(column)
    if dtype == pl.Utf8:
        return col
    if isinstance(dtype, pl.Datetime):
        fmt = "%Y-%m-%dT%H:%M:%S%.f%:z" if dtype.time_zone else "%Y-%m-%d %H:%M:%S%.f"
        return col.dt.to_string(fmt)
    if dtype == pl.Date:
        return col.dt.to_string("%Y-%m-%d")
    if isinstance(dtype, pl.Struct):
        return col.struct.json_encode()
    if isinstance(dtype, (pl.List, pl.Array)):
        return col.cast(pl.List(pl.Utf8), strict=False).list.join("; ")
    return col.cast(pl.Utf8, strict=False)


def read_parquet(snf: Sniff, spec: Mapping[str, Sequence[str]], *, required: Iterable[str] = (),
                 repeats: Mapping[str, str] | None = None, null_values: Sequence[str] = (),
                 key: Callable[[str], str] = header_key, all_columns: bool = False,
                 allow_empty: bool = False) -> tuple[Table, dict[str, str]]:
    source = snf.source
    header = list(snf.header)
    names = unique_names(header)
    positions = resolve_columns(header, spec, required=required, file=source.name, key=key)
    needed = range(len(header)) if all_columns else \
        sorted({0} | {i for found in positions.values() for i in found})
    try:
        typed = pl.read_parquet(source.path, columns=[header[i] for i in needed])
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise ImportFileError(f"the Parquet file cannot be read: {exc}", file=source.name) from None
    df = typed.select(as_text(header[i], typed.schema[header[i]]).alias(names[i]) for i in needed)
    df = df.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in df.columns)
    if null_values:
        df = df.with_columns(pl.when(~pl.col(c).is_in(list(null_values))).then(pl.col(c)).alias(c)
                             for c in df.columns)
    df = df.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.UInt32))
    table = Table(df, header, names, source.name)
    refuse_zero_characters(table)
    drop_blank_rows(table)
    if not allow_empty:
        require_rows(table)
    return table, materialise(table, positions, repeats=repeats)
