"""The importer registry (discovery, detection, routing) and the contract every format keeps."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from teamalign.errors import ImportFileError
from teamalign.tickets import importers
from teamalign.tickets.importers.base import HISTORY_SCHEMA, KINDS, STATES, TICKET_SCHEMA

REPO = Path(__file__).resolve().parents[2]

#: fixture → (format, source)
FIXTURES = {
    "servicenow_incident_list.csv": ("servicenow-csv", "servicenow"),
    "servicenow_task_list.xlsx": ("servicenow-xlsx", "servicenow"),
    "servicenow_eventlog_head.csv": ("servicenow-eventlog", "servicenow"),
    "jira_service_management.csv": ("jira-csv", "jira"),
    "zendesk_tickets.json": ("zendesk-json", "zendesk"),
    "zendesk_tickets.csv": ("zendesk-csv", "zendesk"),
    "freshservice_tickets.csv": ("freshservice-csv", "freshservice"),
}


def parse_fixture(fixture_path, name: str, **kwargs):
    if name == "topdesk_calls.csv":
        kwargs.setdefault("mapping", fixture_path("topdesk_mapping.toml"))
    return importers.parse(fixture_path(name), **kwargs)


ALL_FIXTURES = [*FIXTURES, "topdesk_calls.csv"]


def test_it_discovers_every_format_module():
    assert importers.formats() == [
        "freshdesk-csv", "freshservice-csv", "jira-csv", "mapped-csv", "servicenow-csv",
        "servicenow-eventlog", "servicenow-xlsx", "zendesk-csv", "zendesk-json"]


def test_get_returns_the_module_of_a_format():
    module = importers.get("jira-csv")
    assert module.FORMAT == "jira-csv"
    assert module.SOURCE == "jira"


def test_get_rejects_an_unknown_format_listing_the_known_ones():
    with pytest.raises(ImportFileError) as caught:
        importers.get("remedy-csv")
    assert "unknown ticket format 'remedy-csv'" in str(caught.value)
    assert "servicenow-csv" in str(caught.value)


@pytest.mark.parametrize("name", list(FIXTURES))
def test_it_detects_each_real_export(fixture_path, name):
    assert importers.detect(fixture_path(name)).FORMAT == FIXTURES[name][0]


def test_it_detects_the_shared_event_log(shared_event_log):
    assert importers.detect(shared_event_log).FORMAT == "servicenow-eventlog"


def test_detection_rejects_an_unknown_csv_naming_its_header_and_the_formats(tmp_path):
    path = tmp_path / "remedy.csv"
    path.write_text("Incident ID,Summary,Reported Date\nINC1,Broken,2026-01-01\n")
    with pytest.raises(ImportFileError) as caught:
        importers.detect(path)
    message = str(caught.value)
    assert message.startswith("remedy.csv: unknown ticket export")
    assert "Incident ID, Summary, Reported Date" in message
    for name in importers.formats():
        assert name in message
    assert "mapping" in message


def test_a_mapped_csv_is_never_detected_without_its_mapping(fixture_path):
    with pytest.raises(ImportFileError, match="unknown ticket export"):
        importers.detect(fixture_path("topdesk_calls.csv"))


def test_detection_rejects_json_that_is_not_zendesk(tmp_path):
    path = tmp_path / "issues.json"
    path.write_text('{"issues": [{"key": "ITSM-1"}]}')
    with pytest.raises(ImportFileError, match="this is a JSON file"):
        importers.detect(path)


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_an_error(tmp_path, content):
    path = tmp_path / "tickets.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match="the file is empty"):
        importers.parse(path)


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(ImportFileError, match="does not exist"):
        importers.parse(tmp_path / "nope.csv")


def test_an_old_xls_workbook_is_refused_with_advice(tmp_path):
    path = tmp_path / "export.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(ImportFileError, match="save it as .xlsx or CSV"):
        importers.parse(path)


def test_a_mapping_that_declares_columns_selects_mapped_csv(fixture_path):
    result = importers.parse(fixture_path("topdesk_calls.csv"),
                             mapping=fixture_path("topdesk_mapping.toml"))
    assert result.format == "mapped-csv"
    assert result.source == "topdesk"


def test_an_explicit_format_wins_over_detection(fixture_path):
    # Read as a list export, an event log repeats each incident once per event: the
    # repeats are rejected (never silently) and the last row of each incident is kept.
    result = importers.parse(fixture_path("servicenow_eventlog_head.csv"),
                             format="servicenow-csv")
    assert result.format == "servicenow-csv"
    assert result.tickets.height == 6
    assert result.rows_read == 40
    assert result.rows_rejected == 34
    assert any("repeat a ticket number" in w for w in result.warnings)


def test_an_unknown_time_zone_is_an_error(fixture_path):
    with pytest.raises(ImportFileError, match="unknown time zone 'Mars/Olympus'"):
        importers.parse(fixture_path("servicenow_incident_list.csv"), timezone="Mars/Olympus")


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_format_returns_exactly_the_ticket_contract(fixture_path, name):
    result = parse_fixture(fixture_path, name)
    tickets = result.tickets
    assert tickets.schema == pl.Schema(TICKET_SCHEMA)
    assert result.history.schema == pl.Schema(HISTORY_SCHEMA)
    assert tickets.height > 0
    assert tickets["external_id"].null_count() == 0
    assert tickets["external_id"].n_unique() == tickets.height
    assert set(tickets["kind"].to_list()) <= set(KINDS)
    assert set(tickets["state"].to_list()) <= set(STATES)
    assert tickets["opened_at"].null_count() == 0
    assert tickets["reassignment_count"].null_count() == 0
    assert tickets["reopen_count"].null_count() == 0
    assert tickets["source_row"].null_count() == 0
    assert tickets["priority"].drop_nulls().is_between(1, 5).all()
    assert tickets["feedback_rating"].drop_nulls().is_between(0, 10).all()
    emails = tickets["requester_email"].drop_nulls()
    assert (emails == emails.str.to_lowercase()).all()
    if result.format == "servicenow-eventlog":  # rows are events, several per ticket
        assert result.rows_read > tickets.height
    else:
        assert result.rows_read == tickets.height + result.rows_rejected
    if name in FIXTURES:
        assert (result.format, result.source) == FIXTURES[name]


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_parsing_the_same_file_twice_gives_equal_frames(fixture_path, name):
    first = parse_fixture(fixture_path, name, timezone="Europe/Amsterdam")
    second = parse_fixture(fixture_path, name, timezone="Europe/Amsterdam")
    assert first.tickets.equals(second.tickets)
    assert first.history.equals(second.history)
    assert first.warnings == second.warnings
    assert (first.rows_read, first.rows_rejected) == (second.rows_read, second.rows_rejected)


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_progress_is_reported_a_few_times_and_ends_complete(fixture_path, name):
    calls: list[tuple[int, int]] = []
    parse_fixture(fixture_path, name, progress=lambda done, total: calls.append((done, total)))
    assert 2 <= len(calls) <= 6
    done, total = calls[-1]
    assert done == total > 0
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_the_importers_never_import_django(fixture_path):
    """Parsing is pure: the Django service calls it, never the other way round."""
    paths = [str(fixture_path(name)) for name in FIXTURES]
    code = (
        "import sys\n"
        "from teamalign.tickets import importers\n"
        f"for path in {paths!r}:\n"
        "    importers.parse(path)\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not loaded, loaded\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
