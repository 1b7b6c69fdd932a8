"""Any CSV through a mapping file (TOML or JSON)."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.tickets import importers


def ticket(result, external_id: str) -> dict:
    return result.tickets.row(by_predicate=pl.col("external_id") == external_id, named=True)


@pytest.fixture
def mapping(fixture_path) -> dict:
    return tomllib.loads(fixture_path("topdesk_mapping.toml").read_text())


@pytest.fixture
def topdesk(fixture_path):
    return importers.parse(fixture_path("topdesk_calls.csv"),
                           mapping=fixture_path("topdesk_mapping.toml"),
                           timezone="Europe/Amsterdam")


def test_a_mapping_reads_a_csv_from_any_tool(topdesk):
    assert (topdesk.format, topdesk.source) == ("mapped-csv", "topdesk")
    assert (topdesk.tickets.height, topdesk.rows_read, topdesk.rows_rejected) == (10, 10, 0)
    assert topdesk.warnings == []
    row = ticket(topdesk, "M2602 004")
    assert row == {
        "external_id": "M2602 004", "kind": "incident",
        "title": "Order management system down", "priority": 1,
        "priority_raw": "P1 - Critical", "state": "closed", "state_raw": "Closed",
        "category": "Applications", "requester_email": "marco.rossi@acme-logistics.example",
        "requester_name": "Marco Rossi", "requester_location": "Rotterdam Warehouse",
        "requester_company": None, "requester_department": "Operations",
        "assignment_group": "Applications", "assigned_to": "Priya Raman",
        "business_service": None,
        "opened_at": datetime(2026, 2, 27, 5, 58, tzinfo=UTC),
        "first_response_at": datetime(2026, 2, 27, 6, 34, tzinfo=UTC),
        "resolved_at": datetime(2026, 2, 27, 8, 12, tzinfo=UTC),
        "closed_at": datetime(2026, 3, 1, 8, 12, tzinfo=UTC),
        "reassignment_count": 1, "reopen_count": 0, "feedback_rating": 2, "requester_id": None,
        "source_response_seconds": 0, "source_resolution_seconds": 12 * 60,
        "source_response_business_seconds": None, "source_resolution_business_seconds": None,
        "source_response_breached": None, "source_resolution_breached": None,
        "source_row": 5,
    }


def test_value_maps_win_over_built_in_rules(topdesk):
    states = dict(topdesk.tickets.select("state_raw", "state").unique().iter_rows())
    assert states == {"Completed": "resolved", "Closed": "closed", "Logged": "new",
                      "Waiting for user": "on_hold", "In progress": "in_progress",
                      "Cancelled": "canceled", "Escalated to supplier": "in_progress",
                      "Waiting for supplier": "on_hold"}
    kinds = dict(topdesk.tickets.select("external_id", "kind").iter_rows())
    assert (kinds["M2602 001"], kinds["M2602 002"], kinds["M2603 008"]) == (
        "incident", "request", "request")
    assert ticket(topdesk, "M2603 010")["priority"] == 5  # "P5 - Planned" by the map
    assert ticket(topdesk, "M2603 006")["requester_name"] == "José Álvarez"


def test_a_json_mapping_or_a_dict_reads_the_same(fixture_path, mapping, topdesk, tmp_path):
    path = tmp_path / "topdesk.json"
    path.write_text(json.dumps(mapping))
    from_json = importers.parse(fixture_path("topdesk_calls.csv"), mapping=path,
                                timezone="Europe/Amsterdam")
    from_dict = importers.parse(fixture_path("topdesk_calls.csv"), mapping=mapping,
                                timezone="Europe/Amsterdam")
    assert from_json.tickets.equals(topdesk.tickets)
    assert from_dict.tickets.equals(topdesk.tickets)


def test_without_a_mapping_the_format_refuses(fixture_path):
    with pytest.raises(ImportFileError, match="needs a mapping file"):
        importers.parse(fixture_path("topdesk_calls.csv"), format="mapped-csv")


def test_a_mapping_must_name_the_source_and_required_columns(fixture_path, mapping):
    csv_path = fixture_path("topdesk_calls.csv")
    without_source = {k: v for k, v in mapping.items() if k != "source"}
    with pytest.raises(ImportFileError, match="'source' is required"):
        importers.parse(csv_path, mapping=without_source)
    columns = {k: v for k, v in mapping["columns"].items() if k != "state"}
    with pytest.raises(ImportFileError, match=r"\[columns\] must name the 'state' column"):
        importers.parse(csv_path, mapping={**mapping, "columns": columns})


def test_a_mapped_column_missing_from_the_file_is_named(fixture_path, mapping):
    columns = {**mapping["columns"], "business_service": "Service"}
    with pytest.raises(ImportFileError) as caught:
        importers.parse(fixture_path("topdesk_calls.csv"), mapping={**mapping,
                                                                    "columns": columns})
    assert caught.value.column == "Service"


def test_a_value_in_the_wrong_date_format_is_named(tmp_path, mapping):
    path = tmp_path / "calls.csv"
    path.write_text("Call number;Call date;Status\nM1;25-02-2026 22:17;Logged\n"
                    "M2;2026-02-25 22:17;Logged\n")
    small = {**mapping, "columns": {"external_id": "Call number", "opened_at": "Call date",
                                    "state": "Status"}}
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path, mapping=small)
    assert (caught.value.row, caught.value.column) == (3, "Call date")
    assert "(DD-MM-YYYY hh:mm)" in caught.value.message


def test_a_rating_above_ten_is_an_error(tmp_path, mapping):
    path = tmp_path / "calls.csv"
    path.write_text("Call number;Call date;Status;Rating\nM1;25-02-2026 22:17;Logged;11\n")
    small = {**mapping, "columns": {"external_id": "Call number", "opened_at": "Call date",
                                    "state": "Status", "feedback_rating": "Rating"}}
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path, mapping=small)
    assert (caught.value.row, caught.value.column) == (2, "Rating")


def test_encoding_delimiter_and_null_values_come_from_the_mapping(tmp_path):
    path = tmp_path / "calls.txt"
    path.write_bytes("Ref|Logged|State|Caller\nA-1|2026-02-25 22:17:00|Open|Zoë\n"
                     "A-2|2026-02-25 23:00:00|Open|N/A\n".encode("latin-1"))
    result = importers.parse(path, mapping={
        "source": "homegrown", "delimiter": "|", "encoding": "latin-1",
        "null_values": ["N/A"],
        "columns": {"external_id": "Ref", "opened_at": "Logged", "state": "State",
                    "requester_name": "Caller"}})
    assert result.tickets["requester_name"].to_list() == ["Zoë", None]
    assert result.tickets["kind"].to_list() == ["incident", "incident"]
    assert result.warnings == []
