"""A file read as text columns, with the helpers every importer needs on top of it.

* :class:`Table` — the columns that were read (``df``, all ``Utf8`` plus :data:`ROW`),
  the headers as written and their unique column names;
* :func:`resolve_columns` / :func:`pick_columns` — fields found from header aliases,
  required ones named when missing, repeated headers merged, kept or joined;
* :func:`text_column`, :func:`text_values` — a column as text (stripped for identifiers);
* :func:`cap_text` — text cut to a length, with a warning counting what was cut;
* :func:`row_error`, :func:`first_true` — errors naming the first bad row and column
  after a vectorised check failed.

Repeated headers
----------------
Exports repeat a header for two reasons, and an importer says which it expects per field:

``"merge"`` (the default)
    a single-value field the tool wrote twice (Jira Cloud writes two ``Custom field
    (Department)`` columns, usually one of each pair empty). The first non-empty value of
    each row wins; rows where the copies hold *different* values are counted in a warning
    naming the columns, never an error.
``"first"``
    a multi-value field read into a single value (``Component/s`` as the IT team): the
    first non-empty value, silently.
``"join"``
    a multi-value field kept whole: the non-empty values joined with ``"; "``.

Repeated headers nobody reads are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from teamalign.errors import ImportFileError

from .sniff import header_key

#: The column carrying the spreadsheet row number through every frame.
ROW = "__row"

REPEATS = ("merge", "first", "join")


@dataclass
class Table:
    """A file read as text: unique column names in ``df`` plus the headers as written.

    ``headers`` are the file's headers and ``names`` their unique column names (a repeated
    header gets a suffix, ``Comment (2)``); ``df`` holds the columns that were read, as
    Utf8, plus :data:`ROW`. ``rows_rejected`` counts rows dropped on purpose (blank rows,
    markers), each kind explained in ``warnings``. ``delimiter`` is the text delimiter
    (a hint for numbers: a ``;`` file usually writes decimal commas).
    """

    df: pl.DataFrame
    headers: list[str]
    names: list[str]
    file: str
    warnings: list[str] = field(default_factory=list)
    rows_rejected: int = 0
    delimiter: str = ","

    def header_of(self, name: str) -> str:
        """The header as written in the file for a column name of ``df``."""
        try:
            return self.headers[self.names.index(name)]
        except ValueError:
            return name

    @property
    def height(self) -> int:
        return self.df.height


def unique_names(headers: Sequence[str]) -> list[str]:
    """Column names for ``headers``: a repeat gets `` (2)``…, an empty one ``column N``."""
    names: list[str] = []
    seen: dict[str, int] = {}
    taken = set(headers)
    for i, header in enumerate(headers):
        base = header or f"column {i + 1}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        name = base if n == 0 else f"{base} ({n + 1})"
        while n and name in taken:
            n += 1
            name = f"{base} ({n + 1})"
        names.append(name)
    return names


# --------------------------------------------------------------------------- columns


def resolve_columns(headers: Sequence[str], spec: Mapping[str, Sequence[str]], *,
                    required: Iterable[str] = (), file: str,
                    key: Callable[[str], str] = header_key) -> dict[str, list[int]]:
    """Field → positions of its header in ``headers`` (several when repeated).

    The first alias of a field that is present wins. A required field with no column is
    an error naming the expected header.
    """
    keys = [key(h) for h in headers]
    positions: dict[str, list[int]] = {}
    index: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        index.setdefault(k, []).append(i)
    for fld, aliases in spec.items():
        for alias in aliases:
            found = index.get(key(alias))
            if found:
                positions[fld] = found
                break
    for fld in required:
        if fld not in positions:
            aliases = list(spec[fld])
            also = f" (or {', '.join(repr(a) for a in aliases[1:6])}" \
                   f"{', …' if len(aliases) > 6 else ''})" if len(aliases) > 1 else ""
            raise ImportFileError(f"required column '{aliases[0]}'{also} is missing",
                                  file=file, column=aliases[0])
    return positions


def materialise(table: Table, positions: Mapping[str, list[int]], *,
                repeats: Mapping[str, str] | None = None) -> dict[str, str]:
    """Field → one column of ``table.df``, merging repeated headers (see the module doc)."""
    repeats = repeats or {}
    found: dict[str, str] = {}
    for fld, at in positions.items():
        names = [table.names[i] for i in at]
        if len(names) == 1:
            found[fld] = names[0]
            continue
        how = repeats.get(fld, "merge")
        merged = f"{names[0]} ({how}d)" if how != "first" else f"{names[0]} (first)"
        if merged not in table.df.columns:
            table.df = table.df.with_columns(_merge(table, names, how).alias(merged))
            table.names.append(merged)
            table.headers.append(table.headers[at[0]])
        found[fld] = merged
    return found


def _merge(table: Table, names: list[str], how: str) -> pl.Expr:
    stripped = [pl.col(n).str.strip_chars().replace("", None) for n in names]
    if how == "join":
        return pl.concat_str(stripped, separator="; ", ignore_nulls=True).replace("", None)
    first = pl.coalesce(stripped)
    if how == "merge":
        conflict = pl.any_horizontal([s.is_not_null() & (s != first) for s in stripped[1:]])
        conflicts = table.df.select(conflict.fill_null(False).alias("c")).to_series()
        count = int(conflicts.sum())
        if count:
            index = first_true(conflicts)
            row = table.df.row(index, named=True)
            shown = " / ".join(f"'{(row[n] or '').strip()}'" for n in names if row[n] and row[n].strip())
            numbers = [str(table.names.index(n) + 1) for n in names]
            positions = ", ".join(numbers[:-1]) + " and " + numbers[-1]
            table.warnings.append(
                f"the column '{table.header_of(names[0])}' appears {len(names)} times (columns "
                f"{positions}) and {count:,} row(s) hold different values in the copies; the "
                f"first non-empty value was used (first in row {row[ROW]}: {shown})")
    return first


def pick_columns(table: Table, spec: Mapping[str, Sequence[str]], *, required: Iterable[str] = (),
                 repeats: Mapping[str, str] | None = None,
                 key: Callable[[str], str] = header_key) -> dict[str, str]:
    """:func:`resolve_columns` then :func:`materialise`, for a table read whole."""
    positions = resolve_columns(table.headers, spec, required=required, file=table.file, key=key)
    return materialise(table, positions, repeats=repeats)


def drop_blank_rows(table: Table) -> None:
    """Drop rows whose cells are all empty, counting them as rejected with a warning."""
    columns = [c for c in table.df.columns if c != ROW]
    if not columns or table.height == 0:
        return
    # Readers turn empty cells into nulls, so a blank row is a row of nulls.
    blank = table.df.select(pl.all_horizontal(pl.col(columns).is_null())).to_series()
    count = int(blank.sum())
    if count:
        table.df = table.df.filter(~blank)
        table.rows_rejected += count
        table.warnings.append(f"{count} empty row(s) skipped")


def require_rows(table: Table, what: str = "data rows") -> None:
    """A file with a header and nothing under it is an error, not an empty import."""
    if table.height == 0:
        raise ImportFileError(f"the file has a header but no {what}", file=table.file)


def refuse_zero_characters(table: Table) -> None:
    """A NUL character in a value (from a JSON ``\\u0000`` or a workbook) is refused with its
    row and column: PostgreSQL cannot store it, SQLite would, and the two must agree."""
    for name in table.df.columns:
        if name == ROW or table.df[name].dtype != pl.Utf8:
            continue
        hit = table.df[name].str.contains("\x00", literal=True).fill_null(False)
        if hit.any():
            raise row_error(table, first_true(hit), name,
                            "the value holds a zero character (NUL), which text never contains; "
                            "the file is damaged")


# --------------------------------------------------------------------------- values


def nulls(name: str, length: int, dtype: pl.DataType) -> pl.Series:
    """A typed all-null column (for fields a file does not have)."""
    return pl.repeat(None, length, dtype=dtype, eager=True).alias(name)


def text_column(name: str | None, alias: str, *, strip: bool = False) -> pl.Expr:
    """A text column as written, or a typed null when the file lacks it.

    Free text is kept as written (exports do not pad values, and stripping every column
    of a million rows costs more than the rest of the parse); identifiers and e-mails are
    stripped (``strip=True``). A value that is only spaces becomes null when stripped.
    """
    if name is None:
        return pl.lit(None, dtype=pl.Utf8).alias(alias)
    if not strip:
        return pl.col(name).alias(alias)
    stripped = pl.col(name).str.strip_chars()
    return pl.when(stripped.str.len_bytes() > 0).then(stripped).alias(alias)


def text_values(table: Table, name: str | None, *, strip: bool = False) -> pl.Series:
    """One column as a Series (see :func:`text_column`); all nulls when absent."""
    if name is None:
        return nulls("", table.height, pl.Utf8)
    return table.df.select(text_column(name, "v", strip=strip)).to_series()


def cap_text(values: pl.Series, limit: int, *, label: str, warnings: list[str]) -> pl.Series:
    """``values`` cut to ``limit`` characters; a warning counts the values that were cut.

    The byte length (free to read) rules out nearly every value before characters are
    counted, so this costs nothing on files without long values.
    """
    if values.dtype != pl.Utf8 or values.len() == 0:
        return values
    maybe = values.str.len_bytes() > limit
    if not maybe.any():
        return values
    long = (values.str.len_chars() > limit).fill_null(False)
    count = int(long.sum())
    if not count:
        return values
    warnings.append(f"{count:,} {label} value(s) were longer than {limit:,} characters and "
                    f"were cut to {limit:,}")
    return pl.select(pl.when(long).then(values.str.slice(0, limit)).otherwise(values)
                     .alias(values.name)).to_series()


# --------------------------------------------------------------------------- errors


def first_true(mask: pl.Series) -> int:
    """Index of the first True in ``mask`` (callers check there is one). Error reporting uses
    it to name the first bad row after a failed vectorised check."""
    return int(mask.fill_null(False).arg_true()[0])


def row_error(table: Table, index: int, column: str, message: str) -> ImportFileError:
    """An error for the value at ``index`` of ``column``, with its spreadsheet row."""
    return ImportFileError(message, file=table.file, row=int(table.df[ROW][index]),
                           column=table.header_of(column))
