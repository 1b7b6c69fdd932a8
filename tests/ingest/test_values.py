"""Numbers, durations, repeated headers and text caps."""

from __future__ import annotations

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.ingest import read_table, sniff
from teamalign.ingest.numbers import duration_seconds, parse_decimals, parse_whole_numbers, plain_numbers
from teamalign.ingest.table import Table, cap_text


def table(values: list, delimiter: str = ",") -> Table:
    df = pl.DataFrame({"__row": pl.Series(range(2, len(values) + 2), dtype=pl.UInt32),
                       "n": pl.Series(values, dtype=pl.Utf8)})
    return Table(df, ["Amount"], ["n"], "export.csv", delimiter=delimiter)


@pytest.mark.parametrize(("values", "expected"), [
    (["1,234.5", "12", None], [1234.5, 12.0, None]),
    (["1.234,5", "2,25"], [1234.5, 2.25]),
    (["1 234,5", "1\u00a0000,75", "1\u202f000"], [1234.5, 1000.75, 1000.0]),
    (["1'234.5"], [1234.5]),
    (["1,5", "2"], [1.5, 2.0]),
    (["1.234.567"], [1234567.0]),
    (["1,234,567"], [1234567.0]),
])
def test_numbers_with_locale_separators(values, expected):
    assert plain_numbers(pl.Series(values, dtype=pl.Utf8)).to_list() == expected


def test_an_ambiguous_column_follows_the_delimiter_hint():
    assert parse_decimals(table(["1,234", "2,500"]), "n").to_list() == [1234.0, 2500.0]
    assert parse_decimals(table(["1,234", "2,500"], delimiter=";"), "n").to_list() == [1.234, 2.5]


def test_a_value_that_is_not_a_number_names_row_and_column():
    with pytest.raises(ImportFileError) as caught:
        parse_decimals(table(["1", "two"]), "n")
    assert (caught.value.row, caught.value.column, caught.value.message) == (3, "Amount", "'two' is not a number")


def test_whole_numbers():
    assert parse_whole_numbers(table(["3", "3.0", " 4 ", "1,234", None]), "n").to_list() == [3, 3, 4, 1234, None]
    for bad in ("1.5", "-1", "x", "1e400"):
        with pytest.raises(ImportFileError, match=f"'{bad}' is not a whole number"):
            parse_whole_numbers(table(["1", bad]), "n")


@pytest.mark.parametrize(("text", "unit", "seconds"), [
    ("03:38", 1, 13080), ("-1:25", 1, -5100), ("30:00:15", 1, 108015), ("1h 30m", 1, 5400),
    ("2d 3h", 1, 183600), ("45 min", 1, 2700), ("-0:04", 1, -240), ("1.5", 3600, 5400),
    ("0,25", 3600, 900), ("12", 60, 720), ("soon", 1, None), ("", 1, None),
])
def test_durations(text, unit, seconds):
    assert duration_seconds(pl.Series([text]), unit_seconds=unit).to_list() == [seconds]


def test_cap_text_cuts_long_values_and_counts_them():
    warnings: list[str] = []
    values = pl.Series("title", ["short", "é" * 600, None, "x" * 501])
    capped = cap_text(values, 500, label="'Summary'", warnings=warnings)
    assert capped.str.len_chars().to_list() == [5, 500, None, 500]
    assert capped.name == "title"
    assert warnings == ["2 'Summary' value(s) were longer than 500 characters and were cut to 500"]
    assert cap_text(pl.Series(["a"]), 5, label="x", warnings=warnings).to_list() == ["a"]


SPEC = {"id": ("Id",), "department": ("Department",), "labels": ("Labels",), "team": ("Team",)}


def test_repeated_headers_merge_keep_the_first_or_join(write):
    path = write("Id,Department,Labels,Team,Department,Labels,Team\n"
                 "1,,a,,Sales,b,Ops\n"
                 "2,Finance,,Desk,Finance,c,Infra\n"
                 "3,Sales,,,Legal,,\n")
    table_, cols = read_table(sniff(path), SPEC, repeats={"labels": "join", "team": "first"})
    rows = table_.df.select(*(cols[f] for f in ("id", "department", "labels", "team"))).rows()
    assert rows == [("1", "Sales", "a; b", "Ops"), ("2", "Finance", "c", "Desk"), ("3", "Sales", None, None)]
    assert table_.warnings == [
        "the column 'Department' appears 2 times (columns 2 and 5) and 1 row(s) hold different values in "
        "the copies; the first non-empty value was used (first in row 4: 'Sales' / 'Legal')"]


def test_repeated_headers_nobody_reads_are_ignored(write):
    table_, cols = read_table(sniff(write("Id,Comment,Comment\n1,a,b\n")), SPEC)
    assert table_.warnings == [] and set(cols) == {"id"}


def test_parquet_columns_are_read_as_the_text_a_csv_would_hold(tmp_path):
    from datetime import datetime

    path = tmp_path / "costs.parquet"
    pl.DataFrame({
        "ResourceId": ["vm-1", None], "BilledCost": [12.5, 3.0],
        "ChargePeriodStart": [datetime(2025, 5, 1), datetime(2025, 5, 2)],
        "Tags": [{"team": "ops"}, {"team": None}], "Zones": [["a", "b"], []],
    }).with_columns(pl.col("ChargePeriodStart").dt.replace_time_zone("UTC")).write_parquet(path)
    snf = sniff(path, name="focus.parquet")
    assert (snf.kind, snf.header) == ("parquet", ("ResourceId", "BilledCost", "ChargePeriodStart", "Tags", "Zones"))
    spec = {c: (c,) for c in snf.header}
    table_, cols = read_table(snf, spec)
    rows = table_.df.select(*(cols[c] for c in snf.header)).rows()
    assert rows == [("vm-1", "12.5", "2025-05-01T00:00:00+00:00", '{"team":"ops"}', "a; b"),
                    (None, "3.0", "2025-05-02T00:00:00+00:00", '{"team":null}', None)]
    assert table_.df["__row"].to_list() == [1, 2]


def test_a_broken_parquet_file_is_a_clear_error(tmp_path):
    path = tmp_path / "costs.parquet"
    path.write_bytes(b"PAR1" + b"\x00garbage" * 10)
    with pytest.raises(ImportFileError, match="focus.parquet: the Parquet file cannot be read"):
        sniff(path, name="focus.parquet")
