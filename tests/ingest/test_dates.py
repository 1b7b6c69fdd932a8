"""Date columns: each its own format, localised months, serials, placeholders, range, UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.ingest.dates import MONTHS, parse_datetimes
from teamalign.ingest.table import Table

ORDER = ("%d/%b/%y %I:%M %p", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S")


def table(**columns: list) -> Table:
    height = len(next(iter(columns.values())))
    df = pl.DataFrame({"__row": pl.Series(range(2, height + 2), dtype=pl.UInt32),
                       **{k: pl.Series(v, dtype=pl.Utf8) for k, v in columns.items()}})
    return Table(df, list(columns), list(columns), "export.csv")


def parse(tbl: Table, formats=ORDER, timezone="UTC", required=()) -> dict:
    frame = parse_datetimes(tbl, {c: c for c in tbl.names}, formats, timezone=timezone,
                            required=required)
    return {c: frame[c].to_list() for c in frame.columns}


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_each_column_has_its_own_format():
    # Jira: the [CHART] column is fixed ISO whatever the user's format.
    got = parse(table(created=["25/Feb/26 4:38 PM", "26/Feb/26 9:05 AM"],
                      first_response=["2026-02-25 16:38:58.679", None]))
    assert got == {"created": [utc(2026, 2, 25, 16, 38), utc(2026, 2, 26, 9, 5)],
                   "first_response": [utc(2026, 2, 25, 16, 38, 58, 679000), None]}


def test_day_first_or_month_first_is_decided_by_the_column():
    got = parse(table(a=["03/04/2026 10:00", "25/04/2026 10:00"], b=["03/04/2026 10:00", "04/25/2026 10:00"]))
    assert got["a"] == [utc(2026, 4, 3, 10), utc(2026, 4, 25, 10)]
    assert got["b"] == [utc(2026, 3, 4, 10), utc(2026, 4, 25, 10)]


def test_an_ambiguous_column_follows_the_columns_that_decide():
    got = parse(table(opened=["03/04/2026 10:00", "04/13/2026 10:00"],
                      resolved=["03/05/2026 10:00", "04/06/2026 10:00"]))
    assert got["resolved"] == [utc(2026, 3, 5, 10), utc(2026, 4, 6, 10)]  # month-first, as opened
    alone = parse(table(resolved=["03/05/2026 10:00", "04/06/2026 10:00"]))
    assert alone["resolved"] == [utc(2026, 5, 3, 10), utc(2026, 6, 4, 10)]  # the given order


def test_iso_8601_with_and_without_offsets_and_fractions():
    got = parse(table(a=["2026-02-25T22:17:05Z", "2026-02-25T22:17:05.5+01:00"],
                      b=["2026-02-25T22:17:05", "2026-02-25T23:17:05.25"],
                      c=["2026-02-25", "2026-02-26"]), timezone="Europe/Amsterdam")
    assert got["a"] == [utc(2026, 2, 25, 22, 17, 5), utc(2026, 2, 25, 21, 17, 5, 500000)]
    assert got["b"] == [utc(2026, 2, 25, 21, 17, 5), utc(2026, 2, 25, 22, 17, 5, 250000)]
    assert got["c"] == [utc(2026, 2, 24, 23), utc(2026, 2, 25, 23)]
    with pytest.raises(ImportFileError):  # one column, two shapes: not a format
        parse(table(b=["2026-02-25T22:17:05", "2026-02-25 22:17"]))


@pytest.mark.parametrize(("values", "expected"), [
    (["18/jul/26 9:10 AM", "3/ago/26 4:05 PM", "1/dic./26 12:00 p. m."], [(2026, 7, 18, 9, 10), (2026, 8, 3, 16, 5), (2026, 12, 1, 12, 0)]),
    (["25/févr./26 10:17 PM", "3/juil./26 8:00 AM", "9/août/26 1:00 AM"], [(2026, 2, 25, 22, 17), (2026, 7, 3, 8, 0), (2026, 8, 9, 1, 0)]),
    (["3/Mär/26 10:00 AM", "12/Okt/26 1:00 PM", "24/Dez/26 9:00 AM"], [(2026, 3, 3, 10, 0), (2026, 10, 12, 13, 0), (2026, 12, 24, 9, 0)]),
    (["5/fev/26 10:00 AM", "7/set/26 3:00 PM", "9/out/26 9:00 AM"], [(2026, 2, 5, 10, 0), (2026, 9, 7, 15, 0), (2026, 10, 9, 9, 0)]),
    (["5/February/26 10:00 AM", "7/sept/26 3:00 pm"], [(2026, 2, 5, 10, 0), (2026, 9, 7, 15, 0)]),
])
def test_localised_month_names_and_meridiem_markers(values, expected):
    assert parse(table(created=values))["created"] == [utc(*e) for e in expected]


def test_the_month_table_covers_every_language_for_every_month():
    for english in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"):
        assert sum(1 for v in MONTHS.values() if v == english) >= 4


def test_excel_serial_numbers():
    got = parse(table(opened=["46078.67984953704", "46079"]))
    assert got["opened"] == [utc(2026, 2, 25, 16, 18, 59), utc(2026, 2, 26)]


@pytest.mark.parametrize(("value", "shown"), [
    ("1900-01-01 00:00:00", "1900-01-01"), ("1899-12-30 00:00:00", "1899-12-30"),
    ("0001-01-01 00:00:00", "0001-01-01"), ("9999-12-31 23:59:59", "9999-12-31"), ("0", "1899-12-30"),
])
def test_placeholder_dates_are_empty_with_a_counted_warning(value, shown):
    tbl = table(opened=["2026-03-02 09:00:00", "2026-03-02 10:00:00"], solved=[value, value])
    got = parse(tbl, timezone="Europe/Berlin")
    assert got["solved"] == [None, None]
    assert tbl.warnings == [f"2 value(s) of 'solved' are the placeholder date {shown} that stands for "
                            "an empty date; they were read as empty"]


def test_mysql_zero_dates_are_empty_too():
    tbl = table(opened=["2026-03-02 09:00:00"], solved=["0000-00-00 00:00:00"])
    assert parse(tbl)["solved"] == [None]
    assert tbl.warnings == ["1 value(s) of 'solved' are an empty date (0000-00-00, or Excel's day 0); "
                            "they were read as empty"]


def test_a_placeholder_where_a_date_is_required_is_an_error_in_plain_words():
    tbl = table(opened=["2026-03-02 09:00:00", "1900-01-01 00:00:00"])
    with pytest.raises(ImportFileError) as caught:
        parse(tbl, timezone="Europe/Berlin", required=("opened",))
    assert (caught.value.row, caught.value.column) == (3, "opened")
    assert caught.value.message.startswith("'1900-01-01 00:00:00' is a placeholder for an empty date")
    assert "1899" not in caught.value.message.split("(")[0]


@pytest.mark.parametrize(("value", "why"), [
    ("2200-01-01 10:00:00", "after 2100"), ("9999-01-01 10:00:00", "after 2100"),
    ("0001-03-05 10:00:00", "before 1970"), ("1900-01-02 10:00:00", "before 1970"),
    ("1969-12-31 23:00:00", "before 1970"),
])
def test_dates_outside_a_plausible_range_are_errors_naming_row_and_column(value, why):
    tbl = table(opened=["2026-03-02 09:00:00", value])
    with pytest.raises(ImportFileError) as caught:
        parse(tbl, timezone="Europe/Berlin")
    assert (caught.value.file, caught.value.row, caught.value.column) == ("export.csv", 3, "opened")
    assert caught.value.message == (f"'{value}' is not a plausible date here ({why}); correct it in the "
                                    "source, or empty the cell if there is no date")


def test_a_value_no_format_reads_names_row_column_value_and_format():
    tbl = table(opened=["2026-02-02 08:00:00", "2026-02-30 08:00:00", "yesterday"])
    with pytest.raises(ImportFileError) as caught:
        parse(tbl)
    assert (caught.value.row, caught.value.column) == (3, "opened")
    assert caught.value.message == ("'2026-02-30 08:00:00' is not a date and time in the format this column "
                                    "uses (YYYY-MM-DD hh:mm:ss)")


def test_wall_clock_times_are_read_in_the_given_zone():
    got = parse(table(opened=["2026-02-02 08:14:05", "2026-07-02 08:14:05"]), timezone="Europe/Amsterdam")
    assert got["opened"] == [utc(2026, 2, 2, 7, 14, 5), utc(2026, 7, 2, 6, 14, 5)]


def test_a_missing_column_is_all_empty():
    tbl = table(opened=["2026-02-02 08:14:05"])
    frame = parse_datetimes(tbl, {"opened": "opened", "closed": None}, ORDER, timezone="UTC")
    assert frame["closed"].to_list() == [None]
