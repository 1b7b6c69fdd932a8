"""Excel workbooks: the area check before calamine, cells as text, sheet row numbers."""

from __future__ import annotations

import zipfile
from datetime import datetime

import pytest

from teamalign.errors import ImportFileError
from teamalign.ingest import read_table, sniff
from teamalign.ingest.xlsx import check_area, column_letters, column_number
from tests.xlsx import write_xlsx

SPEC = {"id": ("Number",), "opened": ("Opened",), "count": ("Count",)}


def test_column_letters_round_trip():
    for number in (1, 26, 27, 52, 702, 703, 16384):
        assert column_number(column_letters(number)) == number
    assert column_letters(16384) == "XFD"


def test_cells_become_the_text_a_csv_would_hold(tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", [
        ["Number", "Opened", "Count", "Ratio", "Flag"],
        ["INC1", datetime(2026, 3, 2, 8, 5, 12), 3, 0.25, True],
        ["INC2", "2026-03-02 09:00:00", 1.0, None, False],
    ])
    table, cols = read_table(sniff(path), {**SPEC, "ratio": ("Ratio",), "flag": ("Flag",)})
    rows = table.df.select(*(cols[f] for f in ("id", "opened", "count", "ratio", "flag"))).rows()
    assert rows == [("INC1", "2026-03-02 08:05:12", "3", "0.25", "TRUE"),
                    ("INC2", "2026-03-02 09:00:00", "1", None, "FALSE")]
    assert table.df["__row"].to_list() == [2, 3]


def test_the_header_is_the_first_row_with_a_value_and_rows_keep_sheet_numbers(tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", [[], ["Report"], [], ["Number", "Opened"], ["INC1", "x"]])
    snf = sniff(path)
    # A title row is a row with a value: it is the header, so the real header row is data.
    assert snf.header == ("Report",)
    path = write_xlsx(tmp_path / "list2.xlsx", [[], [], ["Number", "Opened"], ["INC1", "x"]])
    snf = sniff(path)
    assert (snf.header, snf.header_row) == (("Number", "Opened"), 3)
    table, _ = read_table(snf, SPEC)
    assert table.df["__row"].to_list() == [4]


def test_a_workbook_whose_only_cells_are_at_a1_and_xfd1048576_is_refused_before_reading(tmp_path):
    path = write_xlsx(tmp_path / "bomb.xlsx", [["Number"]], cells={"XFD1048576": "x"})
    assert path.stat().st_size < 2000
    with pytest.raises(ImportFileError) as caught:
        sniff(path, name="export.xlsx")
    assert caught.value.file == "export.xlsx"
    assert caught.value.message.startswith(
        "the first sheet's cells span A1:XFD1048576 (1,048,576 rows × 16,384 columns), more than "
        "the 20,000,000 cells a workbook may have here")
    assert "save the sheet as CSV" in caught.value.message


def test_a_lone_cell_far_away_is_read_where_it_is(tmp_path):
    path = write_xlsx(tmp_path / "lone.xlsx", [], cells={"XFD1048576": "Number"})
    assert check_area(sniff.__globals__["open_source"](path)) == (1048576, 1048576, 16384, 16384)
    with pytest.raises(ImportFileError, match="has a header but no data rows"):
        read_table(sniff(path), SPEC)


def test_a_lying_dimension_element_does_not_matter(tmp_path):
    path = write_xlsx(tmp_path / "dim.xlsx", [["Number"], ["INC1"]], dimension="A1:XFD1048576")
    table, _ = read_table(sniff(path), SPEC)
    assert table.height == 1


def test_cells_without_references_are_counted_properly(tmp_path, monkeypatch):
    from teamalign.ingest import xlsx

    monkeypatch.setattr(xlsx, "XLSX_MAX_CELLS", 100_000)
    path = tmp_path / "implicit.xlsx"
    write_xlsx(path, [["Number"], ["INC1"]])
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    row = "<row>" + "<c><v>1</v></c>" * 5_000 + "</row>"
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>", (row * 30).encode() + b"</sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    # Rows 1–2 are the header and INC1, then rows of 5,000 cells: row 21 passes 100,000 cells.
    with pytest.raises(ImportFileError, match=r"span A1:GJH21 \(21 rows × 5,000 columns\)"):
        sniff(path)


def test_a_word_document_is_not_a_workbook(tmp_path):
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ImportFileError, match="this is a Word document"):
        sniff(path)


def test_an_empty_first_sheet_is_an_error(tmp_path):
    path = write_xlsx(tmp_path / "empty.xlsx", [], more_sheets={"Data": [["Number"], ["INC1"]]})
    with pytest.raises(ImportFileError, match="the workbook's first sheet is empty"):
        sniff(path)


def test_a_truncated_workbook_is_an_error(tmp_path):
    path = write_xlsx(tmp_path / "full.xlsx", [["Number"], ["INC1"]])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ImportFileError, match="damaged or cut short"):
        sniff(cut, name="export.xlsx")
