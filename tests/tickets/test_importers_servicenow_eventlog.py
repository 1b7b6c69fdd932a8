"""ServiceNow incident event log (one row per update), checked against the real sample.

Expected figures are computed from the raw file with Python's csv module and
datetime.strptime, independently of the importer.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, datetime

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.tickets import importers


def when(text: str) -> datetime:
    return datetime.strptime(text, "%d-%m-%Y %H:%M").replace(tzinfo=UTC)


def ticket(result, external_id: str) -> dict:
    return result.tickets.row(by_predicate=pl.col("external_id") == external_id, named=True)


def events_by_incident(path) -> dict[str, list[dict]]:
    """Events per incident in time order (file order breaks ties), from the raw CSV."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_number: dict[str, list[dict]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_number[row["number"]].append({**row, "_index": index})
    for events in by_number.values():
        events.sort(key=lambda e: (when(e["sys_updated_at"]), e["_index"]))
    return by_number


@pytest.fixture
def sample(shared_event_log):
    return importers.parse(shared_event_log), events_by_incident(shared_event_log)


def test_the_shared_sample_gives_890_incidents_from_5998_events(sample):
    result, raw = sample
    assert result.format == "servicenow-eventlog"
    assert result.source == "servicenow"
    assert result.rows_read == 5998
    assert result.rows_rejected == 0
    assert result.warnings == []
    assert result.tickets.height == len(raw) == 890
    assert set(result.tickets["external_id"]) == set(raw)
    assert set(result.tickets["kind"]) == {"incident"}


def test_opened_at_is_read_day_first_in_utc(sample):
    result, _ = sample
    row = ticket(result, "INC0000045")
    assert row["opened_at"] == datetime(2016, 2, 29, 1, 16, tzinfo=UTC)
    assert row["resolved_at"] == datetime(2016, 2, 29, 11, 29, tzinfo=UTC)
    assert row["closed_at"] == datetime(2016, 3, 5, 12, 0, tzinfo=UTC)
    assert row["first_response_at"] == datetime(2016, 2, 29, 8, 53, tzinfo=UTC)
    assert row["priority"] == 3 and row["priority_raw"] == "3 - Moderate"
    assert row["requester_name"] == "Caller 2403"
    assert row["requester_location"] == "Location 143"
    assert row["assignment_group"] == "Group 56"
    assert row["category"] == "Category 55"
    assert row["business_service"] is None  # cmdb_ci is "?"
    assert row["source_row"] == 5  # its last event


def test_the_ticket_takes_its_last_events_state_and_counts(sample):
    result, raw = sample
    last = {number: events[-1] for number, events in raw.items()}
    closed = sum(1 for e in last.values() if e["incident_state"] == "Closed")
    assert result.tickets.filter(state_raw="Closed").height == closed == 890
    got = {r["external_id"]: r for r in result.tickets.iter_rows(named=True)}
    for number, event in last.items():
        assert got[number]["state_raw"] == event["incident_state"]
        assert got[number]["reassignment_count"] == int(event["reassignment_count"])
        assert got[number]["reopen_count"] == int(event["reopen_count"])
        assert got[number]["priority_raw"] == event["priority"]


def test_first_response_is_the_first_update_out_of_new(sample):
    result, raw = sample
    expected = {}
    for number, events in raw.items():
        first = next((e for e in events if e["incident_state"] != "New"), None)
        expected[number] = when(first["sys_updated_at"]) if first else None
    got = dict(result.tickets.select("external_id", "first_response_at").iter_rows())
    assert got == expected
    # By hand: INC0000047 is New at 04:57 and Active at 05:30 on 29 February 2016.
    assert got["INC0000047"] == datetime(2016, 2, 29, 5, 30, tzinfo=UTC)


def test_resolved_at_falls_back_to_when_the_state_last_became_resolved(sample):
    result, raw = sample
    got = dict(result.tickets.select("external_id", "resolved_at").iter_rows())
    missing = [n for n, events in raw.items() if events[-1]["resolved_at"] == "?"]
    assert len(missing) == 29
    for number in missing:
        events = raw[number]
        became = [e for i, e in enumerate(events) if e["incident_state"] == "Resolved"
                  and (i == 0 or events[i - 1]["incident_state"] != "Resolved")]
        assert got[number] == when(became[-1]["sys_updated_at"])
    for number, events in raw.items():
        if events[-1]["resolved_at"] != "?":
            assert got[number] == when(events[-1]["resolved_at"])


def test_history_has_one_row_per_state_change(sample):
    result, raw = sample
    expected = []
    for number in sorted(raw):
        previous = None
        for event in raw[number]:
            if event["incident_state"] != previous:
                expected.append((number, when(event["sys_updated_at"]),
                                 event["incident_state"]))
            previous = event["incident_state"]
    got = [(n, at, raw_state) for n, at, _, raw_state in
           result.history.sort(["external_id", "at"], maintain_order=True).iter_rows()]
    assert got == expected
    assert set(result.history["state"]) == {"new", "in_progress", "on_hold", "resolved",
                                            "closed"}


def test_a_time_zone_shifts_every_timestamp(shared_event_log):
    result = importers.parse(shared_event_log, timezone="Europe/Amsterdam")
    row = ticket(result, "INC0000045")
    assert row["opened_at"] == datetime(2016, 2, 29, 0, 16, tzinfo=UTC)


def test_the_head_fixture_matches_the_sample_by_hand(fixture_path):
    result = importers.parse(fixture_path("servicenow_eventlog_head.csv"))
    assert result.tickets["external_id"].to_list() == [
        "INC0000045", "INC0000047", "INC0000057", "INC0000060", "INC0000062", "INC0000063"]
    history = result.history.filter(external_id="INC0000047")
    assert [(at.strftime("%d %H:%M"), raw) for _, at, _, raw in history.iter_rows()] == [
        ("29 04:57", "New"), ("29 05:30", "Active"), ("01 09:14", "Awaiting User Info"),
        ("01 09:52", "Resolved"), ("06 10:00", "Closed")]
    assert history["state"].to_list() == ["new", "in_progress", "on_hold", "resolved",
                                          "closed"]
    # INC0000057 went from New straight to Resolved at 02:55 on 1 March.
    row = ticket(result, "INC0000057")
    assert row["first_response_at"] == datetime(2016, 3, 1, 2, 55, tzinfo=UTC)


HEADER = ("number,incident_state,reassignment_count,reopen_count,caller_id,opened_at,"
          "sys_updated_at,priority,assignment_group,resolved_at,closed_at\n")


def write_log(tmp_path, *lines: str, header: str = HEADER):
    path = tmp_path / "events.csv"
    path.write_text(header + "".join(line + "\n" for line in lines))
    return path


def test_reopened_never_answered_and_out_of_order_incidents(tmp_path):
    path = write_log(
        tmp_path,
        # INC1 is resolved, reopened and resolved again; resolved_at is never filled in.
        "INC1,New,0,0,Caller 1,01-03-2016 08:00,01-03-2016 08:05,3 - Moderate,Group 1,?,?",
        "INC1,Active,0,0,Caller 1,01-03-2016 08:00,01-03-2016 09:00,3 - Moderate,Group 1,?,?",
        "INC1,Resolved,0,0,Caller 1,01-03-2016 08:00,01-03-2016 10:00,3 - Moderate,Group 1,?,?",
        "INC1,Active,0,1,Caller 1,01-03-2016 08:00,02-03-2016 08:00,2 - High,Group 2,?,?",
        "INC1,Resolved,1,1,Caller 1,01-03-2016 08:00,02-03-2016 12:00,2 - High,Group 2,?,?",
        "INC1,Closed,1,1,Caller 1,01-03-2016 08:00,07-03-2016 12:00,2 - High,Group 2,?,"
        "07-03-2016 12:00",
        # INC2 never left New.
        "INC2,New,0,0,Caller 2,01-03-2016 09:00,01-03-2016 09:01,4 - Low,?,?,?",
        # INC3's events are out of order in the file; the 10:00 ones tie.
        "INC3,Awaiting Vendor,0,0,Caller 3,01-03-2016 09:30,01-03-2016 11:00,3 - Moderate,"
        "Group 1,?,?",
        "INC3,New,0,0,Caller 3,01-03-2016 09:30,01-03-2016 09:31,3 - Moderate,Group 1,?,?",
        "INC3,Active,0,0,Caller 3,01-03-2016 09:30,01-03-2016 10:00,3 - Moderate,Group 1,?,?",
        "INC3,Awaiting User Info,0,0,Caller 3,01-03-2016 09:30,01-03-2016 10:00,"
        "3 - Moderate,Group 1,?,?",
        # INC4 was resolved but is active again: it is not resolved now.
        "INC4,Resolved,0,0,Caller 4,01-03-2016 07:00,01-03-2016 07:30,3 - Moderate,Group 1,?,?",
        "INC4,Active,0,1,Caller 4,01-03-2016 07:00,01-03-2016 09:00,3 - Moderate,Group 1,?,?",
    )
    result = importers.parse(path)
    tickets = {r["external_id"]: r for r in result.tickets.iter_rows(named=True)}
    assert tickets["INC1"]["resolved_at"] == datetime(2016, 3, 2, 12, tzinfo=UTC)
    assert tickets["INC1"]["first_response_at"] == datetime(2016, 3, 1, 9, tzinfo=UTC)
    assert tickets["INC1"]["state"] == "closed"
    assert tickets["INC1"]["priority"] == 2
    assert tickets["INC1"]["assignment_group"] == "Group 2"
    assert (tickets["INC1"]["reassignment_count"], tickets["INC1"]["reopen_count"]) == (1, 1)
    assert tickets["INC1"]["closed_at"] == datetime(2016, 3, 7, 12, tzinfo=UTC)
    assert tickets["INC2"]["first_response_at"] is None
    assert tickets["INC2"]["state"] == "new"
    assert tickets["INC2"]["assignment_group"] is None
    assert tickets["INC3"]["state_raw"] == "Awaiting Vendor"
    assert tickets["INC3"]["source_row"] == 9  # the 11:00 event is its last
    assert tickets["INC3"]["first_response_at"] == datetime(2016, 3, 1, 10, tzinfo=UTC)
    assert tickets["INC4"]["resolved_at"] is None
    assert tickets["INC4"]["first_response_at"] == datetime(2016, 3, 1, 7, 30, tzinfo=UTC)
    history = result.history.filter(external_id="INC3")
    assert history["state_raw"].to_list() == ["New", "Active", "Awaiting User Info",
                                              "Awaiting Vendor"]
    assert result.history.filter(external_id="INC1")["state_raw"].to_list() == [
        "New", "Active", "Resolved", "Active", "Resolved", "Closed"]


def test_a_missing_required_column_is_named(tmp_path):
    header = HEADER.replace("opened_at,", "")
    path = write_log(tmp_path, "INC1,New,0,0,Caller 1,01-03-2016 08:05,3 - Moderate,G,?,?",
                     header=header)
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert caught.value.column == "opened_at"
    assert "required column 'opened_at' is missing" in caught.value.message


def test_a_bad_date_names_row_column_and_value(tmp_path):
    path = write_log(
        tmp_path,
        "INC1,New,0,0,Caller 1,01-03-2016 08:00,01-03-2016 08:05,3 - Moderate,G,?,?",
        "INC1,Active,0,0,Caller 1,01-03-2016 08:00,31-02-2016 09:00,3 - Moderate,G,?,?")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (3, "sys_updated_at")
    assert "'31-02-2016 09:00'" in caught.value.message
    assert str(caught.value).startswith("events.csv, row 3, column 'sys_updated_at': ")


def test_an_empty_update_time_is_an_error(tmp_path):
    path = write_log(tmp_path,
                     "INC1,New,0,0,Caller 1,01-03-2016 08:00,?,3 - Moderate,G,?,?")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (2, "sys_updated_at")


def test_a_duplicated_header_is_merged(tmp_path):
    header = HEADER.replace("priority,", "incident_state,")
    path = write_log(tmp_path,
                     "INC1,New,0,0,Caller 1,01-03-2016 08:00,01-03-2016 08:05,New,G,?,?",
                     header=header)
    result = importers.parse(path)
    assert result.tickets["state_raw"].to_list() == ["New"]
    assert result.warnings == []


def test_an_unknown_state_names_row_column_and_label(tmp_path):
    path = write_log(
        tmp_path,
        "INC1,New,0,0,Caller 1,01-03-2016 08:00,01-03-2016 08:05,3 - Moderate,G,?,?",
        "INC1,Parked,0,0,Caller 1,01-03-2016 08:00,01-03-2016 08:06,3 - Moderate,G,?,?")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (3, "incident_state")
    assert "unknown state 'Parked'" in caught.value.message
    assert '[values.state] "Parked" = "in_progress"' in caught.value.message


def test_a_bad_count_names_row_and_column(tmp_path):
    path = write_log(
        tmp_path, "INC1,New,zero,0,Caller 1,01-03-2016 08:00,01-03-2016 08:05,3 - Moderate,G,?,?")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (2, "reassignment_count")
    assert "'zero' is not a count" in caught.value.message


def test_a_header_without_events_is_an_error(tmp_path):
    with pytest.raises(ImportFileError, match="has a header but no data rows"):
        importers.parse(write_log(tmp_path))
