"""Date and time columns: each column's own format, placeholders, a plausible range, UTC.

How a column is read
--------------------
* **Each column has its own format.** Tools write some columns in a fixed format whatever
  the user's settings (Jira's ``[CHART] Date of First Response`` is ``2026-02-25
  16:38:58.679`` beside ``Created`` = ``25/Feb/26 4:38 PM``). The formats an importer
  gives (its tool's documented ones, in order) and then the ISO 8601 forms are tried, and
  the first that reads *every* value of the column wins.
* **Day-first or month-first** is decided from the column's values: ``03/04/2026`` alone
  fits both, a column that also holds ``29/02/2016`` does not. When a column fits both,
  the order another date column of the same file settled on decides, then the importer's
  order (its tool's default first).
* **ISO 8601** with or without ``T``, fractions of a second and an offset or ``Z``;
  a value with an offset keeps it, a value without one is a wall-clock time.
* **Month names** in English, Spanish, French, German and Portuguese, abbreviated (with or
  without a dot) or in full (``18/jul/26``, ``25/févr./26``, ``3/Mär/26``), and the
  ``a. m.`` / ``p. m.`` / ``vorm.`` / ``nachm.`` markers, are read as their English forms.
* **Excel serial numbers** (``46078.6798``, days since 1899-12-30) are read as such when
  a whole column is numbers in the serial range (a workbook date cell formatted as a
  number, or a CSV saved from one).
* **Placeholders** stand for "no date": ``1900-01-01`` and ``1899-12-30``/``-31`` (what
  spreadsheets show for an empty date cell, serials 0 and 1), ``0001-01-01`` (.NET's
  "minimum"), ``9999-12-31`` ("never") and MySQL's ``0000-00-00``. They become empty, with
  a warning counting them; in a column that may not be empty they are an error that says
  so.
* **A plausible range**: a ticket, survey or cost dated before 1970 or after 2100 is a
  typing or export error, reported with its row, column and value in those words.
* **Wall-clock times** are in the ``timezone`` given (an IANA name) and converted to UTC.
  A time repeated when clocks go back is read as the *first* occurrence; a time that does
  not exist because clocks went forward (02:30 on a spring-forward night) moves *forward
  to the instant the clocks changed*, so the order of times is kept.

A value no format reads is an error naming the row, the column, the value and the format
the rest of the column uses.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

import polars as pl

from teamalign.errors import ImportFileError

from .table import Table, first_true, nulls, row_error, text_values

UTC = pl.Datetime("us", "UTC")

#: ISO 8601 with optional fraction and an offset or ``Z`` (APIs, JSON exports).
ISO_WITH_OFFSET = "%Y-%m-%dT%H:%M:%S%.f%#z"

#: Tried after an importer's own formats, in this order.
ISO_FORMATS = (
    ISO_WITH_OFFSET, "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d",
)

EXCEL_SERIAL = "Excel serial number"
_EXCEL_EPOCH = datetime(1899, 12, 30)
_LAST_SERIAL = 2_958_465  # 9999-12-31

PLACEHOLDER_DAYS = (date(1, 1, 1), date(1899, 12, 30), date(1899, 12, 31), date(1900, 1, 1),
                    date(9999, 12, 31))
EARLIEST = datetime(1970, 1, 1)
LATEST = datetime(2100, 12, 31, 23, 59, 59)

#: MySQL's zero date, and Excel's day 0 (a blank date cell that a formula filled), which a
#: workbook reader gives as a bare midnight.
_ZERO_DATE = r"^\s*(?:0{4}-0{2}-0{2}|0{1,2}:00(?::00)?\s*$)"

# --------------------------------------------------------------------------- month names

_MONTH_WORDS = {
    "Jan": "jan january janv janvier ene enero januar jän jänner jaen janeiro",
    "Feb": "feb february fev fevr févr février fevrier febrero februar fevereiro",
    "Mar": "mar march mars marzo mär märz marz maer maerz mrz março marco",
    "Apr": "apr april avr avril abr abril",
    "May": "may mai mayo maio",
    "Jun": "jun june juin junio juni junho",
    "Jul": "jul july juil juillet julio juli julho",
    "Aug": "aug august août aout ago agosto",
    "Sep": "sep sept september septembre septiembre setiembre set setembro",
    "Oct": "oct october octobre okt oktober octubre out outubro",
    "Nov": "nov november novembre noviembre novembro",
    "Dec": "dec december déc decembre décembre dez dezember dic diciembre dezembro",
}
#: Month word (casefolded, without a trailing dot) → English abbreviation, as ``%b`` reads.
MONTHS: dict[str, str] = {word: english for english, words in _MONTH_WORDS.items()
                          for word in words.split()}
_WORD = r"([^\W\d_]{3,}\.?)"


def _normalise_words(raw: pl.Series) -> pl.Series:
    """Localised month names and AM/PM markers → the English forms ``%b``/``%p`` read.

    Costs one look at a sample for files in English; the column is only rewritten when a
    word needs it.
    """
    sample = raw.drop_nulls().head(500)
    if sample.len() == 0 or not sample.str.contains(r"[^\W\d_]{2}").any():
        return raw
    needs_meridiem = sample.str.contains(r"(?i)[ap]\.\s?m\.?\s*$|[ap]\.?\s+m\.?\s*$|vorm\.|nachm\.").any()
    sample_words = set(sample.str.extract(_WORD, 1).drop_nulls().unique().to_list())
    foreign = any(MONTHS.get(w.casefold().rstrip(".")) not in (None, w) for w in sample_words)
    if not needs_meridiem and not foreign:
        return raw
    out = raw
    if needs_meridiem:
        out = (out.str.replace(r"(?i)\s*\b([ap])\.?\s?m\.?\s*$", " ${1}M")
               .str.replace(r"(?i)\s*vorm\.?\s*$", " AM").str.replace(r"(?i)\s*nachm\.?\s*$", " PM"))
    words = [w for w in out.str.extract(_WORD, 1).drop_nulls().unique().to_list()
             if MONTHS.get(w.casefold().rstrip(".")) not in (None, w)]
    if words:
        words.sort(key=len, reverse=True)
        out = out.str.replace_many(words, [MONTHS[w.casefold().rstrip(".")] for w in words])
    return out.alias(raw.name)


# --------------------------------------------------------------------------- formats

_HUMAN_TOKENS = [("%.f", ""), ("%#z", "±hh:mm"), ("%z", "±hhmm"), ("%Y", "YYYY"),
                 ("%y", "YY"), ("%m", "MM"), ("%d", "DD"), ("%b", "Mon"), ("%B", "Month"),
                 ("%H", "hh"), ("%I", "hh"), ("%M", "mm"), ("%S", "ss"), ("%p", "AM/PM"),
                 ("%a", "Day")]


def human_format(fmt: str) -> str:
    """``%d-%m-%Y %H:%M`` → ``DD-MM-YYYY hh:mm``, for messages."""
    if fmt == EXCEL_SERIAL:
        return fmt
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


def _swapped(fmt: str) -> str:
    """The same format with day and month swapped (``%d/%m`` ↔ ``%m/%d``)."""
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def _strptime(values: pl.Series, fmt: str) -> pl.Series:
    if fmt == EXCEL_SERIAL:
        return _from_serial(values)
    # cache=False: timestamps are nearly all distinct, so the cache only costs time.
    return values.str.strptime(pl.Datetime("us"), fmt, strict=False, cache=False)


def _from_serial(values: pl.Series) -> pl.Series:
    days = values.str.strip_chars().cast(pl.Float64, strict=False)
    days = pl.select(pl.when((days >= 0) & (days <= _LAST_SERIAL + 1)).then(days)).to_series()
    millis = (days * 86_400_000).round().cast(pl.Int64, strict=False)
    return pl.select(pl.lit(_EXCEL_EPOCH, dtype=pl.Datetime("us"))
                     + pl.duration(milliseconds=millis)).to_series().alias(values.name)


def _looks_serial(sample: pl.Series) -> bool:
    return sample.len() > 0 and bool(sample.str.contains(r"^\s*\d{1,7}(\.\d+)?\s*$").all())


def _misses(sample: pl.Series, fmt: str) -> int:
    if sample.len() == 0:
        return 0
    return _strptime(sample, fmt).null_count()


class _Unreadable(Exception):
    def __init__(self, fmt: str, parsed: pl.Series) -> None:
        self.fmt = fmt
        self.parsed = parsed


def _choose(raw: pl.Series, formats: Sequence[str]) -> tuple[str, pl.Series]:
    """The first format that reads every value of the column, and the parsed column."""
    empty = raw.null_count()
    sample = raw.drop_nulls().head(200)
    candidates = list(formats)
    if _looks_serial(sample):
        candidates.insert(0, EXCEL_SERIAL)
    misses = {fmt: _misses(sample, fmt) for fmt in candidates}
    best: tuple[int, str, pl.Series] | None = None
    for fmt in candidates:
        if misses[fmt]:
            continue
        parsed = _strptime(raw, fmt)
        failures = parsed.null_count() - empty
        if failures == 0:
            return fmt, parsed
        if best is None or failures < best[0]:
            best = (failures, fmt, parsed)
    if best is None:
        # Even the first values defeat every format: report against the format that
        # read most of them, which is the one the column was meant to use.
        fmt = min(candidates, key=lambda f: misses[f])  # ties: the given order
        raise _Unreadable(fmt, _strptime(raw, fmt))
    raise _Unreadable(best[1], best[2])


# --------------------------------------------------------------------------- parsing


def parse_datetimes(table: Table, columns: Mapping[str, str | None], formats: Sequence[str], *,
                    timezone: str, required: Iterable[str] = ()) -> pl.DataFrame:
    """Parse text columns of ``table`` into UTC datetimes, each with its own format.

    ``columns`` maps an output name to a column of ``table.df`` (None: the file lacks it,
    the output is all null). ``formats`` are tried in order, then :data:`ISO_FORMATS`.
    ``required`` names outputs that may not hold a placeholder date. Placeholder counts
    are added to ``table.warnings``. See the module docstring for the rules.
    """
    check_timezone(timezone)
    formats = tuple(dict.fromkeys([*formats, *ISO_FORMATS]))
    required = set(required)
    raw: dict[str, pl.Series] = {}
    zero_dates: dict[str, int] = {}
    for out, column in columns.items():
        values = text_values(table, column).alias(out)
        if values.null_count() == values.len():
            raw[out] = values
            continue
        zero = values.str.contains(_ZERO_DATE).fill_null(False)
        if zero.any():
            if out in required:
                raise row_error(table, first_true(zero), column,
                                f"'{values[first_true(zero)]}' is a placeholder for an empty date, "
                                "and this column cannot be empty")
            zero_dates[out] = int(zero.sum())
            values = pl.select(pl.when(~zero).then(values)).to_series().alias(out)
        raw[out] = _normalise_words(values)

    chosen: dict[str, tuple[str, pl.Series]] = {}
    for out, values in raw.items():
        if values.null_count() == values.len():
            continue
        try:
            chosen[out] = _choose(values, formats)
        except _Unreadable as unreadable:
            stripped = values.str.strip_chars().replace("", None)
            if not stripped.equals(values):
                try:
                    chosen[out] = _choose(stripped, formats)
                    raw[out] = stripped
                    continue
                except _Unreadable:
                    pass
            bad = values.is_not_null() & unreadable.parsed.is_null()
            index = first_true(bad)
            original = text_values(table, columns[out])[index]
            raise row_error(table, index, columns[out],
                            f"'{original}' is not a date and time in the format this column uses "
                            f"({human_format(unreadable.fmt)})") from None
    _settle_day_month(raw, chosen, formats)

    result: dict[str, pl.Series] = {}
    for out, column in columns.items():
        if zero_dates.get(out):
            table.warnings.append(
                f"{zero_dates[out]:,} value(s) of '{table.header_of(column) if column else out}' are "
                "an empty date (0000-00-00, or Excel's day 0); they were read as empty")
        if out not in chosen:
            result[out] = nulls(out, table.height, UTC)
            continue
        parsed = _placeholders(table, out, column, chosen[out][1], out in required)
        _check_range(table, column, parsed, raw[out])
        result[out] = parsed.alias(out)
    if not result:
        return pl.DataFrame()
    return frame_to_utc(pl.DataFrame(list(result.values())), timezone)


def _settle_day_month(raw: Mapping[str, pl.Series], chosen: dict[str, tuple[str, pl.Series]],
                      formats: Sequence[str]) -> None:
    """A column that fits day-first and month-first alike follows the date columns of the
    file whose values decide it (``25/02`` can only be day-first)."""
    ambiguous: dict[str, tuple[str, pl.Series]] = {}
    votes: Counter[str] = Counter()
    for out, (fmt, _) in chosen.items():
        twin = _swapped(fmt)
        if twin == fmt or twin not in formats:
            continue
        values = raw[out]
        if _misses(values.drop_nulls().head(200), twin) == 0:
            parsed = _strptime(values, twin)
            if parsed.null_count() == values.null_count():
                ambiguous[out] = (twin, parsed)
                continue
        votes[fmt] += 1
    for out, (twin, parsed) in ambiguous.items():
        if votes[twin] > votes[chosen[out][0]]:
            chosen[out] = (twin, parsed)


def _placeholders(table: Table, out: str, column: str | None, parsed: pl.Series,
                  required: bool) -> pl.Series:
    day = parsed.dt.date()
    placeholder = day.is_in(list(PLACEHOLDER_DAYS)).fill_null(False)
    count = int(placeholder.sum())
    header = table.header_of(column) if column else out
    if count and required:
        index = first_true(placeholder)
        raise row_error(table, index, column or out,
                        f"'{text_values(table, column)[index]}' is a placeholder for an empty date "
                        "(spreadsheets show 1900-01-01 or 1899-12-30 for a blank date cell, other "
                        "tools 0001-01-01 or 9999-12-31), and this column cannot be empty")
    if count:
        days = sorted({str(d) for d in day.filter(placeholder).unique().to_list()})
        parsed = pl.select(pl.when(~placeholder).then(parsed)).to_series()
        table.warnings.append(
            f"{count:,} value(s) of '{header}' are the placeholder date {' / '.join(days)} that "
            "stands for an empty date; they were read as empty")
    return parsed


def _check_range(table: Table, column: str | None, parsed: pl.Series, raw: pl.Series) -> None:
    tz = parsed.dtype.time_zone  # type: ignore[attr-defined]
    earliest = EARLIEST.replace(tzinfo=zoneinfo.ZoneInfo(tz)) if tz else EARLIEST
    latest = LATEST.replace(tzinfo=zoneinfo.ZoneInfo(tz)) if tz else LATEST
    early = (parsed < earliest).fill_null(False)
    late = (parsed > latest).fill_null(False)
    for mask, why in ((early, "before 1970"), (late, "after 2100")):
        if mask.any():
            index = first_true(mask)
            raise row_error(table, index, column or raw.name,
                            f"'{raw[index]}' is not a plausible date here ({why}); correct it "
                            "in the source, or empty the cell if there is no date")


# --------------------------------------------------------------------------- time zones


def to_utc(values: pl.Series, timezone: str) -> pl.Series:
    """Naive wall-clock times in ``timezone`` (or aware times) → ``Datetime(us, UTC)``."""
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

    Every DST gap in the tz database since 1970 starts and ends on a quarter hour, so
    stepping through quarter hours from the value finds the end of the gap, which is the
    instant the clocks changed. Only the few values inside a gap get here.
    """
    step = timedelta(minutes=15)
    start = naive.dt.truncate("15m")
    result = nulls(naive.name, naive.len(), pl.Datetime("us", timezone))
    for k in range(0, 4 * 27):  # the longest gap on record is a day (Samoa, 2011)
        candidate = start + step * k
        local = candidate.dt.replace_time_zone(timezone, ambiguous="earliest",
                                               non_existent="null")
        take = result.is_null() & local.is_not_null() & (candidate >= naive)
        result = local.zip_with(take, result)
        if result.null_count() == 0:
            break
    return result


def max_timestamp(values: pl.Series | None) -> datetime | None:
    if values is None or values.len() == 0:
        return None
    return values.max()  # type: ignore[return-value]


__all__ = ["EXCEL_SERIAL", "ISO_FORMATS", "ISO_WITH_OFFSET", "MONTHS", "PLACEHOLDER_DAYS", "UTC",
           "check_timezone", "frame_to_utc", "human_format", "max_timestamp", "parse_datetimes",
           "to_utc"]
