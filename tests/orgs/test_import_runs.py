"""ImportRun: the record every import leaves — file, checksum, who, counts, errors, duration."""

from __future__ import annotations

import hashlib
import io

import pytest

from teamalign.errors import ValidationError
from teamalign.orgs.import_runs import import_kinds, import_run_create, import_run_execute
from teamalign.orgs.models import ImportRun, Person
from teamalign.orgs.tasks import import_run_job

pytestmark = pytest.mark.django_db


def run_file(cast, path, *, user=None, via="cli") -> ImportRun:
    with path.open("rb") as source:
        run = import_run_create(organisation=cast.acme, kind="people", file_name=path.name, source=source,
                                user=user, via=via)
    return import_run_execute(run)


def test_people_is_a_registered_import_kind():
    assert "people" in import_kinds()


def test_a_run_records_the_file_its_checksum_who_the_counts_and_how_long(cast, people_csv):
    path = people_csv(name="hr-export.csv")
    run = run_file(cast, path, user=cast.ivan)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED
    assert run.file_name == "hr-export.csv"
    assert run.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert run.file_size == path.stat().st_size
    assert run.created_by == cast.ivan and run.via == "cli" and run.kind == "people"
    assert (run.rows_read, run.rows_created, run.rows_updated, run.rows_unchanged, run.rows_rejected) == \
        (4, 4, 0, 0, 0)
    assert run.errors == []
    assert run.started_at <= run.finished_at
    assert run.duration_seconds is not None and run.duration_seconds >= 0
    assert run.details["seconds"] >= 0
    assert (run.progress_done, run.progress_total, run.progress_percent) == (4, 4, 100)


def test_a_copy_of_the_file_is_kept_in_the_data_folder(cast, people_csv, settings):
    path = people_csv()
    run = run_file(cast, path)
    from pathlib import Path

    stored = Path(run.stored_path)
    assert stored.is_relative_to(settings.UPLOAD_DIR)
    assert stored.read_bytes() == path.read_bytes()


def test_a_failed_run_records_the_error_with_file_row_and_column_and_writes_nothing(cast, people_csv):
    people_before = Person.objects.count()
    path = people_csv(["name,email", "Nina,nina@acme.example", "Pavel,pavel-at-acme"], name="bad.csv")
    run = run_file(cast, path, user=cast.alice)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    [error] = run.errors
    assert (error["file"], error["row"], error["column"]) == ("bad.csv", 3, "email")
    assert error["text"].startswith("bad.csv, row 3, column 'email':")
    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 0, 0)
    assert run.finished_at is not None and run.progress_percent == 100
    assert Person.objects.count() == people_before


def test_a_second_run_of_the_same_file_reports_zero_created_and_zero_updated(cast, people_csv):
    path = people_csv()
    first, second = run_file(cast, path), run_file(cast, path)
    assert first.file_sha256 == second.file_sha256
    assert (second.rows_created, second.rows_updated, second.rows_unchanged) == (0, 0, 4)


def test_an_unknown_kind_is_refused(cast):
    with pytest.raises(ValidationError, match="unknown import kind 'horses'"):
        import_run_create(organisation=cast.acme, kind="horses", file_name="x.csv", source=io.BytesIO(b"x"),
                          user=None, via="cli")


def test_a_file_over_the_size_limit_is_refused_and_not_stored(cast, settings):
    folder = settings.UPLOAD_DIR / "acme"
    before = set(folder.iterdir()) if folder.exists() else set()
    runs = ImportRun.objects.count()
    with pytest.raises(ValidationError, match="larger than the upload limit"):
        import_run_create(organisation=cast.acme, kind="people", file_name="big.csv",
                          source=io.BytesIO(b"x" * 5000), user=None, via="web", size_limit=1000)
    assert set(folder.iterdir()) == before
    assert ImportRun.objects.count() == runs


def test_a_file_name_cannot_climb_out_of_the_upload_folder(cast, settings):
    run = import_run_create(organisation=cast.acme, kind="people", file_name="../../etc/passwd",
                            source=io.BytesIO(b"name,email\n"), user=None, via="api")
    assert run.file_name == "passwd"
    from pathlib import Path

    assert Path(run.stored_path).parent == settings.UPLOAD_DIR / "acme"


def test_the_job_runs_a_queued_run_once(cast, people_csv):
    path = people_csv()
    with path.open("rb") as source:
        run = import_run_create(organisation=cast.acme, kind="people", file_name=path.name, source=source,
                                user=None, via="web")
    assert import_run_job.call(run.pk) == "succeeded"
    assert import_run_job.call(run.pk) == "succeeded"  # a retried job does not import twice
    run.refresh_from_db()
    assert run.rows_created == 4
