"""Upload retention: a kept file goes UPLOAD_RETENTION_DAYS after a successful import and
UPLOAD_RETENTION_FAILED_DAYS after a failed or interrupted one (0: kept for ever); a file shared
by a run and its re-run goes when both allow it; orphaned files go after a day. The command line
(`teamalign uploads clean [--dry-run]`) and the worker's daily job apply it."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from teamalign.ops.retention import uploads_clean
from teamalign.ops.tasks import uploads_clean_due, uploads_clean_job
from teamalign.orgs.import_runs import import_run_create
from teamalign.orgs.models import ImportRun

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_upload_folder(settings, tmp_path):
    """Each test its own upload folder: files other tests leave behind would read as orphans."""
    settings.UPLOAD_DIR = tmp_path / "uploads"


def kept_run(cast, *, status: str, days_ago: float, name: str = "people.csv") -> ImportRun:
    run = import_run_create(organisation=cast.acme, kind="people", file_name=name,
                            source=io.BytesIO(f"name,email\n{name},x@acme.example\n".encode()), user=None, via="web")
    finished = timezone.now() - timedelta(days=days_ago)
    ImportRun.objects.filter(pk=run.pk).update(status=status, finished_at=finished, created_at=finished)
    run.refresh_from_db()
    return run


def test_each_rule_deletes_only_what_has_passed_its_time(cast, settings):
    settings.UPLOAD_RETENTION_DAYS, settings.UPLOAD_RETENTION_FAILED_DAYS = 90, 7
    old_success = kept_run(cast, status="succeeded", days_ago=91, name="old-ok.csv")
    young_success = kept_run(cast, status="succeeded", days_ago=30, name="young-ok.csv")
    old_failure = kept_run(cast, status="failed", days_ago=8, name="old-bad.csv")
    old_interrupted = kept_run(cast, status="interrupted", days_ago=8, name="old-cut.csv")
    young_failure = kept_run(cast, status="failed", days_ago=6, name="young-bad.csv")
    still_queued = kept_run(cast, status="queued", days_ago=200, name="queued.csv")

    report = uploads_clean()

    gone = {old_success.pk, old_failure.pk, old_interrupted.pk}
    for run in (old_success, young_success, old_failure, old_interrupted, young_failure, still_queued):
        run.refresh_from_db()
        assert Path(run.stored_path).exists() == (run.pk not in gone), run.file_name
        assert (run.file_removed_at is not None) == (run.pk in gone), run.file_name
    assert len(report.files) == 3 and report.runs == 3 and report.bytes > 0
    # The runs keep their record: name, checksum, counts.
    assert ImportRun.objects.filter(pk__in=gone).count() == 3


def test_zero_days_keeps_files_for_ever(cast, settings):
    settings.UPLOAD_RETENTION_DAYS = settings.UPLOAD_RETENTION_FAILED_DAYS = 0
    runs = [kept_run(cast, status="succeeded", days_ago=4000), kept_run(cast, status="failed", days_ago=4000)]
    assert not uploads_clean().files
    assert all(Path(r.stored_path).exists() for r in runs)


def test_a_file_shared_with_a_re_run_goes_only_when_both_runs_allow_it(cast, settings):
    settings.UPLOAD_RETENTION_DAYS, settings.UPLOAD_RETENTION_FAILED_DAYS = 90, 7
    interrupted = kept_run(cast, status="interrupted", days_ago=30)
    retry = ImportRun.objects.create(organisation=cast.acme, kind="people", file_name=interrupted.file_name,
                                     file_sha256=interrupted.file_sha256, stored_path=interrupted.stored_path,
                                     status="succeeded", finished_at=timezone.now() - timedelta(days=29),
                                     retry_of=interrupted)
    assert not uploads_clean().files  # the re-run succeeded 29 days ago: 90 days for it
    ImportRun.objects.filter(pk=retry.pk).update(finished_at=timezone.now() - timedelta(days=91))
    assert uploads_clean().runs == 2
    assert not Path(interrupted.stored_path).exists()


def test_orphaned_files_go_after_a_day_and_a_moved_data_folder_orphans_nothing(cast, settings):
    folder = settings.UPLOAD_DIR / "acme"
    folder.mkdir(parents=True, exist_ok=True)
    old_incoming = folder / ".incoming-1700000000000000000"
    old_incoming.write_bytes(b"half an upload")
    two_days = time.time() - 2 * 86400
    os.utime(old_incoming, (two_days, two_days))
    fresh_incoming = folder / ".incoming-99"
    fresh_incoming.write_bytes(b"an upload being received")
    run = kept_run(cast, status="succeeded", days_ago=1)
    stored = Path(run.stored_path)
    os.utime(stored, (two_days, two_days))
    # The run names its file by an absolute path of a data folder that has since moved.
    ImportRun.objects.filter(pk=run.pk).update(stored_path=f"/srv/old-data/uploads/acme/{stored.name}")

    report = uploads_clean()

    assert report.orphans == [old_incoming]
    assert not old_incoming.exists() and fresh_incoming.exists() and stored.exists()


def test_a_dry_run_deletes_nothing(cast, settings):
    settings.UPLOAD_RETENTION_DAYS = 90
    run = kept_run(cast, status="succeeded", days_ago=100)
    report = uploads_clean(dry_run=True)
    assert report.files == [Path(run.stored_path)] and Path(run.stored_path).exists()
    run.refresh_from_db()
    assert run.file_removed_at is None


def test_the_command_line_verb(cast, settings, teamalign):
    settings.UPLOAD_RETENTION_DAYS = 90
    run = kept_run(cast, status="succeeded", days_ago=100)
    code, out = teamalign("uploads", "clean", "--dry-run")
    assert code == 0
    assert f"would delete {run.stored_path}" in out
    assert "Would delete 1 kept file(s) past their retention and 0 orphaned file(s)" in out
    assert "kept 90 days after a successful import, 7 days after a failed or interrupted one" in out
    assert Path(run.stored_path).exists()
    code, out = teamalign("uploads", "clean")
    assert code == 0 and "Deleted 1 kept file(s)" in out
    assert not Path(run.stored_path).exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_queues_the_clean_once_a_day(cast, settings):
    from django_tasks_db.models import DBTaskResult

    from teamalign.ops.worker import worker_tick

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.UPLOAD_RETENTION_DAYS = 90
    run = kept_run(cast, status="succeeded", days_ago=100)
    assert uploads_clean_due()
    worker_tick()
    worker_tick()  # the clean is queued once, not per tick
    jobs = DBTaskResult.objects.filter(task_path=uploads_clean_job.module_path)
    assert jobs.count() == 1 and not uploads_clean_due()
    from django.core.management import call_command

    call_command("db_worker", batch=True, interval=0, verbosity=0)
    assert jobs.get().status == "SUCCESSFUL" and jobs.get().return_value["files"] == 1
    assert not Path(run.stored_path).exists()
    assert not uploads_clean_due()  # one a day
    jobs.update(finished_at=timezone.now() - timedelta(hours=25))
    assert uploads_clean_due()
