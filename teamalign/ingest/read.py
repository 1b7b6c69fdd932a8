"""One entry point for tables: CSV, Excel or Parquet, chosen by the file's content."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from teamalign.errors import ImportFileError

from .sniff import Sniff, header_key
from .table import Table


def read_table(snf: Sniff, spec: Mapping[str, Sequence[str]], *, required: Iterable[str] = (),
               repeats: Mapping[str, str] | None = None, null_values: Sequence[str] = (),
               delimiter: str | None = None, encoding: str | None = None,
               key: Callable[[str], str] = header_key, all_columns: bool = False,
               allow_empty: bool = False) -> tuple[Table, dict[str, str]]:
    """Read the columns ``spec`` names (field → header aliases) from any tabular file.

    Returns the table and field → column of ``table.df`` (see :mod:`.table` for repeated
    headers). ``delimiter`` and ``encoding`` only matter for text files.
    """
    common = dict(required=required, repeats=repeats, null_values=null_values, key=key,
                  all_columns=all_columns, allow_empty=allow_empty)
    if snf.kind == "csv":
        from .csvfile import read_csv

        return read_csv(snf, spec, delimiter=delimiter, encoding=encoding, **common)
    if snf.kind == "xlsx":
        from .xlsx import read_xlsx

        return read_xlsx(snf, spec, **common)
    if snf.kind == "parquet":
        from .parquet import read_parquet

        return read_parquet(snf, spec, **common)
    raise ImportFileError(f"this is {snf.source.kind_text}, and a table (CSV or Excel) was "
                          "expected", file=snf.name)


def tabular_error(snf: Sniff, what: str) -> ImportFileError:
    """The error for a format that reads tables, given a file that is not one."""
    return ImportFileError(f"{what} reads CSV or Excel tables; this is {snf.source.kind_text}",
                           file=snf.name)


__all__ = ["Table", "read_table", "tabular_error"]
