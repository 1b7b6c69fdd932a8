"""ServiceNow list export as Excel: label headers, date cells, read with python-calamine."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from xml.sax.saxutils import escape

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.tickets import importers


def ticket(result, external_id: str) -> dict:
    return result.tickets.row(by_predicate=pl.col("external_id") == external_id, named=True)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_xlsx(path, rows: list[list]) -> None:
    """The smallest valid workbook: one sheet, text as inline strings, numbers as numbers.

    Enough to build bad files for these tests without an XLSX writer dependency.
    """
    cells = []
    for r, row in enumerate(rows, start=1):
        parts = []
        for c, value in enumerate(row):
            ref = f"{column_letter(c)}{r}"
            if value is None:
                continue
            if isinstance(value, (int, float)):
                parts.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        cells.append(f'<row r="{r}">{"".join(parts)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override '
            f'PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/><Override '
            f'PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/></Types>'))
        z.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'))
        z.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" '
            f'xmlns:r="{rel}"><sheets><sheet name="Page 1" sheetId="1" r:id="rId1"/>'
            '</sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>'))
        z.writestr("xl/worksheets/sheet1.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>'
            f'{"".join(cells)}</sheetData></worksheet>'))


@pytest.fixture
def tasks(fixture_path):
    return importers.parse(fixture_path("servicenow_task_list.xlsx"))


def test_it_reads_a_task_list_workbook(tasks):
    assert tasks.format == "servicenow-xlsx"
    assert (tasks.tickets.height, tasks.rows_read, tasks.rows_rejected) == (12, 12, 0)
    assert tasks.warnings == []
    row = ticket(tasks, "INC0020005")
    assert row["title"] == "Cannot open delivery planning sheet"
    assert row["opened_at"] == datetime(2026, 3, 4, 13, 2, 44, tzinfo=UTC)
    assert row["resolved_at"] == datetime(2026, 3, 4, 15, 10, tzinfo=UTC)
    assert row["closed_at"] == datetime(2026, 3, 9, 15, 10, tzinfo=UTC)
    assert (row["priority"], row["state"], row["reopen_count"]) == (3, "closed", 1)
    assert row["requester_name"] == "Christen Mitchell"
    assert row["source_row"] == 6
    assert ticket(tasks, "INC0020006")["reassignment_count"] == 2
    assert ticket(tasks, "INC0020001")["business_service"] == "WLAN-ZB"


def test_kinds_come_from_the_task_type(tasks):
    kinds = dict(tasks.tickets.select("external_id", "kind").iter_rows())
    assert kinds["RITM0020002"] == "request"
    assert kinds["SCTASK0020007"] == "request"
    assert kinds["CHG0020003"] == "change"
    assert kinds["PRB0020004"] == "problem"
    assert kinds["INC0020001"] == "incident"


def test_task_states_of_every_table_are_normalised(tasks):
    states = dict(tasks.tickets.select("state_raw", "state").unique().iter_rows())
    assert states["Closed Complete"] == "closed"
    assert states["Scheduled"] == "in_progress"
    assert states["Root Cause Analysis"] == "in_progress"
    assert states["Work in Progress"] == "in_progress"
    assert states["Canceled"] == "canceled"


HEADER = ["Number", "Opened", "Short description", "Priority", "State"]


def test_text_dates_and_a_leading_blank_row_keep_spreadsheet_rows(tmp_path):
    path = tmp_path / "incident.xlsx"
    write_xlsx(path, [[], HEADER,
                      ["INC1", "02-03-2026 08:00:00", "Printer", "4 - Low", "New"],
                      ["INC2", "13-03-2026 09:30:00", "Scanner", "2 - High", "On Hold"]])
    result = importers.parse(path)
    assert result.format == "servicenow-xlsx"
    assert result.tickets.select("external_id", "opened_at", "source_row").rows() == [
        ("INC1", datetime(2026, 3, 2, 8, tzinfo=UTC), 3),
        ("INC2", datetime(2026, 3, 13, 9, 30, tzinfo=UTC), 4)]


def test_a_bad_date_names_the_spreadsheet_row_and_label(tmp_path):
    path = tmp_path / "incident.xlsx"
    write_xlsx(path, [HEADER,
                      ["INC1", "2026-03-02 08:00:00", "Printer", "4 - Low", "New"],
                      ["INC2", "soon", "Scanner", "2 - High", "New"]])
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (3, "Opened")
    assert "'soon'" in caught.value.message


def test_a_missing_required_column_is_named(tmp_path):
    path = tmp_path / "incident.xlsx"
    write_xlsx(path, [["Number", "Short description", "State"],
                      ["INC1", "Printer", "New"]])
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path, format="servicenow-xlsx")
    assert caught.value.column == "opened_at"
    assert "'Opened'" in caught.value.message


def test_a_duplicated_header_is_merged_and_a_disagreement_is_a_warning(tmp_path):
    path = tmp_path / "incident.xlsx"
    write_xlsx(path, [["Number", "Opened", "State", "State"],
                      ["INC1", "2026-03-02 08:00:00", "New", "Closed"]])
    result = importers.parse(path)
    assert result.tickets["state"].to_list() == ["new"]
    assert "the column 'State' appears 2 times (columns 3 and 4)" in result.warnings[0]


def test_the_export_stopped_marker_row_is_rejected(tmp_path):
    path = tmp_path / "incident.xlsx"
    write_xlsx(path, [HEADER,
                      ["INC1", "2026-03-02 08:00:00", "Printer", "4 - Low", "New"],
                      ["Export stopped due to excessive size"]])
    result = importers.parse(path)
    assert (result.tickets.height, result.rows_read, result.rows_rejected) == (1, 2, 1)
    assert "the export was cut: row 3" in result.warnings[0]


def test_an_empty_workbook_and_a_broken_one_are_errors(tmp_path):
    empty = tmp_path / "empty.xlsx"
    write_xlsx(empty, [])
    with pytest.raises(ImportFileError, match="empty"):
        importers.parse(empty, format="servicenow-xlsx")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"not really a zip" * 10)
    with pytest.raises(ImportFileError, match="broken.xlsx: the file starts like an Excel workbook "
                                              r"\(a ZIP archive\) but is damaged or cut short"):
        importers.parse(broken)


def test_the_xlsx_format_given_a_csv_reads_it_as_what_it_is(fixture_path):
    as_csv = importers.parse(fixture_path("servicenow_incident_list.csv"))
    forced = importers.parse(fixture_path("servicenow_incident_list.csv"), format="servicenow-xlsx")
    assert forced.format == "servicenow-xlsx"
    assert forced.tickets.drop("source_row").equals(as_csv.tickets.drop("source_row"))
