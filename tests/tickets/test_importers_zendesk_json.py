"""Zendesk tickets with metrics, as the REST API returns them (JSON)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.tickets import importers


def ticket(result, external_id: str) -> dict:
    return result.tickets.row(by_predicate=pl.col("external_id") == external_id, named=True)


@pytest.fixture
def zendesk(fixture_path):
    return importers.parse(fixture_path("zendesk_tickets.json"))


@pytest.fixture
def payload(fixture_path) -> dict:
    return json.loads(fixture_path("zendesk_tickets.json").read_text())


def test_it_reads_tickets_with_side_loads_and_metrics(zendesk):
    assert (zendesk.format, zendesk.source) == ("zendesk-json", "zendesk")
    assert (zendesk.tickets.height, zendesk.rows_read, zendesk.rows_rejected) == (11, 11, 0)
    assert zendesk.warnings == []
    row = ticket(zendesk, "5101")
    assert row == {
        "external_id": "5101", "kind": "incident",
        "title": "Scanner guns drop Wi-Fi in aisle 12", "priority": 2,
        "priority_raw": "high", "state": "resolved", "state_raw": "solved",
        "category": None, "requester_email": "marco.rossi@acme-logistics.example",
        "requester_name": "Marco Rossi", "requester_location": None,
        "requester_company": "Rotterdam Warehouse", "requester_department": None,
        "assignment_group": "Network", "assigned_to": "Priya Raman",
        "business_service": None,
        "opened_at": datetime(2026, 2, 25, 21, 17, 5, tzinfo=UTC),
        "first_response_at": datetime(2026, 2, 25, 21, 39, 5, tzinfo=UTC),  # +22 min
        "resolved_at": datetime(2026, 2, 26, 7, 55, 40, tzinfo=UTC),
        "closed_at": None, "reassignment_count": 0, "reopen_count": 0,
        "feedback_rating": 10, "requester_id": "372001",
        # Zendesk's own durations: calendar and business minutes, kept apart.
        "source_response_seconds": 22 * 60, "source_response_business_seconds": 0,
        "source_resolution_seconds": 638 * 60, "source_resolution_business_seconds": 115 * 60,
        "source_response_breached": None, "source_resolution_breached": None,
        "source_row": 1,
    }
    assert zendesk.has_first_response
    assert "first-reply time" in zendesk.details["first_response_from"]


def test_zendesk_values_are_normalised(zendesk):
    urgent = ticket(zendesk, "5104")
    assert (urgent["priority"], urgent["state"], urgent["feedback_rating"]) == (1, "closed", 0)
    assert urgent["closed_at"] == datetime(2026, 3, 4, 6, 30, tzinfo=UTC)  # locked at close
    assert (urgent["reopen_count"], urgent["reassignment_count"]) == (1, 1)
    untyped = ticket(zendesk, "5105")
    assert (untyped["kind"], untyped["state"], untyped["assignment_group"]) == (
        "incident", "new", None)
    assert untyped["first_response_at"] is None
    states = dict(zendesk.tickets.select("state_raw", "state").unique().iter_rows())
    assert states == {"new": "new", "open": "in_progress", "pending": "on_hold",
                      "hold": "on_hold", "solved": "resolved", "closed": "closed"}
    kinds = dict(zendesk.tickets.select("external_id", "kind").iter_rows())
    assert (kinds["5102"], kinds["5103"], kinds["5107"]) == ("request", "request", "problem")
    assert ticket(zendesk, "5111")["priority"] is None
    assert ticket(zendesk, "5108")["reassignment_count"] == 2  # three groups


def test_side_loaded_ticket_metrics_give_the_same_tickets(zendesk, payload, tmp_path):
    metrics = [t.pop("metric_set") for t in payload["tickets"]]
    payload["ticket_metrics"] = metrics
    path = tmp_path / "zendesk.json"
    path.write_text(json.dumps(payload))
    assert importers.parse(path).tickets.equals(zendesk.tickets)


def test_a_bare_list_of_tickets_is_read_without_names(payload, tmp_path):
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps(payload["tickets"]))
    result = importers.parse(path)
    assert result.format == "zendesk-json"
    row = ticket(result, "5101")
    assert row["requester_email"] is None
    assert row["assignment_group"] == "360102"  # the id stands in for the missing name
    assert row["requester_id"] == "372001"  # kept, so a rule can place the requester
    assert row["source_resolution_business_seconds"] == 115 * 60


def write(tmp_path, document) -> object:
    path = tmp_path / "zendesk.json"
    path.write_text(json.dumps(document))
    return path


TICKET = {"id": 1, "type": "incident", "subject": "Printer", "priority": "normal",
          "status": "open", "requester_id": 7, "created_at": "2026-02-25T22:17:05Z",
          "updated_at": "2026-02-25T23:00:00Z"}


def test_a_bad_timestamp_names_the_ticket_and_field(tmp_path):
    path = write(tmp_path, {"tickets": [TICKET, {**TICKET, "id": 2,
                                                 "created_at": "25/02/2026 22:17"}]})
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (2, "created_at")
    assert "'25/02/2026 22:17'" in caught.value.message


def test_a_ticket_without_created_at_is_an_error(tmp_path):
    path = write(tmp_path, {"tickets": [TICKET, {**TICKET, "id": 2, "created_at": None}]})
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (2, "created_at")
    assert "opening date is empty" in caught.value.message


def test_a_repeated_ticket_keeps_its_last_version(tmp_path):
    path = write(tmp_path, {"tickets": [TICKET, {**TICKET, "status": "solved"}]})
    result = importers.parse(path)
    assert result.tickets.select("external_id", "state").rows() == [("1", "resolved")]
    assert result.rows_rejected == 1


def test_an_unknown_status_is_rejected(tmp_path):
    path = write(tmp_path, {"tickets": [{**TICKET, "status": "archived-ish"}]})
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (1, "status")


def test_malformed_json_and_shapes_are_errors(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"tickets": [{"id": 1,')
    with pytest.raises(ImportFileError, match="not valid JSON"):
        importers.parse(broken)
    with pytest.raises(ImportFileError, match="no 'tickets' list"):
        importers.parse(write(tmp_path, {"tickets": "none"}))
    with pytest.raises(ImportFileError) as caught:
        importers.parse(write(tmp_path, {"tickets": [TICKET, "oops"]}))
    assert caught.value.row == 2


def test_an_empty_ticket_list_is_an_error(tmp_path):
    with pytest.raises(ImportFileError, match="the file holds no tickets"):
        importers.parse(write(tmp_path, {"tickets": [], "users": []}))
