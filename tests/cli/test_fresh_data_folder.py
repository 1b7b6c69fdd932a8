"""Every verb works on a fresh, empty data folder, and no user mistake ends in a traceback.

The fresh-folder tests run `python -m teamalign` in a subprocess with its own TEAMALIGN_DATA_DIR
(SQLite), exactly as someone following the README would; the mistakes run in this process,
against the test database, where any exception escaping `main` would fail the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from teamalign.cli import main

FIXTURES = Path(__file__).parents[1] / "tickets_db" / "fixtures"
PEOPLE = "name,email,department\nOlivia Okafor,olivia@acme.example,Operations\n"


def run(data_dir: Path, *argv: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"TEAMALIGN_DATA_DIR": str(data_dir), "COLUMNS": "200", "TEAMALIGN_PASSWORD": "correct horse 42x",
                **(extra_env or {})})
    return subprocess.run([sys.executable, "-m", "teamalign", *argv], capture_output=True, text=True, env=env,
                          timeout=300, cwd=Path(__file__).parents[2])


def fresh(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


def test_each_verb_works_on_a_fresh_empty_data_folder(tmp_path: Path):
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    export = str(FIXTURES / "servicenow_list_no_last_update.csv")
    verbs = [
        (["org", "create", "Acme", "--timezone", "Europe/London"], "Created organisation Acme"),
        (["org", "list"], "slug"),
        (["user", "create", "alice@acme.example", "--org", "acme", "--role", "admin"], "it is admin of Acme"),
        (["import", "people", str(people), "--org", "acme"], "1 created"),
        (["import", "tickets", export, "--org", "acme", "--as-of", "2026-02-27 17:00"], "6 created"),
        (["metrics", "responsiveness", "--org", "acme"], "Acme: 0 tickets"),
        (["worker", "--batch"], ""),
    ]
    for argv, expected in verbs:
        folder = fresh(tmp_path, "-".join(argv[:2]).replace("/", "_"))
        if argv[0] not in ("org",) or argv[1] != "create":
            # Every verb but `org create` needs the organisation: made in the same fresh folder first.
            made = run(folder, "org", "create", "Acme", "--timezone", "Europe/London")
            assert made.returncode == 0, made.stderr
        done = run(folder, *argv)
        assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"
        assert "Traceback" not in done.stderr and expected in " ".join(done.stdout.split()), (argv, done.stdout)


def test_an_unusable_database_is_a_clear_error(tmp_path: Path):
    done = run(fresh(tmp_path, "pg"), "org", "list",
               extra_env={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "error: the database cannot be used" in done.stdout


@pytest.fixture
def files(tmp_path: Path) -> dict:
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    return {"people": str(people), "tickets": str(FIXTURES / "servicenow_list_no_last_update.csv"),
            "folder": str(folder)}


MISTAKES = [
    (["org", "create", "Acme Two", "--timezone", "Mars/Olympus"], "error:"),
    (["org", "create", "Acme Two", "--timezone", "Europe/London", "--currency", "EUROS"], "error:"),
    (["org", "create", "   ", "--timezone", "Europe/London"], "error:"),
    (["user", "create", "not-an-email", "--org", "acme", "--role", "admin", "--password", "correct horse 42x"],
     "error:"),
    (["user", "create", "new@acme.example", "--org", "nope", "--role", "admin"], "no organisation"),
    (["import", "tickets", "/no/such/export.csv", "--org", "acme"], "no file at"),
    (["import", "tickets", "{folder}", "--org", "acme"], "no file at"),
    (["import", "tickets", "{tickets}", "--org", "nope"], "no organisation"),
    (["import", "horses", "{tickets}", "--org", "acme"], "cannot import 'horses'"),
    (["import", "tickets", "{tickets}", "--org", "acme", "--format", "lotus-notes"], "not a format of tickets"),
    (["import", "tickets", "{tickets}", "--org", "acme", "--format", "people"], "not a format of tickets"),
    (["import", "tickets", "{tickets}", "--org", "acme", "--timezone", "Mars/Olympus"], "not a known IANA"),
    (["import", "tickets", "{tickets}", "--org", "acme", "--as-of", "yesterday"], "not a date"),
    (["import", "people", "{people}", "--org", "acme", "--as-of", "2026-01-01"], "applies to tickets imports"),
    (["import", "tickets", "{tickets}", "--org", "acme", "--user", "nobody@acme.example"], "no user with the email"),
    (["import", "tickets", "{tickets}", "--org", "acme", "--mapping", "/no/mapping.toml"], "no mapping file"),
    (["metrics", "responsiveness", "--org", "nope"], "no organisation"),
    (["metrics", "responsiveness", "--org", "acme", "--department", "Nope"], "no department named 'Nope'"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("argv,message", MISTAKES, ids=[" ".join(m[0][:3]) + f" {i}" for i, m in enumerate(MISTAKES)])
def test_a_user_mistake_is_an_error_message_not_a_traceback(teamalign, cast, files, argv, message):
    from teamalign.orgs.models import ImportRun

    runs = ImportRun.objects.count()
    code, out = teamalign(*[a.format(**files) for a in argv])
    assert code == 2 and message in out, out
    assert ImportRun.objects.count() == runs


USAGE_MISTAKES = [
    ["metrics", "responsiveness", "--org", "acme", "--since", "2026-13-01"],
    ["metrics", "responsiveness", "--org", "acme", "--priority", "9"],
    ["bench", "tickets", "--rows", "0"],
    ["bench", "tickets", "--rows", "many"],
    ["serve", "--port", "70000"],
    ["demo", "--workers", "0"],
    ["worker", "--interval", "-1"],
    ["user", "create", "x@acme.example", "--org", "acme", "--role", "king"],
]


@pytest.mark.parametrize("argv", USAGE_MISTAKES, ids=[" ".join(a[:3]) for a in USAGE_MISTAKES])
def test_a_bad_option_value_is_a_usage_message(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert "error: argument" in capsys.readouterr().err
