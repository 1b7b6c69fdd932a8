"""Freshservice ticket export (CSV)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.tickets import importers


def ticket(result, external_id: str) -> dict:
    return result.tickets.row(by_predicate=pl.col("external_id") == external_id, named=True)


@pytest.fixture
def fresh(fixture_path):
    return importers.parse(fixture_path("freshservice_tickets.csv"), timezone="Europe/Amsterdam")


def test_it_reads_a_ticket_export(fresh):
    assert (fresh.format, fresh.source) == ("freshservice-csv", "freshservice")
    assert (fresh.tickets.height, fresh.rows_read, fresh.rows_rejected) == (10, 10, 0)
    assert fresh.warnings == []
    row = ticket(fresh, "INC-1042")
    assert row == {
        "external_id": "INC-1042", "kind": "incident",
        "title": "Scanner guns drop Wi-Fi in aisle 12", "priority": 2,
        "priority_raw": "High", "state": "resolved", "state_raw": "Resolved",
        "category": "Network", "requester_email": "marco.rossi@acme-logistics.example",
        "requester_name": "Marco Rossi", "requester_location": None,
        "requester_company": None, "requester_department": "Operations",
        "assignment_group": "Network Team", "assigned_to": "Priya Raman",
        "business_service": None,
        "opened_at": datetime(2026, 2, 25, 21, 17, 5, tzinfo=UTC),
        "first_response_at": datetime(2026, 2, 25, 21, 39, 11, tzinfo=UTC),
        "resolved_at": datetime(2026, 2, 26, 7, 55, 40, tzinfo=UTC),
        "closed_at": None, "reassignment_count": 0, "reopen_count": 0,
        "feedback_rating": None, "requester_id": None,
        # Freshservice's durations are business hours under the SLA policy; no calendar ones.
        "source_response_seconds": None, "source_resolution_seconds": None,
        "source_response_business_seconds": 22 * 60,
        "source_resolution_business_seconds": (60 + 55) * 60,
        "source_response_breached": False, "source_resolution_breached": False,
        "source_row": 2,
    }
    assert fresh.has_first_response


def test_the_sla_verdicts_are_kept(fresh):
    verdicts = {r[0]: r[1:] for r in fresh.tickets.select(
        "external_id", "source_response_breached", "source_resolution_breached").iter_rows()}
    assert verdicts["INC-1044"] == (True, True)      # "SLA Violated" twice
    assert verdicts["INC-1043"] == (False, None)     # still open: no resolution verdict


def test_freshservice_values_are_normalised(fresh):
    kinds = dict(fresh.tickets.select("external_id", "kind").iter_rows())
    assert kinds["SR-77"] == "request" and kinds["INC-1043"] == "incident"
    states = dict(fresh.tickets.select("state_raw", "state").unique().iter_rows())
    assert states == {"Open": "in_progress", "Pending": "on_hold", "Resolved": "resolved",
                      "Closed": "closed", "Awaiting Vendor": "on_hold"}
    priorities = dict(fresh.tickets.select("priority_raw", "priority").unique().iter_rows())
    assert priorities == {"Urgent": 1, "High": 2, "Medium": 3, "Low": 4}
    assert ticket(fresh, "SR-77")["closed_at"] == datetime(2026, 2, 28, 10, 30, tzinfo=UTC)


def test_reported_durations_accept_clock_and_decimal_hours(fresh):
    durations = {r[0]: r[1:] for r in fresh.tickets.select(
        "external_id", "source_response_business_seconds", "source_resolution_business_seconds")
        .iter_rows()}
    assert durations["INC-1044"] == (36 * 60, (2 * 60 + 14) * 60)   # "00:36", "2:14"
    assert durations["SR-79"] == (2 * 60, 30 * 3600)                # "30:00" hours
    assert durations["INC-1046"] == (288, 612)                      # "0.08", "0.17" hours
    assert durations["SR-78"] == (None, None)


HEADER = "Ticket Id,Subject,Status,Priority,Type,Created Time,Resolved Time\n"


def write(tmp_path, text: str):
    path = tmp_path / "tickets.csv"
    path.write_text(text)
    return path


def test_hash_prefixed_ids_and_kinds_from_the_prefix(tmp_path):
    path = write(tmp_path, HEADER + "#INC-1,Printer,Open,Low,,2026-02-25 22:17:05,\n"
                 "#SR-2,Laptop,Open,Low,,2026-02-25 22:18:05,\n")
    tickets = importers.parse(path).tickets
    assert tickets.select("external_id", "kind").rows() == [("INC-1", "incident"),
                                                            ("SR-2", "request")]


def test_a_bad_date_names_row_column_and_value(tmp_path):
    path = write(tmp_path, HEADER + "INC-1,Printer,Resolved,Low,Incident,2026-02-25 22:17:05,"
                 "2026-02-26 08:00:00\nINC-2,Printer,Resolved,Low,Incident,"
                 "2026-02-25 22:17:05,2026-02-26 8h\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (3, "Resolved Time")


def test_a_missing_required_column_is_named(tmp_path):
    path = write(tmp_path, "Ticket Id,Subject,Priority,Created Time\n"
                 "INC-1,Printer,Low,2026-02-25 22:17:05\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path, format="freshservice-csv")
    assert caught.value.column == "Status"


def test_a_header_written_twice_is_merged(tmp_path):
    path = write(tmp_path, "Ticket Id,Subject,Status,Priority,Created Time,Created Time\n"
                 "INC-1,Printer,Open,Low,,2026-02-25 22:17:05\n")
    result = importers.parse(path)
    assert result.tickets["opened_at"].to_list() == [datetime(2026, 2, 25, 22, 17, 5, tzinfo=UTC)]
    assert result.warnings == []


def test_unreadable_durations_are_a_warning(tmp_path):
    path = write(tmp_path, "Ticket Id,Subject,Status,Priority,Created Time,"
                 "First Response Time (in hrs)\nINC-1,Printer,Open,Low,2026-02-25 22:17:05,"
                 "soon\n")
    result = importers.parse(path)
    assert result.tickets["source_response_business_seconds"].to_list() == [None]
    assert result.warnings == ["1 value(s) of 'First Response Time (in hrs)' are not hours "
                               "(first: 'soon' in row 2); they were ignored"]


def test_a_header_without_rows_is_an_error(tmp_path):
    with pytest.raises(ImportFileError, match="has a header but no data rows"):
        importers.parse(write(tmp_path, HEADER))
