"""What an import run does when things go wrong: an unexpected failure is a plain message naming
the file (the traceback goes to the log, the worker carries on); a file name of any length or
shape is stored safely, and no failure leaves a file behind without its run; stored files are
private (0600 in a 0700 folder)."""

from __future__ import annotations

import io
import logging
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from teamalign.errors import ValidationError
from teamalign.orgs import import_runs
from teamalign.orgs.import_runs import (
    FILE_NAME_MAX,
    ImportResult,
    file_name_clean,
    import_run_create,
    import_run_execute,
    register_import_kind,
)
from teamalign.orgs.models import ImportRun, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def exploding_kind():
    """An import kind whose handler writes a person, then fails the way a bug does."""

    def handler(run, progress):
        progress(1, 2)
        Person.objects.create(organisation=run.organisation, name="Half Written", email="half@acme.example")
        raise KeyError("department")

    register_import_kind("exploding", handler)
    yield "exploding"
    import_runs._HANDLERS.pop("exploding", None)


def queue(cast, kind: str, name: str = "people.csv", content: bytes = b"name,email\n") -> ImportRun:
    return import_run_create(organisation=cast.acme, kind=kind, file_name=name, source=io.BytesIO(content),
                             user=cast.ivan, via="web")


def test_an_unexpected_failure_is_a_plain_message_naming_the_file_and_the_traceback_is_logged(
        cast, exploding_kind, caplog):
    run = queue(cast, exploding_kind, name="hr export (March).csv")
    with caplog.at_level(logging.ERROR, logger="teamalign.orgs.import_runs"):
        run = import_run_execute(run)
    run.refresh_from_db()
    assert run.status == "failed"
    [error] = run.errors
    assert error["text"] == ("hr export (March).csv: could not be imported because of an unexpected problem "
                             f"(a program error); nothing was changed. The details are in the server log (import "
                             f"run #{run.pk}).")
    assert "KeyError" not in error["text"] and "internal error" not in error["text"]
    assert not Person.objects.filter(email="half@acme.example").exists()  # rolled back
    [record] = [r for r in caplog.records if "failed unexpectedly" in r.getMessage()]
    assert record.exc_info and record.exc_info[0] is KeyError  # the traceback is in the log


def test_the_kind_of_an_unexpected_problem_is_named_without_python(cast):
    def failing(exc):
        def handler(run, progress):
            raise exc
        return handler

    for exc, kind in ((MemoryError(), "not enough memory"), (OSError(28, "No space left on device"),
                                                              "a file-system error"),
                      (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "a text-encoding error")):
        register_import_kind("failing", failing(exc))
        try:
            run = import_run_execute(queue(cast, "failing"))
        finally:
            import_runs._HANDLERS.pop("failing", None)
        assert f"unexpected problem ({kind}); nothing was changed" in run.errors[0]["text"]


@pytest.mark.django_db(transaction=True)
def test_the_worker_carries_on_after_an_unexpected_failure(cast, login, exploding_kind, settings, people_csv):
    """Two uploads queued; the first explodes. `teamalign worker --batch` runs both and exits 0."""
    from teamalign.cli import main
    from teamalign.orgs.import_runs import import_run_enqueue

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    bad = import_run_enqueue(queue(cast, exploding_kind))
    with people_csv().open("rb") as source:
        good = import_run_enqueue(import_run_create(organisation=cast.acme, kind="people", file_name="people.csv",
                                                    source=source, user=None, via="web"))
    assert main(["worker", "--batch", "--interval", "0"]) == 0
    bad.refresh_from_db()
    good.refresh_from_db()
    assert (bad.status, good.status, good.rows_created) == ("failed", "succeeded", 4)
    page = login(cast.ivan).get(f"/o/acme/data/imports/{bad.pk}/").content.decode()
    assert "could not be imported because of an unexpected problem (a program error)" in page
    assert "KeyError" not in page and "internal error" not in page


# --- file names -----------------------------------------------------------------------------------------


def test_a_300_character_file_name_is_shortened_and_the_import_works(cast, login, settings):
    """Was: a 500 from the upload page and an orphaned .incoming-… file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    name = "quarterly-export-" + "x" * 283 + ".csv"
    assert len(name) == 304
    response = login(cast.ivan).post("/o/acme/data/upload/", {
        "kind": "people", "file": SimpleUploadedFile(name, b"name,email\nZed Zulu,zed@acme.example\n")})
    assert response.status_code == 302
    run = ImportRun.objects.latest("pk")
    assert run.status == "succeeded"
    assert len(run.file_name) == FILE_NAME_MAX and run.file_name.startswith("quarterly-export-xxx")
    assert run.file_name.endswith("….csv")
    stored = Path(run.stored_path)
    assert len(stored.name.encode()) < 100 and stored.suffix == ".csv"
    assert not list(stored.parent.glob(".incoming-*"))


@pytest.mark.parametrize(("given_name", "kept"), [
    ("C:\\Users\\ana\\Desktop\\tickets.csv", "tickets.csv"),
    ("../../etc/passwd", "passwd"),
    ("report\x00.csv", "report.csv"),
    ("line\nbreak\ttab.csv", "line break tab.csv"),
    ("right-to-left\u202eexe.csv", "right-to-leftexe.csv"),
    ("", "upload"),
    ("..", "upload"),
    ("Ünïcödé – Übersicht.xlsx", "Ünïcödé – Übersicht.xlsx"),
])
def test_file_names_are_cleaned_for_showing(given_name, kept):
    assert file_name_clean(given_name) == kept


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=0, max_size=400))
def test_any_file_name_is_stored_safely_and_leaves_no_stray_file(cast, settings, name):
    folder = settings.UPLOAD_DIR / "acme"
    before = set(folder.iterdir()) if folder.exists() else set()
    run = import_run_create(organisation=cast.acme, kind="people", file_name=name, source=io.BytesIO(b"name,email\n"),
                            user=None, via="api")
    stored = Path(run.stored_path)
    assert stored.parent == folder and stored.is_file()
    assert len(stored.name.encode("utf-8")) <= 100
    assert 1 <= len(run.file_name) <= FILE_NAME_MAX and "/" not in run.file_name
    run.file_name.encode("utf-8")  # no lone surrogate: it would not survive the database
    assert set(folder.iterdir()) - before == {stored}
    stored.unlink()
    run.delete()


def test_no_file_is_left_behind_when_recording_the_run_fails(cast, settings, monkeypatch):
    from django.db import DatabaseError

    folder = settings.UPLOAD_DIR / "acme"
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.iterdir())

    def refuse(**kwargs):
        raise DatabaseError("value too long")

    monkeypatch.setattr(ImportRun.objects, "create", refuse)
    with pytest.raises(DatabaseError):
        queue(cast, "people")
    assert set(folder.iterdir()) == before


def test_no_file_is_left_behind_when_the_upload_is_over_the_limit_or_breaks_off(cast, settings):
    folder = settings.UPLOAD_DIR / "acme"
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.iterdir())

    class BrokenUpload(io.BytesIO):
        def read(self, size=-1):
            if self.tell() > 10:
                raise OSError("connection reset")
            return super().read(min(size, 8))

    with pytest.raises(ValidationError):
        import_run_create(organisation=cast.acme, kind="people", file_name="big.csv", source=io.BytesIO(b"x" * 50),
                          user=None, via="web", size_limit=10)
    with pytest.raises(OSError):
        import_run_create(organisation=cast.acme, kind="people", file_name="cut.csv", source=BrokenUpload(b"y" * 50),
                          user=None, via="web")
    assert set(folder.iterdir()) == before


def test_stored_files_are_private(cast, settings):
    run = queue(cast, "people")
    stored = Path(run.stored_path)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(settings.UPLOAD_DIR).stat().st_mode) == 0o700


def test_an_import_file_error_without_a_file_name_is_given_the_runs(cast):
    from teamalign.errors import ImportFileError

    def handler(run, progress):
        raise ImportFileError("the file is empty")

    register_import_kind("empty", handler)
    try:
        run = import_run_execute(queue(cast, "empty", name="blank.csv"))
    finally:
        import_runs._HANDLERS.pop("empty", None)
    assert run.errors[0]["text"] == "blank.csv: the file is empty"


def test_a_run_that_is_not_queued_is_never_run_again(cast, people_csv):
    calls = []

    def handler(run, progress):
        calls.append(run.pk)
        return ImportResult()

    register_import_kind("counted", handler)
    try:
        run = queue(cast, "counted")
        import_run_execute(run)
        stale = ImportRun.objects.get(pk=run.pk)
        stale.status = "queued"  # a stale copy, as a retried job would hold
        import_run_execute(stale)
    finally:
        import_runs._HANDLERS.pop("counted", None)
    assert calls == [run.pk]
