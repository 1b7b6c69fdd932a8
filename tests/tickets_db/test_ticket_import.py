"""ticket_import: every format through the service, atomic, idempotent, updates only what changed."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from teamalign.errors import ImportFileError
from teamalign.orgs.import_runs import import_run_create, import_run_execute
from teamalign.orgs.models import ImportRun
from teamalign.tickets import bulk
from teamalign.tickets.models import Ticket, TicketStateChange

from .conftest import ticket_row

pytestmark = pytest.mark.django_db

FORMAT_FIXTURES = [
    ("servicenow_incident_list.csv", {}),
    ("servicenow_incident_list_cut.csv", {}),
    ("servicenow_task_list.xlsx", {}),
    ("servicenow_eventlog_head.csv", {}),
    ("jira_service_management.csv", {}),
    ("zendesk_tickets.json", {}),
    ("zendesk_tickets.csv", {}),
    ("freshservice_tickets.csv", {}),
    ("topdesk_calls.csv", {"mapping": "topdesk_mapping.toml"}),
]


@pytest.mark.parametrize("name,options", FORMAT_FIXTURES, ids=[f[0] for f in FORMAT_FIXTURES])
def test_each_format_imports_and_a_second_import_changes_nothing(acme, fixture_file, import_tickets, name, options):
    options = {k: fixture_file(v) for k, v in options.items()}
    first = import_tickets(acme, fixture_file(name), **options)
    assert first.created > 0
    assert first.created == Ticket.objects.filter(organisation=acme).count()
    assert first.updated == 0
    second = import_tickets(acme, fixture_file(name), **options)
    assert (second.created, second.updated, second.unchanged) == (0, 0, first.created)


def test_a_bad_file_writes_nothing_and_names_the_row(acme, list_csv, import_tickets):
    good = list_csv([ticket_row("INC0000001"), ticket_row("INC0000002")], name="good.csv")
    import_tickets(acme, good)
    before = sorted(Ticket.objects.filter(organisation=acme).values_list("external_id", "state", "updated_at"))
    bad = list_csv([ticket_row("INC0000001", state="Closed"), ticket_row("INC0000003", opened_at="yesterday")],
                   name="bad.csv")
    with pytest.raises(ImportFileError) as error:
        import_tickets(acme, bad)
    assert error.value.row == 3 and error.value.column == "opened_at"
    after = sorted(Ticket.objects.filter(organisation=acme).values_list("external_id", "state", "updated_at"))
    assert after == before


def test_a_failure_while_writing_rolls_everything_back(acme, fixture_file, import_tickets, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulk, "replace_history", broken)
    with pytest.raises(RuntimeError):
        import_tickets(acme, fixture_file("servicenow_eventlog_head.csv"))
    assert not Ticket.objects.filter(organisation=acme).exists()
    assert not TicketStateChange.objects.filter(organisation=acme).exists()


def test_a_newer_export_updates_only_the_tickets_that_changed(acme, list_csv, import_tickets):
    rows = [ticket_row("INC0000001"), ticket_row("INC0000002"),
            ticket_row("INC0000003", state="In Progress", resolved_at="")]
    import_tickets(acme, list_csv(rows, name="monday.csv"))
    untouched = Ticket.objects.get(organisation=acme, external_id="INC0000001").updated_at
    rows[2] = ticket_row("INC0000003", state="Resolved", resolved_at="2026-03-03 10:00:00")
    rows.append(ticket_row("INC0000004"))
    result = import_tickets(acme, list_csv(rows, name="tuesday.csv"))
    assert (result.created, result.updated, result.unchanged) == (1, 1, 2)
    changed = Ticket.objects.get(organisation=acme, external_id="INC0000003")
    assert changed.state == "resolved"
    assert changed.resolution_business_seconds == 8 * 3600 + 3600  # Mon 09:00 → Tue 10:00, 9–5 hours
    assert Ticket.objects.get(organisation=acme, external_id="INC0000001").updated_at == untouched


def test_the_shared_servicenow_event_log_imports_with_890_tickets(acme, shared_event_log, import_tickets):
    result = import_tickets(acme, shared_event_log)
    assert (result.rows_read, result.created, result.rejected) == (5998, 890, 0)
    assert result.details["format"] == "servicenow-eventlog"

    # Figures computed from the raw file by other means: per number, the last event's state and
    # the first time it leaves "New".
    last_state, first_left_new = {}, {}
    with shared_event_log.open(newline="") as handle:
        events = defaultdict(list)
        for row in csv.DictReader(handle):
            events[row["number"]].append(row)
    for number, rows in events.items():
        rows.sort(key=lambda r: datetime.strptime(r["sys_updated_at"], "%d-%m-%Y %H:%M"))
        last_state[number] = rows[-1]["incident_state"]
        moved = next((r for r in rows if r["incident_state"] != "New"), None)
        first_left_new[number] = datetime.strptime(moved["sys_updated_at"], "%d-%m-%Y %H:%M") if moved else None
    stored = {t.external_id: t for t in Ticket.objects.filter(organisation=acme)}
    assert set(stored) == set(events)
    assert sum(s == "Closed" for s in last_state.values()) == sum(t.state == "closed" for t in stored.values())
    for number, moved in first_left_new.items():
        # February–March 2016 is GMT, so London wall time is UTC.
        expected = moved.replace(tzinfo=UTC) if moved else None
        assert stored[number].first_response_at == expected, number
    # INC0000045: opened Mon 29 Feb 2016 01:16, resolved 11:29 → 09:00–11:29 of business time.
    first = stored["INC0000045"]
    assert (first.response_business_seconds, first.resolution_business_seconds) == (0, 2 * 3600 + 29 * 60)
    assert TicketStateChange.objects.filter(organisation=acme).count() == result.details["state_changes"]


def test_requesters_resolve_by_email_then_name_then_rule(cast, acme, list_csv, import_tickets):
    from teamalign.tickets.services import requester_rule_save

    ops = cast.objects["acme"]["departments"]["Operations"]
    warehouse = cast.objects["acme"]["teams"]["Operations"]
    requester_rule_save(organisation=acme, field="location", value="north depot", department=ops, team=warehouse)
    rows = [
        ticket_row("INC1", **{"caller_id": "Someone Else", "caller_id.email": "VICTOR@acme.example"}),
        ticket_row("INC2", **{"caller_id": "ivan  ito", "caller_id.email": ""}),
        ticket_row("INC3", **{"caller_id": "Agency Picker", "caller_id.email": "", "location": "North Depot"}),
        ticket_row("INC4", **{"caller_id": "Nobody Known", "caller_id.email": ""}),
        ticket_row("INC5", **{"caller_id": "Nobody Known", "caller_id.email": ""}),
    ]
    result = import_tickets(acme, list_csv(rows))
    placed = {t.external_id: (t.requester_person.name if t.requester_person else None,
                              t.requester_department.name if t.requester_department else None)
              for t in Ticket.objects.filter(organisation=acme).select_related("requester_person",
                                                                               "requester_department")}
    assert placed == {"INC1": ("Victor Varga", "Finance"), "INC2": ("Ivan Ito", "IT"),
                      "INC3": (None, "Operations"), "INC4": (None, None), "INC5": (None, None)}
    assert result.details["unresolved_requesters"] == 2
    assert result.details["unresolved_requesters_top"] == ["Nobody Known (2)"]


def test_the_import_kind_runs_through_an_import_run(acme, fixture_file):
    with fixture_file("servicenow_incident_list.csv").open("rb") as source:
        run = import_run_create(organisation=acme, kind="tickets", file_name="incidents.csv", source=source,
                                user=None, via="cli", options={"timezone": "Europe/Amsterdam"})
    run = import_run_execute(run)
    assert run.status == ImportRun.Status.SUCCEEDED, run.errors
    assert run.format == "servicenow-csv"
    assert Ticket.objects.filter(organisation=acme, import_run=run).count() == run.rows_created > 0


def test_open_tickets_breach_once_their_age_passes_the_target(acme, list_csv, import_tickets):
    # The export was taken Friday 6 March 12:00 (its newest update); P3 targets: 4 h response, 24 h resolution.
    rows = [
        ticket_row("INC1", state="New", resolved_at="", opened_at="2026-03-02 09:00:00"),  # 4 days old
        ticket_row("INC2", state="In Progress", resolved_at="", opened_at="2026-03-06 10:00:00"),  # 2 h old
        ticket_row("INC3", state="Canceled", resolved_at=""),
    ]
    import_tickets(acme, list_csv(rows))
    flags = {t.external_id: (t.response_breached, t.resolution_breached)
             for t in Ticket.objects.filter(organisation=acme)}
    # A list export records no first responses: response is not measured, so the new ticket does
    # not "breach" a response nobody could have recorded; its resolution does breach.
    assert flags == {"INC1": (None, True), "INC2": (None, None), "INC3": (None, None)}
    assert set(Ticket.objects.filter(organisation=acme).values_list("response_basis", flat=True)) == {"none"}


def test_a_resolution_before_the_opening_is_imported_unmeasured_with_a_warning(acme, list_csv, import_tickets):
    path = list_csv([ticket_row("INC0000001"),
                     ticket_row("INC0000002", resolved_at="2026-03-01 08:00:00")], name="backwards.csv")
    result = import_tickets(acme, path)
    assert result.created == 2
    assert any("1 ticket(s) have a first response or a resolution before they were opened" in w
               for w in result.warnings)
    assert Ticket.objects.get(organisation=acme, external_id="INC0000002").resolution_business_seconds is None
    assert Ticket.objects.get(organisation=acme, external_id="INC0000001").resolution_business_seconds == 7200


def test_a_ticket_upload_on_the_web_takes_a_format_and_a_time_zone(login, cast, acme, fixture_file):
    client = login(cast.ivan)
    with open(fixture_file("servicenow_incident_list.csv"), "rb") as handle:
        response = client.post(f"/o/{acme.slug}/data/upload/", {
            "kind": "tickets", "file": handle, "format": "servicenow-csv", "timezone": "America/New_York"})
    assert response.status_code == 302
    run = ImportRun.objects.get(organisation=acme, kind="tickets")
    assert (run.status, run.format, run.options["timezone"]) == ("succeeded", "servicenow-csv", "America/New_York")
    assert run.rows_created > 0


def test_a_ticket_upload_with_an_unknown_format_or_zone_is_refused(login, cast, acme, fixture_file):
    client = login(cast.ivan)
    for options in ({"format": "lotus-notes"}, {"timezone": "Mars/Olympus"}):
        with open(fixture_file("servicenow_incident_list.csv"), "rb") as handle:
            response = client.post(f"/o/{acme.slug}/data/upload/", {"kind": "tickets", "file": handle, **options})
        assert response.status_code == 400
    assert not ImportRun.objects.filter(organisation=acme, kind="tickets").exists()


DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?Z?|\d{2}-\d{2}-\d{4} \d{2}:\d{2}"
                       r"|\d{1,2}/[A-Z][a-z]{2}/\d{2} \d{1,2}:\d{2} [AP]M")


def _spoil(source: Path, target: Path) -> Path:
    """A copy of a fixture whose first ticket has dates no format reads."""
    if source.suffix == ".xlsx":
        from tests.tickets.test_importers_servicenow_xlsx import HEADER, write_xlsx

        write_xlsx(target, [HEADER, ["INC1", "2026-03-02 08:00:00", "Printer", "4 - Low", "New"],
                            ["INC2", "in a while", "Scanner", "2 - High", "New"]])
        return target
    text = source.read_text(encoding="utf-8")
    if source.suffix == ".json":
        spoiled = re.sub(r'("created_at":\s*)"[^"]*"', r'\1"in a while"', text, count=1)
    else:
        header, first, rest = text.split("\n", 2)
        spoiled = "\n".join([header, DATE_TEXT.sub("in a while", first), rest])
    assert spoiled != text
    target.write_text(spoiled, encoding="utf-8")
    return target


@pytest.mark.parametrize("name,options", FORMAT_FIXTURES, ids=[f[0] for f in FORMAT_FIXTURES])
def test_each_format_rejects_a_bad_file_and_writes_nothing(acme, fixture_file, import_tickets, tmp_path, name,
                                                          options):
    options = {k: fixture_file(v) for k, v in options.items()}
    import_tickets(acme, fixture_file(name), **options)
    before = sorted(Ticket.objects.filter(organisation=acme).values_list("external_id", "state", "updated_at"))
    history = TicketStateChange.objects.filter(organisation=acme).count()
    with pytest.raises(ImportFileError) as error:
        import_tickets(acme, _spoil(fixture_file(name), tmp_path / name), **options)
    assert error.value.row is not None and error.value.column, str(error.value)
    assert sorted(Ticket.objects.filter(organisation=acme).values_list("external_id", "state", "updated_at")) == before
    assert TicketStateChange.objects.filter(organisation=acme).count() == history
