"""Jira Service Management CSV export: repeated columns, locale dates, SLA fields."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.tickets import importers


def ticket(result, external_id: str) -> dict:
    return result.tickets.row(by_predicate=pl.col("external_id") == external_id, named=True)


@pytest.fixture
def jira(fixture_path):
    return importers.parse(fixture_path("jira_service_management.csv"))


def test_it_reads_a_jsm_export(jira):
    assert (jira.format, jira.source) == ("jira-csv", "jira")
    assert (jira.tickets.height, jira.rows_read, jira.rows_rejected) == (12, 12, 0)
    row = ticket(jira, "ITSM-101")
    assert row["title"] == "Scanner guns drop Wi-Fi in aisle 12"
    assert (row["kind"], row["priority"], row["priority_raw"]) == ("incident", 2, "High")
    assert (row["state"], row["state_raw"]) == ("resolved", "Resolved")
    assert row["opened_at"] == datetime(2026, 2, 25, 22, 17, tzinfo=UTC)
    assert row["first_response_at"] == datetime(2026, 2, 25, 22, 39, tzinfo=UTC)
    assert row["resolved_at"] == datetime(2026, 2, 26, 8, 55, tzinfo=UTC)
    assert row["closed_at"] is None  # Jira has no closed date
    assert row["requester_name"] == "Marco Rossi"
    assert row["requester_email"] is None  # Jira Cloud exports carry no e-mail
    assert row["requester_company"] == "Rotterdam Warehouse"
    assert row["assignment_group"] == "Network Team"
    assert row["assigned_to"] == "Priya Raman"
    assert row["business_service"] == "Warehouse Wi-Fi"
    assert row["category"] == "Report a system problem"
    assert row["feedback_rating"] == 10
    assert (row["reassignment_count"], row["reopen_count"]) == (0, 0)
    assert row["source_response_seconds"] is None
    assert row["source_row"] == 2


def test_statuses_map_with_the_status_category_as_fallback(jira):
    states = dict(jira.tickets.select("state_raw", "state").iter_rows())
    assert states == {
        "Resolved": "resolved", "Closed": "closed", "Waiting for customer": "on_hold",
        "Waiting for support": "in_progress", "Awaiting CAB approval": "on_hold",
        "Under investigation": "in_progress", "In Progress": "in_progress",
        "Canceled": "canceled", "Triaged by L2": "in_progress", "Pending": "on_hold"}


def test_issue_types_map_to_kinds_and_unknown_ones_are_requests(jira):
    kinds = dict(jira.tickets.select("external_id", "kind").iter_rows())
    assert (kinds["ITSM-104"], kinds["ITSM-105"], kinds["ITSM-106"], kinds["ITSM-107"]) == (
        "incident", "request", "change", "problem")
    assert kinds["ITSM-111"] == "request"
    assert jira.warnings[0] == ("ticket types not recognised, imported as 'request': "
                                "'Emailed request' (1 row); map them in a mapping file "
                                "([values.kind])")


def test_states_mapped_by_a_guess_are_listed_with_counts_and_the_override(jira):
    guessed = [w for w in jira.warnings if "mapped by a guess" in w]
    assert guessed == [
        "state labels this tool does not define were mapped by a guess from their wording: "
        "'Awaiting CAB approval' → on_hold (1 row), 'Triaged by L2' → in_progress (1 row, from "
        "its status category). If a guess is wrong, map the label in a mapping file, e.g. "
        "[values.state] \"Awaiting CAB approval\" = \"in_progress\""]
    assert jira.details["states_guessed"] == [
        {"label": "Awaiting CAB approval", "state": "on_hold", "rows": 1, "how": "wording"},
        {"label": "Triaged by L2", "state": "in_progress", "rows": 1, "how": "status category"}]


def test_stars_become_the_zero_to_ten_scale(jira):
    ratings = dict(jira.tickets.select("external_id", "feedback_rating").iter_rows())
    assert (ratings["ITSM-101"], ratings["ITSM-102"], ratings["ITSM-104"],
            ratings["ITSM-110"], ratings["ITSM-103"]) == (10, 8, 3, 5, None)


def test_sla_fields_are_kept_as_the_remaining_time_jira_reports(jira):
    remaining = jira.source_timestamps["sla_remaining_seconds"]
    assert remaining.columns == ["external_id", "time_to_first_response",
                                 "time_to_resolution"]
    rows = {r[0]: r[1:] for r in remaining.iter_rows()}
    assert rows["ITSM-101"] == (3 * 3600 + 38 * 60, -(1 * 3600 + 25 * 60))
    assert rows["ITSM-104"] == (-4 * 60, -14 * 60)
    assert rows["ITSM-105"] == (None, None)
    assert jira.source_timestamps["max_updated_at"] == datetime(2026, 3, 4, 10, tzinfo=UTC)


def test_dates_are_local_to_the_exporting_user(fixture_path):
    result = importers.parse(fixture_path("jira_service_management.csv"),
                             timezone="Europe/Amsterdam")
    assert ticket(result, "ITSM-101")["opened_at"] == datetime(2026, 2, 25, 21, 17,
                                                               tzinfo=UTC)


def jira_csv(header: list[str], *rows: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


BASE = ["Summary", "Issue key", "Issue Type", "Status", "Priority", "Created"]


def write(tmp_path, text: str):
    path = tmp_path / "jira.csv"
    path.write_text(text)
    return path


def test_24_hour_locale_dates_and_merged_components(tmp_path):
    text = jira_csv(BASE + ["Component/s", "Component/s", "Comment", "Comment"],
                    ["Printer", "IT-1", "Incident", "Open", "Medium", "25/Feb/26 22:17",
                     "", "Printing", "a", "b"],
                    ["Laptop", "IT-2", "Incident", "Done", "Low", "26/Feb/26 08:05",
                     "Hardware", "Printing", "", ""])
    result = importers.parse(write(tmp_path, text))
    assert result.tickets.select("opened_at", "assignment_group", "state").rows() == [
        (datetime(2026, 2, 25, 22, 17, tzinfo=UTC), "Printing", "in_progress"),
        (datetime(2026, 2, 26, 8, 5, tzinfo=UTC), "Hardware", "resolved")]


def test_a_repeated_single_value_column_is_merged_and_a_conflict_is_a_warning(tmp_path):
    text = jira_csv(BASE + ["Status"],
                    ["Printer", "IT-1", "Incident", "Open", "Medium", "25/Feb/26 10:17 PM",
                     "Closed"],
                    ["Scanner", "IT-2", "Incident", "", "Medium", "25/Feb/26 10:18 PM", "Closed"])
    result = importers.parse(write(tmp_path, text))
    assert result.tickets["state_raw"].to_list() == ["Open", "Closed"]
    assert result.warnings == [
        "the column 'Status' appears 2 times (columns 4 and 7) and 1 row(s) hold different values "
        "in the copies; the first non-empty value was used (first in row 2: 'Open' / 'Closed')"]


def test_a_missing_created_column_is_named(tmp_path):
    text = jira_csv(BASE[:-1], ["Printer", "IT-1", "Incident", "Open", "Medium"])
    with pytest.raises(ImportFileError) as caught:
        importers.parse(write(tmp_path, text), format="jira-csv")
    assert caught.value.column == "Created"


def test_a_bad_date_names_row_column_and_value(tmp_path):
    text = jira_csv(BASE, ["Printer", "IT-1", "Incident", "Open", "Medium",
                           "25/Feb/26 10:17 PM"],
                    ["Scanner", "IT-2", "Incident", "Open", "Medium", "31/Feb/26 10:17 PM"])
    with pytest.raises(ImportFileError) as caught:
        importers.parse(write(tmp_path, text))
    assert (caught.value.row, caught.value.column) == (3, "Created")
    assert "'31/Feb/26 10:17 PM'" in caught.value.message
    assert "DD/Mon/YY hh:mm AM/PM" in caught.value.message


def test_an_unknown_status_without_category_needs_a_mapping(tmp_path):
    text = jira_csv(BASE, ["Printer", "IT-1", "Incident", "With vendor", "Medium",
                           "25/Feb/26 10:17 PM"])
    path = write(tmp_path, text)
    with pytest.raises(ImportFileError) as caught:
        importers.parse(path)
    assert (caught.value.row, caught.value.column) == (2, "Status")
    mapped = importers.parse(path, mapping={"values": {"state": {"With vendor": "on_hold"}}})
    assert mapped.tickets["state"].to_list() == ["on_hold"]


def test_unreadable_sla_values_and_odd_ratings_are_warnings(tmp_path):
    text = jira_csv(BASE + ["Custom field (Time to first response)", "Satisfaction rating"],
                    ["Printer", "IT-1", "Incident", "Open", "Medium", "25/Feb/26 10:17 PM",
                     "soon", "7"])
    result = importers.parse(write(tmp_path, text))
    assert result.source_timestamps["sla_remaining_seconds"]["time_to_first_response"] \
        .to_list() == [None]
    assert result.tickets["feedback_rating"].to_list() == [None]
    assert any("are not hh:mm (first: 'soon' in row 2)" in w for w in result.warnings)
    assert any("outside 1–5" in w for w in result.warnings)


def test_a_header_without_issues_is_an_error(tmp_path):
    with pytest.raises(ImportFileError, match="jira.csv: the file has a header but no data rows"):
        importers.parse(write(tmp_path, jira_csv(BASE)))
