"""Backlog age as of the export: the as-of instant from the user (CLI, web, API), from the export's
last-update column, or — with a warning and a word on the page — the import itself."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamalign.cli import main
from teamalign.errors import ValidationError
from teamalign.orgs.import_runs import as_of_parse, import_options_check
from teamalign.orgs.models import ImportRun
from teamalign.tickets.models import Ticket

pytestmark = pytest.mark.django_db

EXPORT = Path(__file__).parent / "fixtures" / "servicenow_list_no_last_update.csv"
#: 27 February 2026, 17:00 in London (GMT): when the fixture's export was taken.
TAKEN = datetime(2026, 2, 27, 17, tzinfo=UTC)
OPEN = {"INC0020001", "INC0020002", "INC0020003", "INC0020006"}


def open_as_of(organisation) -> set[tuple[datetime, str]]:
    return set(Ticket.objects.filter(organisation=organisation, external_id__in=OPEN)
               .values_list("as_of", "as_of_source"))


def test_the_cli_measures_open_tickets_as_of_the_instant_given(cast, acme, login, capsys):
    assert main(["import", "tickets", str(EXPORT), "--org", "acme", "--as-of", "2026-02-27 17:00", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert not [w for w in summary["warnings"] if "last-update" in w]
    assert open_as_of(acme) == {(TAKEN, "given")}
    run = ImportRun.objects.get(pk=summary["import_run"])
    assert run.options["as_of"] == "2026-02-27T17:00:00+00:00" and run.details["as_of_source"] == "given"
    # Ages as of the export: 25 days, 7 days, 1 day and 6 hours — not "> 30 days" for all four.
    figures = login(cast.alice).get(reverse("responsiveness", args=["acme"])).context["figures"]
    assert figures["all"]["backlog"] == [1, 1, 0, 2, 0]
    assert figures["backlog_as_of"] == [{"source": "given", "open": 4, "earliest": TAKEN.isoformat(),
                                         "latest": TAKEN.isoformat()}]
    html = unescape(login(cast.alice).get(reverse("responsiveness", args=["acme"])).content.decode())
    assert "4 open tickets: ages as of 2026-02-27 17:00, the as-of instant given with the import." in html
    assert main(["metrics", "responsiveness", "--org", "acme"]) == 0
    assert ("4 open tickets: ages as of 2026-02-27 17:00 (Europe/London), the as-of instant given with the "
            "import.") in " ".join(capsys.readouterr().out.split())


def test_without_a_last_update_column_or_an_as_of_the_import_warns_and_the_page_says_so(cast, acme, login, capsys):
    before = timezone.now().replace(microsecond=0)
    assert main(["import", "tickets", str(EXPORT), "--org", "acme", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    [(at, source)] = open_as_of(acme)
    assert source == "import" and before <= at <= timezone.now()
    shown = at.astimezone(ZoneInfo(acme.timezone)).strftime("%Y-%m-%d %H:%M")
    assert (f"this export has no last-update column: open tickets' ages are measured as of the import, {shown} "
            "(Europe/London); pass --as-of / the As of field to measure them as of the export") in summary["warnings"]
    html = unescape(login(cast.alice).get(reverse("responsiveness", args=["acme"])).content.decode())
    assert f"4 open tickets: ages measured as of the import, {shown}, because the export has no last-update " \
           "column." in html
    assert "Re-import it with --as-of or the As of field" in re.sub(r"<[^>]+>", "", html)


def test_an_export_with_a_last_update_column_is_measured_as_of_it(cast, acme, login, fixture_file, capsys):
    assert main(["import", "tickets", str(fixture_file("servicenow_incident_list.csv")), "--org", "acme",
                 "--json"]) == 0
    assert not [w for w in json.loads(capsys.readouterr().out)["warnings"] if "last-update" in w]
    assert {s for _a, s in Ticket.objects.filter(organisation=acme).values_list("as_of", "as_of_source")} \
        == {"export"}
    html = unescape(login(cast.alice).get(reverse("responsiveness", args=["acme"])).content.decode())
    assert "the export's last update." in html


def test_an_as_of_given_later_moves_the_open_tickets_and_the_same_file_again_changes_nothing(acme, import_tickets):
    import_tickets(acme, EXPORT)
    assert {s for _a, s in open_as_of(acme)} == {"import"}
    again = import_tickets(acme, EXPORT)
    assert (again.created, again.updated) == (0, 0)  # an import-time as-of never replaces a stored one
    given = import_tickets(acme, EXPORT, as_of=TAKEN)
    assert (given.created, given.updated, given.unchanged) == (0, 4, 2)  # the four open tickets
    assert open_as_of(acme) == {(TAKEN, "given")}
    for _ in range(2):  # the same as-of, or none, leaves them as they are
        assert import_tickets(acme, EXPORT, as_of=TAKEN).updated == 0
        assert import_tickets(acme, EXPORT).updated == 0
    assert open_as_of(acme) == {(TAKEN, "given")}


def test_an_as_of_before_the_files_own_times_gives_way_to_them_with_a_warning(acme, import_tickets):
    result = import_tickets(acme, EXPORT, as_of=datetime(2026, 2, 1, tzinfo=UTC))
    latest = datetime(2026, 2, 27, 11, tzinfo=UTC)  # the newest time in the file: INC0020006 opened
    assert open_as_of(acme) == {(latest, "export")}
    assert ("the file has times after the as-of instant given (2026-02-01 00:00 (Europe/London)): its latest is "
            "2026-02-27 11:00 (Europe/London), so open tickets are measured as of that time") in result.warnings


def test_the_web_upload_takes_an_as_of(cast, acme, login):
    client = login(cast.ivan)
    with EXPORT.open("rb") as handle:
        response = client.post(reverse("upload", args=["acme"]), {"kind": "tickets", "file": handle,
                                                                  "as_of": "2026-02-27T18:00+01:00"})
    assert response.status_code == 302
    run = ImportRun.objects.get(organisation=acme, kind="tickets")
    assert (run.status, run.options["as_of"]) == ("succeeded", TAKEN.isoformat())
    assert open_as_of(acme) == {(TAKEN, "given")}
    assert 'name="as_of"' in client.get(reverse("data", args=["acme"])).content.decode()


@pytest.mark.parametrize("where", ["form", "query"])
def test_the_api_upload_takes_an_as_of_from_the_form_or_the_query(cast, acme, login, where):
    client = login(cast.ivan)
    data = {"file": SimpleUploadedFile("export.csv", EXPORT.read_bytes())}
    url = "/api/v1/orgs/acme/imports/tickets"
    if where == "form":
        data["as_of"] = "2026-02-27 17:00"
    else:
        url += "?as_of=2026-02-27T17:00:00Z"
    response = client.post(url, data)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "succeeded"
    assert open_as_of(acme) == {(TAKEN, "given")}


def test_the_api_takes_the_form_fields_as_of_over_the_query_strings(cast, acme, login):
    """As for format and timezone (docs/api.md): the form field wins over the same query parameter."""
    response = login(cast.ivan).post("/api/v1/orgs/acme/imports/tickets?as_of=2026-02-26",
                                     {"file": SimpleUploadedFile("export.csv", EXPORT.read_bytes()),
                                      "as_of": "2026-02-27 17:00"})
    assert response.status_code == 202, response.content
    assert open_as_of(acme) == {(TAKEN, "given")}


HOSTILE = [
    ("9999-12-31", "the as-of date 9999-12-31 is in the future"),
    ("0001-01-01", "the as-of date 0001-01-01 is before 1970"),
    ("0001-01-01T00:00+14:00", "the as-of date 0001-01-01 is before 1970"),
    ("next tuesday", "'next tuesday' is not a date or a date and time"),
    ("2026-02-30", "'2026-02-30' is not a date or a date and time"),
    ("x" * 5000, "the as-of value is too long"),
]


@pytest.mark.parametrize("value,message", HOSTILE, ids=[h[1][:30] for h in HOSTILE])
def test_a_hostile_as_of_is_a_clear_error_everywhere(cast, acme, login, capsys, value, message):
    runs = ImportRun.objects.count()
    assert main(["import", "tickets", str(EXPORT), "--org", "acme", "--as-of", value]) == 2
    assert message in " ".join(capsys.readouterr().out.split())
    client = login(cast.ivan)
    with EXPORT.open("rb") as handle:
        page = client.post(reverse("upload", args=["acme"]), {"kind": "tickets", "file": handle, "as_of": value})
    assert page.status_code == 400
    assert message.replace("'", "&#x27;") in page.content.decode() or "at most 40 characters" in \
        page.content.decode()
    api = client.post("/api/v1/orgs/acme/imports/tickets",
                      {"file": SimpleUploadedFile("export.csv", EXPORT.read_bytes()), "as_of": value})
    # The API refuses what its schema already rules out (not a date's shape, too long) by the
    # parameter's type, the rest by the same check as the CLI and the page: both are a 422.
    assert api.status_code == 422
    assert message in api.json()["detail"] or "as_of (form)" in api.json()["detail"]
    assert ImportRun.objects.count() == runs and not Ticket.objects.filter(organisation=acme).exists()


def test_a_future_instant_today_is_refused_but_a_date_today_means_now():
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    with pytest.raises(ValidationError, match="is in the future"):
        as_of_parse("2026-03-10 15:00", timezone="Europe/London", now=now)
    assert as_of_parse("2026-03-10", timezone="Europe/London", now=now) == now
    assert as_of_parse("2026-03-09", timezone="Europe/London", now=now) == datetime(2026, 3, 10, tzinfo=UTC)
    assert as_of_parse("2026-03-10 12:00:30", timezone="Europe/London", now=now) == now + timedelta(seconds=30)


def test_an_as_of_only_applies_to_ticket_imports():
    with pytest.raises(ValidationError, match="applies to tickets imports, not people"):
        import_options_check(kind="people", as_of="2026-03-01")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=60), st.from_regex(
    r"\A[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?([+-][0-9]{2}:[0-9]{2}|Z)?)?\Z")),
    zone=st.sampled_from(["Europe/London", "Pacific/Kiritimati", "Pacific/Niue", "UTC"]))
def test_any_as_of_text_is_an_instant_or_a_clear_error(text, zone):
    try:
        options = import_options_check(kind="tickets", as_of=text, organisation_timezone=zone)
    except ValidationError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return
    if options:
        instant = datetime.fromisoformat(options["as_of"])
        assert datetime(1970, 1, 1, tzinfo=UTC) <= instant <= timezone.now() + timedelta(minutes=1)
