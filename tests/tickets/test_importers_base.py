"""Rules every ticket importer shares: labels, time zones, date formats, mapping files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teamalign.errors import ImportFileError
from teamalign.tickets import importers
from teamalign.ingest import dates
from teamalign.tickets.importers import mapping as mappings
from teamalign.tickets.importers import vocabulary

# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize(("label", "expected"), [
    ("1 - Critical", 1), ("2 - High", 2), ("3 - Moderate", 3), ("4 - Low", 4),
    ("5 - Planning", 5), ("P1", 1), ("p2 - urgent", 2), ("3", 3),
    ("Critical", 1), ("Urgent", 1), ("Highest", 1), ("High", 2), ("Medium", 3),
    ("Moderate", 3), ("Normal", 3), ("Low", 4), ("Lowest", 5), ("Planning", 5),
    ("urgent", 1), ("high", 2), ("normal", 3), ("low", 4),
    ("  High ", 2), ("Sev A", None), ("0 - Unset", None), ("9", None),
])
def test_priority_labels(label, expected):
    assert vocabulary.priority_of(label) == expected


@pytest.mark.parametrize(("label", "expected"), [
    ("New", "new"), ("new", "new"), ("To Do", "new"),
    ("Open", "in_progress"), ("open", "in_progress"), ("Active", "in_progress"),
    ("In Progress", "in_progress"), ("Work in Progress", "in_progress"),
    ("Assigned", "in_progress"), ("Waiting for support", "in_progress"),
    ("On Hold", "on_hold"), ("On-hold", "on_hold"), ("hold", "on_hold"),
    ("Pending", "on_hold"), ("pending", "on_hold"), ("Awaiting User Info", "on_hold"),
    ("Awaiting Problem", "on_hold"), ("Awaiting Vendor", "on_hold"),
    ("Awaiting Evidence", "on_hold"), ("Waiting for customer", "on_hold"),
    ("Pending Approval", "on_hold"),
    ("Resolved", "resolved"), ("Solved", "resolved"), ("solved", "resolved"),
    ("Done", "resolved"), ("Closed", "closed"), ("Closed Complete", "closed"),
    ("Canceled", "canceled"), ("Cancelled", "canceled"), ("Won't do", "canceled"),
    ("Declined", "canceled"), ("Closed Skipped", "canceled"),
    ("Frobnicating", None), ("", None),
])
def test_state_labels(label, expected):
    assert vocabulary.state_of(label) == expected


@pytest.mark.parametrize(("label", "expected"), [
    ("Incident", "incident"), ("[System] Incident", "incident"), ("incident", "incident"),
    ("Service Request", "request"), ("Service request with approvals", "request"),
    ("sc_req_item", "request"), ("Requested Item", "request"), ("question", "request"),
    ("task", "request"), ("Change Request", "change"), ("change_request", "change"),
    ("[System] Change", "change"), ("Problem", "problem"), ("Emailed request", None),
])
def test_kind_labels(label, expected):
    assert vocabulary.kind_of(label) == expected


def test_kinds_from_number_prefixes():
    numbers = pl.Series(["INC0010001", "RITM0001", "REQ0002", "SCTASK0003", "CHG0004",
                         "CTASK0005", "PRB0006", "PTASK0007", "SR-12", "INC-9", "X-1", None])
    assert vocabulary.kind_from_number(numbers).to_list() == [
        "incident", "request", "request", "request", "change", "change", "problem",
        "problem", "request", "incident", None, None]


# --------------------------------------------------------------------------- time zones


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def convert(values, zone):
    series = pl.Series(values, dtype=pl.Datetime("us"))
    return dates.to_utc(series, zone).to_list()


def test_naive_times_are_read_in_the_given_zone():
    assert convert([datetime(2026, 2, 2, 8, 14, 5)], "Europe/Amsterdam") == [
        utc(2026, 2, 2, 7, 14, 5)]
    assert convert([datetime(2026, 7, 2, 8, 14, 5)], "Europe/Amsterdam") == [
        utc(2026, 7, 2, 6, 14, 5)]


def test_a_time_in_a_dst_gap_moves_forward_to_the_change():
    # New York, 8 March 2026: clocks jump from 02:00 EST to 03:00 EDT (07:00 UTC).
    got = convert([datetime(2026, 3, 8, 1, 59), datetime(2026, 3, 8, 2, 0),
                   datetime(2026, 3, 8, 2, 30), datetime(2026, 3, 8, 3, 0),
                   datetime(2026, 3, 8, 3, 1)], "America/New_York")
    assert got == [utc(2026, 3, 8, 6, 59), utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 7, 0),
                   utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 7, 1)]


def test_a_half_hour_gap_and_a_skipped_day_are_handled():
    # Lord Howe Island moves clocks 30 minutes (02:00 → 02:30, UTC+11 after).
    assert convert([datetime(2026, 10, 4, 2, 10)], "Australia/Lord_Howe") == [
        utc(2026, 10, 3, 15, 30)]
    # Samoa skipped 30 December 2011 entirely.
    assert convert([datetime(2011, 12, 30, 10, 0)], "Pacific/Apia") == [
        datetime(2011, 12, 31, 0, 0, tzinfo=ZoneInfo("Pacific/Apia")).astimezone(UTC)]


def test_a_repeated_time_takes_the_first_occurrence():
    # New York, 1 November 2026: 01:30 happens at 05:30 UTC (EDT) and 06:30 UTC (EST).
    assert convert([datetime(2026, 11, 1, 1, 30)], "America/New_York") == [
        utc(2026, 11, 1, 5, 30)]


def test_aware_times_keep_their_offset():
    series = pl.Series(["2026-02-25T22:17:00+01:00", "2026-02-25T22:17:00Z"]).str.strptime(
        pl.Datetime("us"), dates.ISO_WITH_OFFSET)
    assert dates.to_utc(series, "America/New_York").to_list() == [
        utc(2026, 2, 25, 21, 17), utc(2026, 2, 25, 22, 17)]


ZONES = st.sampled_from(["Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe",
                         "America/Sao_Paulo", "UTC"])
LOCAL_TIMES = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31))


@settings(max_examples=200, deadline=None)
@given(naive=LOCAL_TIMES, zone=ZONES)
def test_local_times_become_the_instant_zoneinfo_gives(naive, zone):
    naive = naive.replace(fold=0)  # a file's text has no fold; hypothesis may draw fold=1
    got = convert([naive], zone)[0]
    tz = ZoneInfo(zone)
    aware = naive.replace(tzinfo=tz)  # fold=0: the first of a repeated time
    exists = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive
    if exists:
        assert got == aware.astimezone(UTC)
    else:  # inside a gap: the instant the clocks changed
        assert got.astimezone(tz).replace(tzinfo=None) > naive
        assert (got - timedelta(microseconds=1)).astimezone(tz).replace(tzinfo=None) < naive


@settings(max_examples=100, deadline=None)
@given(values=st.lists(LOCAL_TIMES, min_size=1, max_size=50), zone=ZONES)
def test_conversion_never_reorders_times(values, zone):
    got = convert(sorted(values), zone)
    assert got == sorted(got)


# --------------------------------------------------------------------------- date formats


HEADER = "number,opened_at,state\n"


def test_day_first_is_chosen_when_the_file_is_ambiguous(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(HEADER + "INC1,03-04-2026 10:00:00,New\nINC2,05-06-2026 11:00:00,New\n")
    tickets = importers.parse(path).tickets
    assert tickets["opened_at"].to_list() == [utc(2026, 4, 3, 10), utc(2026, 6, 5, 11)]


def test_month_first_is_chosen_when_only_it_reads_every_value(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(HEADER + "INC1,03-04-2026 10:00:00,New\nINC2,04-13-2026 11:00:00,New\n")
    tickets = importers.parse(path).tickets
    assert tickets["opened_at"].to_list() == [utc(2026, 3, 4, 10), utc(2026, 4, 13, 11)]


def test_a_value_no_format_reads_names_row_column_and_value(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(HEADER + "INC1,2026-02-02 08:00:00,New\nINC2,2026-02-30 08:00:00,New\n"
                    "INC3,yesterday,New\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    error = caught.value
    assert (error.row, error.column) == (3, "opened_at")
    assert "'2026-02-30 08:00:00'" in error.message
    assert "YYYY-MM-DD hh:mm:ss" in error.message


def test_dates_padded_with_spaces_are_still_read(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(HEADER + 'INC1," 2026-02-02 08:00:00 ",New\n')
    assert importers.parse(path).tickets["opened_at"].to_list() == [utc(2026, 2, 2, 8)]


def test_human_format():
    assert dates.human_format("%d/%b/%y %I:%M %p") == "DD/Mon/YY hh:mm AM/PM"


# --------------------------------------------------------------------------- mapping files


@pytest.mark.parametrize(("mapping", "message"), [
    ({"sorce": "x"}, "unknown key(s) sorce"),
    ({"columns": {"ticket_number": "Ref"}}, "unknown field(s) in 'columns': ticket_number"),
    ({"values": {"state": {"Logged": "open"}}}, "state for 'Logged' must be one of"),
    ({"values": {"priority": {"Sev 1": 0}}}, "priority for 'Sev 1' must be a number from 1"),
    ({"values": {"kind": {"Fault": "bug"}}}, "kind for 'Fault' must be one of"),
    ({"values": {"urgency": {}}}, "'values' may only hold"),
    ({"default_kind": "ticket"}, "'default_kind' must be one of"),
    ({"date_format": "dd/mm/yyyy"}, "'date_format' must be a strftime format"),
    ({"duration_unit": "days"}, "'duration_unit' must be one of"),
    ({"delimiter": ";;"}, "'delimiter' must be a single character"),
])
def test_mapping_mistakes_are_reported(mapping, message):
    with pytest.raises(ImportFileError) as caught:
        mappings.load_mapping(mapping)
    assert message in str(caught.value)


def test_a_mapping_loads_from_toml_and_json_alike(fixture_path, tmp_path):
    from_toml = mappings.load_mapping(fixture_path("topdesk_mapping.toml"))
    import tomllib
    data = tomllib.loads(fixture_path("topdesk_mapping.toml").read_text())
    json_path = tmp_path / "topdesk_mapping.json"
    json_path.write_text(json.dumps(data))
    from_json = mappings.load_mapping(json_path)
    assert from_json == mappings.ImportMapping(**{**from_toml.__dict__, "file": json_path.name})
    assert from_toml.state_values["waiting for user"] == "on_hold"


def test_a_broken_mapping_file_names_itself(tmp_path):
    path = tmp_path / "map.toml"
    path.write_text("source = \n")
    with pytest.raises(ImportFileError) as caught:
        mappings.load_mapping(path)
    assert caught.value.file == "map.toml"
    assert "not valid JSON or TOML" in caught.value.message


# --------------------------------------------------------------------------- sniffing odd files


def test_a_picture_named_csv_is_a_clear_error_not_a_crash(tmp_path):
    # A PNG's signature holds "\r" then "\n" apart; the csv module once raised on it (found by
    # schemathesis): now the file's kind comes from its bytes and the error says what it is.
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\nnumber\ropened\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert caught.value.file == "picture.csv"
