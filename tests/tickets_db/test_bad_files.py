"""The bad files of issue 6, through the real import (parse in the sandbox, then the database).

Each is a clear ImportFileError naming the file (as the user named it), the row and the
column where there is one, and the database is as it was; SQLite and PostgreSQL agree (this
file runs in both passes of scripts/test).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from teamalign.errors import ImportFileError
from teamalign.orgs.import_runs import import_run_create, import_run_execute
from teamalign.orgs.models import ImportRun, Person
from teamalign.tickets.models import Ticket
from tests.xlsx import write_xlsx

from .conftest import LIST_HEADER, ticket_row

pytestmark = pytest.mark.django_db


def stored(acme) -> list:
    return sorted(Ticket.objects.filter(organisation=acme).values_list("external_id", "state", "updated_at"))


def list_text(*rows: dict) -> str:
    lines = [",".join(LIST_HEADER)]
    lines += [",".join(row[c] for c in LIST_HEADER) for row in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture
def seeded(acme, list_csv, import_tickets):
    """Acme with two tickets already imported, so that "nothing changed" means something."""
    import_tickets(acme, list_csv([ticket_row("INC0000001"), ticket_row("INC0000002")], name="good.csv"))
    return acme


def refused(acme, path: Path, import_tickets, **options) -> ImportFileError:
    before = stored(acme)
    with pytest.raises(ImportFileError) as caught:
        import_tickets(acme, path, **options)
    assert type(caught.value) is ImportFileError or "memory" in str(caught.value), repr(caught.value)
    assert stored(acme) == before
    return caught.value


def test_a_header_only_file(seeded, tmp_path, import_tickets):
    path = tmp_path / "incidents.csv"
    path.write_text(",".join(LIST_HEADER) + "\n")
    assert str(refused(seeded, path, import_tickets)) == "incidents.csv: the file has a header but no data rows"


def test_cr_only_line_ends_import(seeded, tmp_path, import_tickets):
    path = tmp_path / "mac.csv"
    path.write_bytes(list_text(ticket_row("INC0000003")).replace("\n", "\r").encode())
    assert import_tickets(seeded, path).created == 1


def test_text_garbage_without_zero_bytes(seeded, tmp_path, import_tickets):
    path = tmp_path / "incidents.csv"
    path.write_bytes(bytes(b % 255 + 1 for b in range(40_000)))
    assert "not a text export" in refused(seeded, path, import_tickets).message


def test_a_50_mb_header_line(seeded, tmp_path, import_tickets):
    path = tmp_path / "incidents.csv"
    with path.open("wb") as handle:
        handle.write(b"number," + b"x" * (50 * 1024 * 1024) + b",state\nINC1,a,New\n")
    assert "the first line is longer than 1 MB" in refused(seeded, path, import_tickets).message


def test_a_people_file_with_a_million_columns(cast, tmp_path):
    from teamalign.orgs.services import people_import

    path = tmp_path / "people.csv"
    path.write_text(",".join(["name", "email"] + [f"c{i}" for i in range(1_000_000)]) + "\nNina,n@x.example\n")
    before = Person.objects.count()
    with pytest.raises(ImportFileError) as caught:
        people_import(organisation=cast.acme, path=path, file_name="hr.csv")
    assert str(caught.value).startswith("hr.csv: the first line is longer than 1 MB")
    assert Person.objects.count() == before


@pytest.mark.parametrize(("opened", "words"), [
    ("0001-01-01 00:00:00", "is a placeholder for an empty date"),
    ("1900-01-01 00:00:00", "is a placeholder for an empty date"),
    ("9999-12-31 23:59:59", "is a placeholder for an empty date"),
    ("0001-06-01 10:00:00", "is not a plausible date here (before 1970)"),
    ("1900-03-05 10:00:00", "is not a plausible date here (before 1970)"),
    ("2200-01-01 10:00:00", "is not a plausible date here (after 2100)"),
    ("9999-01-01 10:00:00", "is not a plausible date here (after 2100)"),
])
def test_dates_in_implausible_years(seeded, tmp_path, import_tickets, opened, words):
    path = tmp_path / "incidents.csv"
    path.write_text(list_text(ticket_row("INC0000003"), ticket_row("INC0000004", opened_at=opened)))
    error = refused(seeded, path, import_tickets, timezone="Europe/Berlin")
    assert (error.file, error.row, error.column) == ("incidents.csv", 3, "opened_at")
    assert words in error.message
    assert "earliest instant" not in error.message


def test_a_1900_resolution_placeholder_is_empty_with_a_warning(seeded, tmp_path, import_tickets):
    path = tmp_path / "incidents.csv"
    path.write_text(list_text(ticket_row("INC0000003", state="In Progress", resolved_at="1900-01-01 00:00:00")))
    result = import_tickets(seeded, path, timezone="Europe/Berlin")
    assert Ticket.objects.get(organisation=seeded, external_id="INC0000003").resolved_at is None
    assert any("placeholder date 1900-01-01" in w for w in result.warnings)


def test_a_ticket_number_longer_than_the_database_column(seeded, tmp_path, import_tickets):
    path = tmp_path / "incidents.csv"
    path.write_text(list_text(ticket_row("INC0000003"), ticket_row("INC" + "9" * 120)))
    error = refused(seeded, path, import_tickets)
    assert (error.row, error.column) == (3, "number")
    assert error.message.startswith("the ticket number is 123 characters long; ticket numbers may have at most 100")


def test_a_zero_byte_after_the_part_read_for_detection(seeded, tmp_path, import_tickets):
    rows = [ticket_row(f"INC{n:07d}") for n in range(3, 2000)]
    rows.append(ticket_row("INC0009999", short_description="Printer\x00 jam"))
    path = tmp_path / "incidents.csv"
    path.write_text(list_text(*rows))
    assert path.stat().st_size > 64 * 1024
    error = refused(seeded, path, import_tickets)
    assert "line 1,999 holds a zero byte (NUL)" in error.message  # header, 1,997 rows, then this one


def test_a_zero_character_in_json_names_the_ticket_and_field(seeded, tmp_path, import_tickets):
    path = tmp_path / "zendesk.json"
    ticket = {"id": 1, "status": "open", "subject": "Printer\u0000 jam", "created_at": "2026-03-02T10:00:00Z"}
    path.write_text(json.dumps({"tickets": [ticket]}))
    error = refused(seeded, path, import_tickets)
    assert (error.row, error.column) == (1, "subject")


def test_the_workbook_whose_cell_sits_at_xfd1048576(seeded, tmp_path, import_tickets):
    path = write_xlsx(tmp_path / "incidents.xlsx", [["Number", "Opened", "State"]], cells={"XFD1048576": "x"})
    assert path.stat().st_size < 2000
    error = refused(seeded, path, import_tickets)
    assert "the first sheet's cells span A1:XFD1048576" in error.message
    # The process that ran the import is still here, and imports the next file.
    path = tmp_path / "next.csv"
    path.write_text(list_text(ticket_row("INC0000003")))
    assert import_tickets(seeded, path).created == 1


def test_a_50_mb_title_is_cut_with_a_counted_warning(seeded, tmp_path, import_tickets):
    path = tmp_path / "incidents.csv"
    with path.open("w") as handle:
        handle.write(list_text(ticket_row("INC0000003"), ticket_row("INC0000004", short_description="x")))
        handle.write(",".join(ticket_row("INC0000005")[c] if c != "short_description" else "T" * (50 * 1024 * 1024)
                              for c in LIST_HEADER) + "\n")
    result = import_tickets(seeded, path)
    assert Ticket.objects.get(organisation=seeded, external_id="INC0000005").title == "T" * 500
    assert "1 'short_description' value(s) were longer than 500 characters and were cut to 500" in result.warnings


def test_a_file_that_needs_more_memory_than_allowed_fails_its_own_run(seeded, tmp_path, settings):
    settings.IMPORT_PARSE_MEMORY_MB = 64
    path = tmp_path / "incidents.csv"
    path.write_text(list_text(*[ticket_row(f"INC{n:07d}") for n in range(3, 300)]))
    with path.open("rb") as source:
        run = import_run_create(organisation=seeded, kind="tickets", file_name="incidents.csv", source=source,
                                user=None, via="cli")
    run = import_run_execute(run)
    assert run.status == ImportRun.Status.FAILED
    assert run.errors[0]["text"].startswith(
        "incidents.csv: reading the file ran out of the memory allowed for reading a file (64 MB, "
        "IMPORT_PARSE_MEMORY_MB)")
    assert Ticket.objects.filter(organisation=seeded).count() == 2


# --------------------------------------------------------------------------- the run's record


def run_file(acme, path: Path, name: str, **options) -> ImportRun:
    with path.open("rb") as source:
        run = import_run_create(organisation=acme, kind="tickets", file_name=name, source=source, user=None,
                                via="web", **options)
    assert Path(run.stored_path).name != name  # the stored copy has a prefixed name
    return import_run_execute(run)


def test_a_failed_run_names_the_users_file_and_keeps_the_detected_format(acme, tmp_path, fixture_file):
    text = fixture_file("jira_service_management.csv").read_text()
    path = tmp_path / "upload.csv"
    path.write_text(text.replace("25/Feb/26 10:17 PM", "someday", 1))
    run = run_file(acme, path, "Jira export March.csv")
    assert run.status == ImportRun.Status.FAILED
    assert run.format == "jira-csv"
    error = run.errors[0]
    assert error["file"] == "Jira export March.csv"
    assert error["text"].startswith("Jira export March.csv, row 2, column 'Created'")
    assert Path(run.stored_path).name not in error["text"]


def test_a_run_keeps_the_guessed_states_and_parse_figures_in_its_details(acme, fixture_file):
    run = run_file(acme, fixture_file("freshdesk_tickets.csv"), "freshdesk.csv")
    assert run.status == ImportRun.Status.SUCCEEDED, run.errors
    assert run.details["states_guessed"] == [
        {"label": "Waiting on Acme Corp", "state": "on_hold", "rows": 1, "how": "wording"}]
    assert run.details["parse_peak_rss_mb"] > 0
    assert any("mapped by a guess" in w for w in run.warnings)


def test_requesters_known_only_by_id_are_placed_by_a_rule_on_the_id(cast, acme, fixture_file, import_tickets):
    from teamalign.tickets.services import requester_rule_save

    ops = cast.objects["acme"]["departments"]["Operations"]
    requester_rule_save(organisation=acme, field="requester_name", value="901", department=ops)
    result = import_tickets(acme, fixture_file("zendesk_tickets_page1.json"))
    placed = dict(Ticket.objects.filter(organisation=acme).values_list("external_id", "requester_department__name"))
    assert placed["7001"] == placed["7004"] == "Operations"
    assert placed["7002"] is None
    assert "user 902 (1)" in result.details["unresolved_requesters_top"]
