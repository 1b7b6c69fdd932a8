"""ServiceNow list export as CSV: field-name headers, display values, export limits."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.tickets import importers
from teamalign.tickets.importers.base import HISTORY_SCHEMA


def ticket(result, external_id: str) -> dict:
    return result.tickets.row(by_predicate=pl.col("external_id") == external_id, named=True)


@pytest.fixture
def incidents(fixture_path):
    return importers.parse(fixture_path("servicenow_incident_list.csv"))


def test_it_reads_every_field_of_a_list_export(incidents):
    assert incidents.format == "servicenow-csv"
    assert incidents.tickets.height == 16
    assert (incidents.rows_read, incidents.rows_rejected, incidents.warnings) == (16, 0, [])
    row = ticket(incidents, "INC0010001")
    assert row == {
        "external_id": "INC0010001", "kind": "incident",
        "title": "Email not syncing on mobile",
        "priority": 3, "priority_raw": "3 - Moderate", "state": "closed",
        "state_raw": "Closed", "category": "Software",
        "requester_email": "abel.tuter@example.com", "requester_name": "Abel Tuter",
        "requester_location": "Rotterdam Warehouse", "requester_company": "Acme Logistics",
        "requester_department": "Operations", "assignment_group": "Service Desk",
        "assigned_to": "Beth Anglin", "business_service": "Email",
        "opened_at": datetime(2026, 2, 2, 8, 14, 5, tzinfo=UTC),
        "first_response_at": None,
        "resolved_at": datetime(2026, 2, 2, 10, 41, 52, tzinfo=UTC),
        "closed_at": datetime(2026, 2, 7, 9, 0, 11, tzinfo=UTC),
        "reassignment_count": 0, "reopen_count": 0, "feedback_rating": None,
        "requester_id": None,
        "source_response_seconds": None, "source_resolution_seconds": None,
        "source_response_business_seconds": None, "source_resolution_business_seconds": None,
        "source_response_breached": None, "source_resolution_breached": None,
        "source_row": 2,
    }
    assert not incidents.has_first_response  # a list export has no first response at all


def test_states_priorities_and_counts_are_normalised(incidents):
    states = dict(incidents.tickets.select("external_id", "state").iter_rows())
    assert states["INC0010004"] == "in_progress"
    assert states["INC0010005"] == "on_hold"
    assert states["INC0010002"] == "resolved"
    assert states["INC0010007"] == "canceled"
    assert states["INC0010010"] == "new"
    assert sorted(set(incidents.tickets["priority"])) == [1, 2, 3, 4, 5]
    assert ticket(incidents, "INC0010008")["reassignment_count"] == 3
    assert ticket(incidents, "INC0010003")["reopen_count"] == 1


def test_a_multi_line_value_is_one_spreadsheet_row(incidents):
    row = ticket(incidents, "INC0010008")
    assert row["title"] == "Label printer prints blank labels\nafter driver update"
    assert row["source_row"] == 9
    assert ticket(incidents, "INC0010009")["source_row"] == 10


def test_a_list_export_has_no_first_response_and_no_history(incidents):
    assert incidents.tickets["first_response_at"].null_count() == 16
    assert incidents.history.height == 0
    assert incidents.history.schema == pl.Schema(HISTORY_SCHEMA)
    assert incidents.source_timestamps["max_updated_at"] == datetime(2026, 2, 11, 12,
                                                                     tzinfo=UTC)


def test_naive_dates_are_local_to_the_given_time_zone(fixture_path):
    result = importers.parse(fixture_path("servicenow_incident_list.csv"),
                             timezone="Europe/Amsterdam")
    assert ticket(result, "INC0010001")["opened_at"] == datetime(2026, 2, 2, 7, 14, 5,
                                                                 tzinfo=UTC)


def test_the_export_stopped_marker_row_is_rejected_with_a_warning(fixture_path):
    result = importers.parse(fixture_path("servicenow_incident_list_cut.csv"))
    assert result.tickets.height == 4
    assert (result.rows_read, result.rows_rejected) == (5, 1)
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("the export was cut: row 6")


HEADER = "number,short_description,opened_at,priority,state\n"


def write(tmp_path, text: str, name: str = "incident.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def numbered_rows(count: int) -> str:
    return "".join(f"INC{i:07d},Printer,2026-02-02 08:00:00,4 - Low,New\n"
                   for i in range(count))


@pytest.mark.parametrize(("count", "warned"), [(9_999, False), (10_000, True),
                                               (10_001, False)])
def test_exactly_ten_thousand_rows_warns_that_the_export_was_probably_cut(
        tmp_path, count, warned):
    result = importers.parse(write(tmp_path, HEADER + numbered_rows(count)))
    assert result.tickets.height == count
    assert any("10,000 rows" in w for w in result.warnings) is warned


def test_a_marker_after_ten_thousand_rows_gives_one_warning(tmp_path):
    path = write(tmp_path, HEADER + numbered_rows(10_000)
                 + '"Export stopped due to excessive size",,,,\n')
    result = importers.parse(path)
    assert (result.tickets.height, result.rows_read, result.rows_rejected) == (
        10_000, 10_001, 1)
    assert len(result.warnings) == 1 and "the export was cut" in result.warnings[0]


def test_a_missing_required_column_is_named(tmp_path):
    path = write(tmp_path, "number,short_description,opened_at,priority\n"
                 "INC1,Printer,2026-02-02 08:00:00,4 - Low\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path, format="servicenow-csv")
    assert caught.value.column == "state"
    assert "required column 'state'" in caught.value.message


def test_a_bad_date_names_row_column_and_value(tmp_path):
    path = write(tmp_path, HEADER + "INC1,Printer,2026-02-02 08:00:00,4 - Low,New\n"
                 "INC2,Scanner,2026-13-02 08:00:00,4 - Low,New\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (3, "opened_at")
    assert "'2026-13-02 08:00:00'" in caught.value.message


def test_a_duplicated_header_is_merged_and_disagreements_are_a_warning(tmp_path):
    path = write(tmp_path, "number,priority,opened_at,priority,state\n"
                 "INC1,4 - Low,2026-02-02 08:00:00,3 - Moderate,New\n"
                 "INC2,,2026-02-02 08:00:00,3 - Moderate,New\n")
    result = importers.parse(path)
    assert result.tickets["priority"].to_list() == [4, 3]
    assert result.warnings == [
        "the column 'priority' appears 2 times (columns 2 and 4) and 1 row(s) hold different "
        "values in the copies; the first non-empty value was used (first in row 2: '4 - Low' / "
        "'3 - Moderate')"]
    unused = write(tmp_path, "number,u_note,opened_at,u_note,state\n"
                   "INC1,a,2026-02-02 08:00:00,b,New\n", name="unused.csv")
    assert importers.parse(unused).tickets.height == 1


def test_a_header_without_rows_is_an_error(tmp_path):
    with pytest.raises(ImportFileError, match="has a header but no data rows"):
        importers.parse(write(tmp_path, HEADER))


def test_an_unknown_state_is_rejected_naming_row_column_and_label(tmp_path):
    path = write(tmp_path, HEADER + "INC1,Printer,2026-02-02 08:00:00,4 - Low,New\n"
                 "INC2,Scanner,2026-02-02 09:00:00,4 - Low,Parked\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (3, "state")
    assert "unknown state 'Parked'" in caught.value.message


def test_a_mapping_can_name_an_unknown_state(tmp_path):
    path = write(tmp_path, HEADER + "INC2,Scanner,2026-02-02 09:00:00,4 - Low,Parked\n")
    result = importers.parse(path, mapping={"values": {"state": {"parked": "on_hold"}}})
    assert result.format == "servicenow-csv"
    assert result.tickets["state"].to_list() == ["on_hold"]
    assert result.tickets["state_raw"].to_list() == ["Parked"]


def test_a_mapping_with_columns_is_refused_by_a_built_in_format(tmp_path):
    path = write(tmp_path, HEADER + "INC2,Scanner,2026-02-02 09:00:00,4 - Low,New\n")
    with pytest.raises(ImportFileError, match="only the 'mapped-csv' format uses"):
        importers.parse(path, format="servicenow-csv",
                        mapping={"source": "x", "columns": {"external_id": "number"}})


def test_unknown_priorities_are_left_empty_with_a_warning(tmp_path):
    path = write(tmp_path, HEADER + "INC1,Printer,2026-02-02 08:00:00,Sev A,New\n"
                 "INC2,Printer,2026-02-02 08:00:00,Sev A,New\n")
    result = importers.parse(path)
    assert result.tickets["priority"].to_list() == [None, None]
    assert result.tickets["priority_raw"].to_list() == ["Sev A", "Sev A"]
    assert result.warnings == ["priority labels not recognised, left without a priority: "
                               "'Sev A' (2 rows); map them in a mapping file "
                               "([values.priority])"]


def test_a_repeated_number_keeps_its_last_row(tmp_path):
    path = write(tmp_path, HEADER + "INC1,Printer,2026-02-02 08:00:00,4 - Low,New\n"
                 "INC2,Scanner,2026-02-02 09:00:00,4 - Low,New\n"
                 "INC1,Printer,2026-02-02 08:00:00,4 - Low,Resolved\n")
    result = importers.parse(path)
    assert result.tickets.select("external_id", "state", "source_row").rows() == [
        ("INC2", "new", 3), ("INC1", "resolved", 4)]
    assert (result.rows_read, result.rows_rejected) == (3, 1)
    assert "1 row(s) repeat a ticket number" in result.warnings[0]


def test_an_empty_number_is_an_error(tmp_path):
    path = write(tmp_path, HEADER + " ,Printer,2026-02-02 08:00:00,4 - Low,New\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (2, "number")


def test_numeric_states_and_other_task_tables(tmp_path):
    path = write(tmp_path, "number,opened_at,state,sys_class_name\n"
                 "RITM0001,2026-02-02 08:00:00,1,sc_req_item\n"
                 "CHG0002,2026-02-02 08:00:00,3,change_request\n"
                 "PRB0003,2026-02-02 08:00:00,7,problem\n"
                 "INC0004,2026-02-02 08:00:00,8,\n")
    tickets = importers.parse(path).tickets
    assert tickets.select("kind", "state").rows() == [
        ("request", "new"), ("change", "on_hold"), ("problem", "closed"),
        ("incident", "canceled")]


def test_excel_encoding_semicolons_and_blank_rows_are_handled(tmp_path):
    text = ("number;caller_id;opened_at;state\n"
            "INC1;José Álvarez;2026-02-02 08:00:00;New\n"
            ";;;\n"
            "INC2;Zoë;2026-02-02 09:00:00;New\n")
    result = importers.parse(write(tmp_path, text, encoding="cp1252"))
    assert result.tickets["requester_name"].to_list() == ["José Álvarez", "Zoë"]
    assert result.tickets["source_row"].to_list() == [2, 4]
    assert (result.rows_read, result.rows_rejected) == (3, 1)
    assert any("not UTF-8" in w for w in result.warnings)
    assert "1 empty row(s) skipped" in result.warnings


def test_a_row_with_too_many_values_is_named(tmp_path):
    path = write(tmp_path, HEADER + "INC1,Printer,2026-02-02 08:00:00,4 - Low,New\n"
                 "INC2,Printer, jammed,2026-02-02 08:00:00,4 - Low,New\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert caught.value.row == 3
    assert "6 values but the header has 5 columns" in caught.value.message


def test_a_bad_count_is_named(tmp_path):
    path = write(tmp_path, "number,opened_at,state,reassignment_count\n"
                 "INC1,2026-02-02 08:00:00,New,2\nINC2,2026-02-02 08:00:00,New,-1\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (3, "reassignment_count")
