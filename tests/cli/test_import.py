"""`teamalign import people FILE --org SLUG`."""

from __future__ import annotations

import json

import pytest

from teamalign.orgs.models import Department, ImportRun, Person, Team

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int]:
    return Person.objects.count(), Department.objects.count(), Team.objects.count()


def test_it_imports_and_prints_a_summary(teamalign, cast, people_csv):
    path = people_csv(name="hr-export.csv")
    code, out = teamalign("import", "people", str(path), "--org", "acme", "--user", "ivan@acme.example")
    assert code == 0
    run = ImportRun.objects.latest("pk")
    assert (f"Imported hr-export.csv: 4 rows read, 4 created, 0 updated, 0 unchanged, 0 rejected "
            f"in {run.details['seconds']} s (import run #{run.pk}).") in out
    assert "departments created: Sales" in out
    assert (run.via, run.created_by, run.status) == ("cli", cast.ivan, "succeeded")


def test_a_second_import_of_the_same_file_creates_and_updates_nothing(teamalign, cast, people_csv):
    path = people_csv()
    teamalign("import", "people", str(path), "--org", "acme")
    before = counts()
    code, out = teamalign("import", "people", str(path), "--org", "acme")
    assert code == 0
    assert "4 rows read, 0 created, 0 updated, 4 unchanged" in out
    assert counts() == before


def test_a_bad_file_exits_1_naming_row_and_column_and_writes_nothing(teamalign, cast, people_csv):
    path = people_csv(["name,email,department,team,title,leader",
                       "Nina Nilsen,nina@acme.example,Sales,Field,Rep,no",
                       "Pavel Petrov,pavel@acme.example,Logistics,Trucks,Driver,no",
                       "Rosa Rossi,rosa-at-acme.example,Sales,Field,Rep,no"], name="bad.csv")
    before = counts()
    code, out = teamalign("import", "people", str(path), "--org", "acme")
    assert code == 1
    assert "error: bad.csv, row 4, column 'email': 'rosa-at-acme.example' is not an email address" in out
    assert "Nothing was imported." in out
    assert counts() == before
    assert ImportRun.objects.latest("pk").status == "failed"


def test_json_output_for_scripts(teamalign, cast, people_csv, capsys, monkeypatch):
    from teamalign.cli import main

    assert main(["import", "people", str(people_csv()), "--org", "acme", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {k: summary[k] for k in ("status", "rows_read", "created", "updated", "unchanged", "errors")} == {
        "status": "succeeded", "rows_read": 4, "created": 4, "updated": 0, "unchanged": 0, "errors": []}


def test_json_output_of_a_bad_file(teamalign, cast, people_csv, capsys):
    from teamalign.cli import main

    assert main(["import", "people", str(people_csv(b"")), "--org", "acme", "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "failed" and summary["errors"] == ["people.csv: the file is empty"]


@pytest.mark.parametrize(("argv", "message"), [
    (["people", "{file}", "--org", "nope"], "error: no organisation with the slug 'nope'"),
    (["horses", "{file}", "--org", "acme"], "error: cannot import 'horses' yet; known kinds:"),
    (["people", "/no/such/file.csv", "--org", "acme"], "error: no file at /no/such/file.csv"),
    (["people", "{file}", "--org", "acme", "--mapping", "/no/mapping.yaml"], "error: no mapping file at"),
])
def test_it_refuses_what_it_cannot_import(argv, message, teamalign, cast, people_csv):
    path = str(people_csv())
    before = (counts(), ImportRun.objects.count())
    code, out = teamalign("import", *[a.replace("{file}", path) for a in argv])
    assert code == 2 and message in out
    assert (counts(), ImportRun.objects.count()) == before


def test_the_cli_ignores_the_web_upload_limit(teamalign, cast, people_csv, settings):
    settings.UPLOAD_MAX_BYTES = 10
    assert teamalign("import", "people", str(people_csv()), "--org", "acme")[0] == 0
