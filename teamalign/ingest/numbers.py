"""Numbers and durations written the many ways spreadsheets write them.

* Decimal and thousands separators are decided per column from its values:
  ``1,234.5`` and ``1.234,5`` and ``1 234,5`` (a space, a no-break space or ``'`` groups
  thousands) all read 1234.5. A value holding both separators settles it (the last one is
  the decimal point); so does a group that is not three digits (``1,5``) or a separator
  repeated (``1.234.567``). A column where every value could go either way (``1,234``
  only) follows the hint (a file delimited by ``;`` usually writes decimal commas), else
  reads ``,`` as thousands.
* Durations: ``hh:mm`` or ``hh:mm:ss`` (hours may pass 24, a leading ``-`` for negative),
  ``1d 2h 30m 15s`` in any combination, or a plain number in the unit the caller says.

The fast path (values Polars reads as they are) costs one vectorised cast; the locale rules
only run on columns that need them.
"""

from __future__ import annotations

import polars as pl

from .table import Table, first_true, nulls, row_error, text_values

_GROUPING = r"[\s\u00a0\u202f']"


def _separators(values: pl.Series, decimal_comma: bool | None) -> bool:
    """True when the column writes decimal commas."""
    both = values.filter(values.str.contains(",", literal=True)
                         & values.str.contains(".", literal=True))
    if both.len():
        sample = both[0]
        return sample.rfind(",") > sample.rfind(".")
    if values.str.contains(r",\d*,").any():
        return False
    if values.str.contains(r"\.\d*\.").any():
        return True
    if values.str.contains(r",(\d{1,2}|\d{4,})$").any():
        return True
    if values.str.contains(r"\.(\d{1,2}|\d{4,})$").any():
        return False
    return bool(decimal_comma)


def plain_numbers(raw: pl.Series, *, decimal_comma: bool | None = None) -> pl.Series:
    """Text numbers in any locale → Float64 (null where a value is not a number)."""
    direct = raw.cast(pl.Float64, strict=False)
    if direct.null_count() == raw.null_count():
        return direct
    text = raw.str.strip_chars().str.replace_all(_GROUPING, "")
    present = text.drop_nulls()
    if _separators(present, decimal_comma):
        text = text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    else:
        text = text.str.replace_all(",", "", literal=True)
    return text.replace("", None).cast(pl.Float64, strict=False)


def parse_decimals(table: Table, column: str | None, *, what: str = "a number",
                   decimal_comma: bool | None = None) -> pl.Series:
    """A text column of numbers → Float64; a value that is not a number is an error."""
    if column is None:
        return nulls("", table.height, pl.Float64)
    raw = text_values(table, column)
    hint = (table.delimiter == ";") if decimal_comma is None else decimal_comma
    values = plain_numbers(raw, decimal_comma=hint)
    bad = raw.is_not_null() & values.is_null() & (raw.str.strip_chars() != "")
    if bad.any():
        index = first_true(bad)
        raise row_error(table, index, column, f"'{raw[index]}' is not {what}")
    return values


def parse_whole_numbers(table: Table, column: str | None, *, dtype: pl.DataType = pl.Int32,
                        what: str = "a whole number", minimum: int | None = 0) -> pl.Series:
    """A text column of whole numbers (``3``, ``3.0``, ``1,234``) → ``dtype``, nulls kept.

    A value that is not a whole number, or is below ``minimum`` or too large for ``dtype``,
    is an error naming the row, the column and the value.
    """
    if column is None:
        return nulls("", table.height, dtype)
    raw = table.df.get_column(column)
    as_float = raw.cast(pl.Float64, strict=False)
    if as_float.null_count() != raw.null_count():
        as_float = plain_numbers(raw.str.strip_chars().replace("", None),
                                 decimal_comma=table.delimiter == ";")
        raw = raw.str.strip_chars().replace("", None)
    bad = raw.is_not_null() & (as_float.is_null() | (as_float != as_float.floor())
                               | as_float.is_infinite())
    if minimum is not None:
        bad = bad | (as_float < minimum).fill_null(False)
    as_int = as_float.cast(pl.Int64, strict=False).cast(dtype, strict=False)
    bad = (bad | (raw.is_not_null() & as_int.is_null())).fill_null(True)
    if bad.any():
        index = first_true(bad)
        raise row_error(table, index, column, f"'{raw[index]}' is not {what}")
    return as_int


def duration_seconds(raw: pl.Series, *, unit_seconds: int = 1,
                     decimal_comma: bool | None = None) -> pl.Series:
    """Durations as text → signed whole seconds (Int64); null where a value is unreadable.

    ``unit_seconds`` is the unit of plain numbers (3600 for "hours").
    """
    text = raw.str.strip_chars().replace("", None)
    clock = text.str.extract_groups(r"^(-)?(\d+):(\d{1,2})(?::(\d{1,2}))?$")
    words = text.str.to_lowercase().str.extract_groups(
        r"^(-)?\s*(?:(\d+)\s*d\w*)?\s*(?:(\d+)\s*h\w*)?\s*(?:(\d+)\s*m\w*)?\s*(?:(\d+)\s*s\w*)?$")
    frame = pl.DataFrame({"clock": clock, "words": words, "text": text})
    seconds = frame.select(
        pl.when(pl.col("clock").struct.field("2").is_not_null()).then(
            (pl.col("clock").struct.field("2").cast(pl.Int64) * 3600
             + pl.col("clock").struct.field("3").cast(pl.Int64) * 60
             + pl.col("clock").struct.field("4").cast(pl.Int64).fill_null(0))
            * pl.when(pl.col("clock").struct.field("1").is_null()).then(1).otherwise(-1)
        ).alias("s")).to_series()
    has_words = frame.select(pl.any_horizontal(
        pl.col("words").struct.field(k).is_not_null() for k in ("2", "3", "4", "5"))).to_series()
    worded = frame.select(
        (pl.col("words").struct.field("2").cast(pl.Int64).fill_null(0) * 86400
         + pl.col("words").struct.field("3").cast(pl.Int64).fill_null(0) * 3600
         + pl.col("words").struct.field("4").cast(pl.Int64).fill_null(0) * 60
         + pl.col("words").struct.field("5").cast(pl.Int64).fill_null(0))
        * pl.when(pl.col("words").struct.field("1").is_null()).then(1).otherwise(-1)).to_series()
    seconds = seconds.zip_with(seconds.is_not_null() | ~has_words, worded)
    number = (plain_numbers(text, decimal_comma=decimal_comma) * unit_seconds).round() \
        .cast(pl.Int64, strict=False)
    return seconds.fill_null(number).alias(raw.name)


def parse_durations(table: Table, column: str | None, *, unit_seconds: int = 1,
                    warnings: list[str], what: str = "a duration") -> pl.Series:
    """:func:`duration_seconds` of a column; unreadable values are ignored with a warning
    naming the first (durations a tool computed are extras, not worth failing an import)."""
    if column is None:
        return nulls("", table.height, pl.Int64)
    raw = text_values(table, column, strip=True)
    seconds = duration_seconds(raw, unit_seconds=unit_seconds, decimal_comma=table.delimiter == ";")
    unreadable = raw.is_not_null() & seconds.is_null()
    if unreadable.any():
        index = first_true(unreadable)
        warnings.append(f"{int(unreadable.sum()):,} value(s) of '{table.header_of(column)}' are "
                        f"not {what} (first: '{raw[index]}' in row {table.df['__row'][index]}); "
                        "they were ignored")
    return seconds
