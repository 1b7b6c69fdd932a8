"""The quirks of real exports (issue 6), each reproduced by a small fixture in its real format.

One test per class of failure seen with real files: repeated custom-field columns, a date
format per column, last-update columns, Excel variants, Zendesk's scores, ids, placeholders
and pages, label headers and localised Jira, guessed states, the tools' own durations and
verdicts, and files without any first-response information.
"""

from __future__ import annotations

import csv
import tomllib
from datetime import UTC, datetime

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.tickets import importers
from tests.xlsx import write_xlsx


def ticket(result, external_id: str) -> dict:
    return result.tickets.row(by_predicate=pl.col("external_id") == external_id, named=True)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --------------------------------------------------------------------------- 1 and 2: Jira Cloud


def test_jira_cloud_repeated_custom_fields_are_merged_and_a_conflict_is_named(fixture_path):
    result = importers.parse(fixture_path("jira_cloud_repeated_fields.csv"))
    departments = dict(result.tickets.select("external_id", "requester_department").iter_rows())
    assert departments == {"HELP-201": "Operations", "HELP-202": "Finance", "HELP-203": "Finance",
                           "HELP-204": "Operations", "HELP-205": "Sales"}
    categories = dict(result.tickets.select("external_id", "category").iter_rows())
    assert categories == {"HELP-201": "Network", "HELP-202": "Hardware", "HELP-203": "Applications",
                          "HELP-204": "Printing", "HELP-205": "Access"}
    assert result.warnings == [
        "the column 'Custom field (Department)' appears 2 times (columns 17 and 24) and 1 row(s) hold "
        "different values in the copies; the first non-empty value was used (first in row 4: 'Finance' / "
        "'Operations')"]


def test_jira_date_columns_each_keep_their_own_format(fixture_path):
    result = importers.parse(fixture_path("jira_cloud_repeated_fields.csv"))
    first = ticket(result, "HELP-201")
    assert first["opened_at"] == utc(2026, 2, 25, 16, 38)                      # 25/Feb/26 4:38 PM
    assert first["first_response_at"] == utc(2026, 2, 25, 16, 51, 12, 204000)  # 2026-02-25 16:51:12.204
    assert first["resolved_at"] == utc(2026, 2, 26, 8, 55)
    assert result.has_first_response
    assert ticket(result, "HELP-205")["first_response_at"] is None


# --------------------------------------------------------------------------- 3: last-update columns


@pytest.mark.parametrize(("name", "newest"), [
    ("servicenow_incident_labels.csv", utc(2026, 1, 30, 16, 45, 12)),   # "Last update"
    ("freshdesk_tickets.csv", utc(2026, 3, 6, 10)),                       # "Last update time"
    ("jira_cloud_repeated_fields.csv", utc(2026, 3, 3, 16, 5)),           # "Updated"
    ("jira_de.csv", utc(2026, 12, 27, 10)),                               # "Aktualisiert"
    ("zendesk_tickets.xlsx", utc(2026, 3, 6, 9, 12)),                     # "Updated at"
])
def test_the_last_update_column_dates_the_export(fixture_path, name, newest):
    assert importers.parse(fixture_path(name)).source_timestamps["max_updated_at"] == newest


def test_a_mapping_file_can_name_the_last_update_column(fixture_path, tmp_path):
    source = fixture_path("topdesk_calls.csv")
    rows = list(csv.reader(source.open(encoding="utf-8"), delimiter=";"))
    rows[0].append("Last changed")
    for row in rows[1:]:
        row.append("06-03-2026 17:00")
    path = tmp_path / "calls.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    mapping = tomllib.loads(fixture_path("topdesk_mapping.toml").read_text())
    mapping["columns"]["updated_at"] = "Last changed"
    result = importers.parse(path, mapping=mapping)
    assert result.source_timestamps["max_updated_at"] == utc(2026, 3, 6, 17)
    without = importers.parse(source, mapping=fixture_path("topdesk_mapping.toml"))
    assert without.source_timestamps["max_updated_at"] is None


# --------------------------------------------------------------------------- 4: Excel variants


def test_freshdesk_excel_reads_as_its_csv(fixture_path):
    from_csv = importers.parse(fixture_path("freshdesk_tickets.csv"))
    from_xlsx = importers.parse(fixture_path("freshdesk_tickets.xlsx"))
    assert (from_xlsx.format, from_xlsx.source) == ("freshdesk-csv", "freshdesk")
    assert from_xlsx.tickets.drop("source_row").equals(from_csv.tickets.drop("source_row"))


TABULAR = ["servicenow_incident_list.csv", "servicenow_eventlog_head.csv", "jira_service_management.csv",
           "zendesk_tickets.csv", "freshservice_tickets.csv", "freshdesk_tickets.csv", "jira_es.csv",
           "servicenow_incident_labels.csv", "topdesk_calls.csv"]


@pytest.mark.parametrize("name", TABULAR)
def test_every_tabular_format_reads_its_excel_variant(fixture_path, tmp_path, name):
    source = fixture_path(name)
    options = {"mapping": fixture_path("topdesk_mapping.toml")} if name == "topdesk_calls.csv" else {}
    delimiter = ";" if name == "topdesk_calls.csv" else ","
    with source.open(newline="", encoding="utf-8") as handle:
        rows = [[cell or None for cell in row] for row in csv.reader(handle, delimiter=delimiter)]
    workbook = write_xlsx(tmp_path / (source.stem + ".xlsx"), rows)
    from_csv = importers.parse(source, **options)
    from_xlsx = importers.parse(workbook, **options)
    # ServiceNow's two list exports are two formats; every other tool has one for both kinds.
    assert from_xlsx.format == from_csv.format.replace("servicenow-csv", "servicenow-xlsx")
    assert from_xlsx.tickets.drop("source_row").equals(from_csv.tickets.drop("source_row"))


@pytest.mark.parametrize("format", ["servicenow-csv", "jira-csv", "zendesk-csv", "freshservice-csv",
                                    "freshdesk-csv", "servicenow-eventlog"])
def test_a_format_forced_on_a_workbook_reads_it_or_says_what_is_missing(fixture_path, format):
    # The ServiceNow workbook holds ServiceNow labels: the ServiceNow formats read it, the others
    # say which of their columns it lacks, naming the file.
    try:
        result = importers.parse(fixture_path("servicenow_task_list.xlsx"), format=format,
                                 file_name="tasks.xlsx")
    except ImportFileError as error:
        assert error.file == "tasks.xlsx"
        assert "required column" in error.message
    else:
        assert result.tickets.height == 12


def test_the_json_format_forced_on_a_table_says_what_the_file_is(fixture_path):
    with pytest.raises(ImportFileError) as caught:
        importers.parse(fixture_path("zendesk_tickets.xlsx"), format="zendesk-json", file_name="z.xlsx")
    assert str(caught.value) == ("z.xlsx: the 'zendesk-json' format reads Zendesk's JSON; this is an Excel "
                                 "workbook: use zendesk-csv for its CSV or Excel export")


# --------------------------------------------------------------------------- 5: Zendesk


def test_zendesk_numeric_satisfaction_is_kept_on_the_zero_to_ten_scale(fixture_path):
    result = importers.parse(fixture_path("zendesk_tickets_page1.json"))
    ratings = dict(result.tickets.select("external_id", "feedback_rating").iter_rows())
    assert ratings == {"7001": 10, "7002": 8, "7003": None, "7004": None, "7005": 3}


def test_zendesk_satisfaction_that_is_no_rating_is_dropped_with_a_warning(tmp_path):
    path = tmp_path / "z.csv"
    path.write_text("Id,Requester,Status,Created at,Updated at,Satisfaction Score\n"
                    "1,Ann,Open,2026-03-02 10:00,2026-03-02 11:00,Good\n"
                    "2,Bob,Open,2026-03-02 10:00,2026-03-02 11:00,7\n"
                    "3,Cy,Open,2026-03-02 10:00,2026-03-02 11:00,Offered\n"
                    "4,Di,Open,2026-03-02 10:00,2026-03-02 11:00,great\n")
    result = importers.parse(path)
    assert result.tickets["feedback_rating"].to_list() == [10, None, None, None]
    assert result.warnings == ["satisfaction values that are not a rating (good/bad, or 1–5) were ignored: "
                               "'7' (1 row), 'great' (1 row)"]


def test_zendesk_requester_ids_are_kept_in_json_and_csv(fixture_path):
    json_result = importers.parse(fixture_path("zendesk_tickets_page1.json"))
    assert ticket(json_result, "7001")["requester_id"] == "901"
    assert ticket(json_result, "7001")["requester_name"] is None  # no side-loaded users
    csv_result = importers.parse(fixture_path("zendesk_tickets.csv"))
    assert ticket(csv_result, "5101")["requester_id"] == "372001"


def test_zendesk_excel_placeholder_dates_are_empty_not_1900(fixture_path):
    result = importers.parse(fixture_path("zendesk_tickets.xlsx"), timezone="Europe/Amsterdam")
    assert ticket(result, "8103")["resolved_at"] is None
    assert ticket(result, "8101")["resolved_at"] == utc(2026, 3, 2, 11)
    assert "2 value(s) of 'Solved at' are the placeholder date 1900-01-01" in result.warnings[0]


def test_one_page_of_a_paginated_zendesk_response_warns(fixture_path):
    result = importers.parse(fixture_path("zendesk_tickets_page1.json"))
    assert result.warnings == [
        "this file is one page of a paginated Zendesk response: it holds 5 of the 12 tickets. The other "
        "pages are missing from this import; save every page (or use the incremental export) and import "
        "each"]
    whole = importers.parse(fixture_path("zendesk_tickets.json"))
    assert not any("one page" in w for w in whole.warnings)


# --------------------------------------------------------------------------- 6: recognition


def test_a_servicenow_csv_with_label_headers_is_detected(fixture_path):
    result = importers.parse(fixture_path("servicenow_incident_labels.csv"))
    assert result.format == "servicenow-csv"
    row = ticket(result, "INC0030002")
    assert (row["state"], row["priority"], row["assignment_group"]) == ("closed", 2, "Field Services")
    assert row["opened_at"] == utc(2026, 1, 13, 7, 2, 44)


@pytest.mark.parametrize(("name", "first"), [
    ("jira_es.csv", ("SOP-11", utc(2026, 7, 18, 9, 10), utc(2026, 7, 18, 13, 2))),
    ("jira_fr.csv", ("SUP-31", utc(2026, 2, 25, 22, 17), utc(2026, 2, 26, 8, 55))),
    ("jira_de.csv", ("ITS-51", utc(2026, 3, 3, 10), utc(2026, 3, 3, 14, 10))),
    ("jira_pt.csv", ("SUP-71", utc(2026, 2, 5, 10), utc(2026, 2, 5, 14, 30))),
])
def test_jira_exports_from_other_interface_languages(fixture_path, name, first):
    result = importers.parse(fixture_path(name))
    assert (result.format, result.source, result.tickets.height) == ("jira-csv", "jira", 3)
    assert result.warnings == []  # every header, status, type and priority is known
    assert result.tickets.select("kind", "priority", "state").rows() == [
        ("incident", 2, "resolved"), ("request", 3, "on_hold"), ("incident", 4, "closed")]
    key, opened, resolved = first
    row = ticket(result, key)
    assert (row["opened_at"], row["resolved_at"]) == (opened, resolved)
    assert row["requester_company"] is not None and row["assignment_group"] is not None


# --------------------------------------------------------------------------- 7: guessed states


def test_custom_states_mapped_by_a_guess_are_listed_with_the_override(fixture_path):
    result = importers.parse(fixture_path("freshdesk_tickets.csv"))
    assert ticket(result, "1203")["state"] == "on_hold"
    assert ("state labels this tool does not define were mapped by a guess from their wording: "
            "'Waiting on Acme Corp' → on_hold (1 row). If a guess is wrong, map the label in a mapping file, "
            "e.g. [values.state] \"Waiting on Acme Corp\" = \"in_progress\"") in result.warnings
    assert result.details["states_guessed"] == [
        {"label": "Waiting on Acme Corp", "state": "on_hold", "rows": 1, "how": "wording"}]
    overridden = importers.parse(fixture_path("freshdesk_tickets.csv"),
                                 mapping={"values": {"state": {"Waiting on Acme Corp": "in_progress"}}})
    assert ticket(overridden, "1203")["state"] == "in_progress"
    assert "states_guessed" not in overridden.details


# --------------------------------------------------------------------------- 8: the tools' own figures


def test_zendesk_keeps_calendar_and_business_durations(fixture_path):
    row = ticket(importers.parse(fixture_path("zendesk_tickets_page1.json")), "7005")
    assert (row["source_response_seconds"], row["source_response_business_seconds"]) == (1200 * 60, 240 * 60)
    assert (row["source_resolution_seconds"], row["source_resolution_business_seconds"]) == (
        1620 * 60, 420 * 60)
    assert row["first_response_at"] == utc(2026, 3, 5, 9)  # created + 1,200 calendar minutes


def test_freshdesk_keeps_business_hours_and_sla_verdicts(fixture_path):
    result = importers.parse(fixture_path("freshdesk_tickets.csv"))
    rows = {r[0]: r[1:] for r in result.tickets.select(
        "external_id", "source_response_business_seconds", "source_resolution_business_seconds",
        "source_response_breached", "source_resolution_breached").iter_rows()}
    assert rows["1201"] == (720, 8712, False, False)     # 0.2 h, 2.42 h, Within SLA ×2
    assert rows["1202"] == (1200, 2700, False, False)    # 00:20, 00:45
    assert rows["1203"] == (5400, None, True, None)      # SLA Violated, still open
    assert rows["1204"] == (None, None, None, None)


def test_jira_sla_fields_give_jiras_own_verdict(fixture_path):
    result = importers.parse(fixture_path("jira_cloud_repeated_fields.csv"))
    rows = {r[0]: r[1:] for r in result.tickets.select(
        "external_id", "source_response_breached", "source_resolution_breached",
        "source_response_business_seconds").iter_rows()}
    assert rows["HELP-201"] == (False, True, None)   # 0:47 left at the response; -1:25 at resolution
    assert rows["HELP-202"] == (False, False, 1200)  # a completed cycle, met, 20 minutes elapsed
    assert rows["HELP-203"] == (True, True, 5400)    # a breached completed cycle; -2:10
    assert rows["HELP-204"] == (False, None, None)   # responded in time; resolution clock running
    assert rows["HELP-205"] == (None, None, None)    # nothing stopped yet, nothing breached


# --------------------------------------------------------------------------- 9: not measured


@pytest.mark.parametrize(("name", "options", "has"), [
    ("servicenow_incident_list.csv", {}, False),
    ("servicenow_task_list.xlsx", {}, False),
    ("servicenow_incident_labels.csv", {}, False),
    ("servicenow_eventlog_head.csv", {}, True),
    ("jira_service_management.csv", {}, True),
    ("jira_es.csv", {}, True),
    ("zendesk_tickets.json", {}, True),
    ("zendesk_tickets.csv", {}, True),
    ("freshservice_tickets.csv", {}, True),
    ("freshdesk_tickets.csv", {}, True),
    ("topdesk_calls.csv", {"mapping": "topdesk_mapping.toml"}, True),
])
def test_files_without_any_first_response_information_say_so(fixture_path, name, options, has):
    options = {k: fixture_path(v) for k, v in options.items()}
    assert importers.parse(fixture_path(name), **options).has_first_response is has


def test_a_jira_export_without_the_chart_column_has_no_first_response(tmp_path):
    path = tmp_path / "jira.csv"
    path.write_text("Summary,Issue key,Issue Type,Status,Priority,Created\n"
                    "Printer,IT-1,Incident,Open,Medium,25/Feb/26 10:17 PM\n")
    assert importers.parse(path).has_first_response is False


def test_a_mapping_without_first_response_fields_has_none(fixture_path):
    mapping = tomllib.loads(fixture_path("topdesk_mapping.toml").read_text())
    for field in ("first_response_at", "source_response_seconds"):
        del mapping["columns"][field]
    assert importers.parse(fixture_path("topdesk_calls.csv"), mapping=mapping).has_first_response is False


# --------------------------------------------------------------------------- 10: the user's file name


def test_errors_name_the_file_as_the_user_named_it(fixture_path, tmp_path):
    stored = tmp_path / "dabaa0a0147e9115-export.csv"
    stored.write_text("number,opened_at,state\nINC1,yesterday,New\n")
    with pytest.raises(ImportFileError) as caught:
        importers.parse(stored, file_name="export.csv")
    assert str(caught.value).startswith("export.csv, row 2, column 'opened_at'")
    assert "dabaa0a0147e9115" not in str(caught.value)


def test_the_format_is_reported_before_the_file_is_parsed(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("number,opened_at,state\nINC1,yesterday,New\n")
    seen: list[str] = []
    with pytest.raises(ImportFileError):
        importers.parse(path, on_format=seen.append)
    assert seen == ["servicenow-csv"]


@pytest.mark.parametrize(("name", "reassignments", "reopens"), [
    ("servicenow_incident_list.csv", True, True),
    ("jira_service_management.csv", False, False),
    ("freshdesk_tickets.csv", False, False),
    ("zendesk_tickets.csv", True, True),
])
def test_counts_an_export_does_not_record_are_flagged(fixture_path, name, reassignments, reopens):
    result = importers.parse(fixture_path(name))
    assert (result.has_reassignment_count, result.has_reopen_count) == (reassignments, reopens)
