"""Zendesk ticket export as CSV (the full export with metrics columns)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.tickets import importers

COMPARED = ["external_id", "kind", "title", "priority", "state", "requester_email",
            "requester_name", "requester_company", "assignment_group", "assigned_to",
            "reassignment_count", "reopen_count", "feedback_rating",
            "requester_id", "source_response_seconds", "source_resolution_seconds",
            "source_response_business_seconds", "source_resolution_business_seconds"]
TIMES = ["opened_at", "first_response_at", "resolved_at", "closed_at"]


@pytest.fixture
def zendesk_csv(fixture_path):
    # The export's dates are in the account's time zone.
    return importers.parse(fixture_path("zendesk_tickets.csv"), timezone="Europe/Amsterdam")


def test_it_reads_the_full_csv_export(zendesk_csv):
    assert (zendesk_csv.format, zendesk_csv.source) == ("zendesk-csv", "zendesk")
    assert (zendesk_csv.tickets.height, zendesk_csv.rows_read) == (11, 11)
    assert zendesk_csv.warnings == []
    row = zendesk_csv.tickets.row(0, named=True)
    assert row["external_id"] == "5101"
    assert row["opened_at"] == datetime(2026, 2, 25, 21, 17, tzinfo=UTC)
    assert row["first_response_at"] == datetime(2026, 2, 25, 21, 39, tzinfo=UTC)
    assert row["category"] == "Network"
    assert row["source_row"] == 2


def test_it_agrees_with_the_json_export_of_the_same_tickets(zendesk_csv, fixture_path):
    from_json = importers.parse(fixture_path("zendesk_tickets.json")).tickets
    from_csv = zendesk_csv.tickets
    assert from_csv.select(COMPARED).equals(from_json.select(COMPARED))
    # The CSV export has minute precision.
    assert from_csv.select(TIMES).equals(
        from_json.select(pl.col(TIMES).dt.truncate("1m")))


def test_csv_labels_are_normalised(zendesk_csv):
    states = dict(zendesk_csv.tickets.select("state_raw", "state").unique().iter_rows())
    assert states == {"New": "new", "Open": "in_progress", "Pending": "on_hold",
                      "On-hold": "on_hold", "Solved": "resolved", "Closed": "closed"}
    # "-" is how the export writes an empty priority or type.
    last = zendesk_csv.tickets.row(-1, named=True)
    assert (last["priority"], last["priority_raw"]) == (None, None)


HEADER = "Id,Requester,Status,Priority,Ticket type,Created at,Updated at\n"


def write(tmp_path, text: str):
    path = tmp_path / "export.csv"
    path.write_text(text)
    return path


def test_a_bad_date_names_row_column_and_value(tmp_path):
    path = write(tmp_path, HEADER + "1,Ann,Open,Normal,Incident,2026-02-25 22:17,"
                 "2026-02-25 22:30\n2,Bob,Open,Normal,Incident,2026-02-25 22:17,tomorrow\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (3, "Updated at")
    assert "'tomorrow'" in caught.value.message


def test_a_missing_required_column_is_named(tmp_path):
    path = write(tmp_path, "Id,Requester,Priority,Created at,Updated at\n"
                 "1,Ann,Normal,2026-02-25 22:17,2026-02-25 22:30\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path, format="zendesk-csv")
    assert caught.value.column == "Status"


def test_a_header_written_twice_is_merged(tmp_path):
    path = write(tmp_path, "Id,Requester,Status,Status,Created at,Updated at\n"
                 "1,Ann,Open,Open,2026-02-25 22:17,2026-02-25 22:30\n")
    result = importers.parse(path)
    assert result.tickets["state"].to_list() == ["in_progress"]
    assert result.warnings == []


def test_a_bad_metric_names_row_and_column(tmp_path):
    path = write(tmp_path, "Id,Requester,Status,Created at,Updated at,Reopens\n"
                 "1,Ann,Open,2026-02-25 22:17,2026-02-25 22:30,two\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (2, "Reopens")


def test_a_header_without_rows_is_an_error(tmp_path):
    with pytest.raises(ImportFileError, match="has a header but no data rows"):
        importers.parse(write(tmp_path, HEADER))
