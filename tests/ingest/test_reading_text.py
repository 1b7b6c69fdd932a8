"""Text tables: encodings, line ends, delimiters, header rows, limits, broken files."""

from __future__ import annotations

import codecs

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.ingest import ROW, open_source, read_table, sniff

SPEC = {"id": ("Id",), "name": ("Name",), "city": ("City",)}


def read(path, **kwargs):
    table, cols = read_table(sniff(path, name=kwargs.pop("name", None)), SPEC, **kwargs)
    return table, table.df.select(pl.col(ROW), *(pl.col(c).alias(f) for f, c in cols.items()))


# --------------------------------------------------------------------------- encodings


def test_utf8_with_and_without_a_byte_order_mark(write):
    for content in ("Id,Name\n1,José\n", "\ufeffId,Name\n1,José\n"):
        table, rows = read(write(content))
        assert rows.rows() == [(2, "1", "José")]
        assert table.headers == ["Id", "Name"]
        assert table.warnings == []


def test_excel_unicode_text_utf16_with_a_bom_and_tabs(write):
    path = write(codecs.BOM_UTF16_LE + "Id\tName\tCity\r\n1\tJosé\tMálaga\r\n".encode("utf-16-le"))
    table, rows = read(path)
    assert rows.rows() == [(2, "1", "José", "Málaga")]
    assert table.delimiter == "\t"


def test_utf16_without_a_bom_is_recognised_by_its_zero_bytes(write):
    for encoding in ("utf-16-le", "utf-16-be"):
        path = write("Id,Name\n1,Zoë\n".encode(encoding))
        assert read(path)[1].rows() == [(2, "1", "Zoë")]


def test_windows_1252_is_read_with_a_warning(write):
    path = write("Id;Name;City\n1;José;Málaga – Centro\n".encode("cp1252"))
    table, rows = read(path)
    assert rows.rows() == [(2, "1", "José", "Málaga – Centro")]
    assert table.warnings == ["the file is not UTF-8; it was read as Windows-1252 (what Excel writes): "
                              "check accented names"]


def test_a_file_utf8_at_the_start_and_windows_1252_further_on(write):
    body = "".join(f"{i},Name {i}\n" for i in range(20_000))
    path = write(("Id,Name\n" + body).encode() + "99999,Bj\xf6rn\n".encode("cp1252"))
    table, rows = read(path)
    assert rows.row(-1)[1:] == ("99999", "Björn")
    assert any("Windows-1252" in w for w in table.warnings)


def test_an_explicit_encoding_wins(write):
    path = write("Id,Name\n1,Ærø\n".encode("latin-1"))
    table, rows = read(path, encoding="latin-1")
    assert rows.rows() == [(2, "1", "Ærø")]
    assert table.warnings == []


# --------------------------------------------------------------------------- lines and delimiters


def test_cr_only_line_ends_of_old_mac_excel(write):
    table, rows = read(write(b"Id,Name\r1,Ann\r2,Bob\r"))
    assert rows.rows() == [(2, "1", "Ann"), (3, "2", "Bob")]


def test_crlf_line_ends(write):
    assert read(write(b"Id,Name\r\n1,Ann\r\n"))[1].rows() == [(2, "1", "Ann")]


def test_an_excel_sep_line_names_the_delimiter_and_rows_keep_their_numbers(write):
    table, rows = read(write("sep=;\nId;Name\n1;Ann, Jr.\n"))
    assert rows.rows() == [(3, "1", "Ann, Jr.")]


def test_title_and_blank_lines_before_the_header_are_skipped(write):
    path = write("Incident report\nExported 2026-03-01\n\nId,Name,City\n1,Ann,Oslo\n2,Bob,Rome\n"
                 "3,Cy,Pisa\n")
    snf = sniff(path)
    assert (snf.header, snf.header_row) == (("Id", "Name", "City"), 4)
    assert read(path)[1]["__row"].to_list() == [5, 6, 7]


def test_semicolons_win_over_decimal_commas(write):
    snf = sniff(write("Id;Name;Amount\n1;Ann;1,5\n2;Bob;2,25\n"))
    assert snf.delimiter == ";"
    assert snf.header == ("Id", "Name", "Amount")


def test_commas_win_over_semicolons_inside_values(write):
    snf = sniff(write('Id,Name,Note\n1,Ann,"a;b;c;d"\n2,Bob,x;y\n'))
    assert snf.delimiter == ","


def test_a_quoted_value_over_several_lines_is_one_row(write):
    table, rows = read(write('Id,Name\n1,"Ann\nsecond line"\n2,Bob\n'))
    assert rows.rows() == [(2, "1", "Ann\nsecond line"), (3, "2", "Bob")]


def test_blank_rows_are_skipped_counted_and_rows_keep_their_numbers(write):
    table, rows = read(write("Id,Name\n1,Ann\n\n,\n2,Bob\n"))
    assert rows["__row"].to_list() == [2, 5]
    assert table.rows_rejected == 2
    assert table.warnings == ["2 empty row(s) skipped"]


def test_a_quoted_empty_value_is_empty(write):
    assert read(write('Id,Name\n"1",""\n'))[1].rows() == [(2, "1", None)]


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(("content", "words"), [
    (b"", "the file is empty"),
    (b"\n\n \r\n", "the file is empty"),
    (b"\xef\xbb\xbf", "the file is empty"),
    (b"Id,Name\n", "has a header but no data rows"),
    (b"Id,Name", "has a header but no data rows"),
    (b"Id,Name\n\n,\n", "has a header but no data rows"),
    (bytes(range(1, 256)) * 50, "not a text export: its first bytes are binary data"),
    (b"Id,Name\n1,\x00Ann\n", "line 2 holds a zero byte (NUL)"),
    (b"%PDF-1.7\n...", "this is a PDF document"),
    (b"\x1f\x8b\x08\x00rest", "gzip-compressed"),
    (b"PK\x03\x04" + b"garbage" * 20, "damaged or cut short"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel .xls workbook"),
])
def test_a_file_that_is_not_a_table_is_a_clear_error_naming_the_file(write, content, words):
    with pytest.raises(ImportFileError) as caught:
        read(write(content, name="dabaa0a0147e9115-export.csv"), name="export.csv")
    assert caught.value.file == "export.csv"
    assert words in caught.value.message


def test_a_zero_byte_after_the_detection_window_names_its_line(write):
    body = "".join(f"{i},Name {i}\n" for i in range(50_000))
    path = write(("Id,Name\n" + body).encode() + b"50000,Z\x00e\n")
    with pytest.raises(ImportFileError) as caught:
        read(path, name="export.csv")
    assert str(caught.value) == (
        "export.csv: line 50,002 holds a zero byte (NUL), which text exports never contain: the file is "
        "damaged or not a text export. Export it again (or remove that byte) and import the new file")


def test_a_truncated_file_with_an_open_quote_names_the_row(write):
    with pytest.raises(ImportFileError) as caught:
        read(write('Id,Name\n1,Ann\n2,"Bob\n'))
    assert caught.value.row == 3
    assert "never closed" in caught.value.message


def test_a_row_with_more_values_than_the_header_names_the_row(write):
    with pytest.raises(ImportFileError) as caught:
        read_table(sniff(write("Id,Name\n1,Ann\n2,Bob,extra,more\n")), SPEC, all_columns=True)
    assert caught.value.row == 3
    assert "this row has 4 values but the header has 2 columns" in caught.value.message


def test_a_50_mb_header_line_is_refused_fast(write):
    path = write(b"Id," + b"x" * (50 * 1024 * 1024) + b"\n1,2\n")
    with pytest.raises(ImportFileError, match="the first line is longer than 1 MB"):
        sniff(path)


def test_a_header_of_a_million_columns_is_refused_fast(write):
    path = write(",".join(f"c{i}" for i in range(1_000_000)) + "\n")
    with pytest.raises(ImportFileError, match="the first line is longer than 1 MB"):
        sniff(path)
    narrow = write(",".join("c" for _ in range(200_000)) + "\n1\n", name="narrow.csv")
    with pytest.raises(ImportFileError, match="the header row has 200,000 columns, more than the 10,000"):
        sniff(narrow)


def test_a_required_column_is_named_when_missing(write):
    with pytest.raises(ImportFileError) as caught:
        read_table(sniff(write("Id,City\n1,Oslo\n")), SPEC, required=("name",))
    assert (caught.value.column, caught.value.message) == ("Name", "required column 'Name' is missing")


def test_the_kind_comes_from_the_content_not_the_extension(write):
    assert open_source(write('{"tickets": []}', name="tickets.csv")).kind == "json"
    assert open_source(write("Id,Name\n1,Ann\n", name="tickets.xlsx")).kind == "text"
    assert open_source(write("[CHART] Id,Name\n1,Ann\n")).kind == "text"
