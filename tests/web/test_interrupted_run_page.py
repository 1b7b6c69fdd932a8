"""The run page of an interrupted import: it says so, stops polling and offers a one-click re-run
from the stored file. A run whose process died is recognised when its page (or the Data page) is
shown, even when no worker runs to notice."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from teamalign.ops.leases import lease_folder
from teamalign.ops.models import Lease
from teamalign.orgs.import_runs import import_run_create
from teamalign.orgs.models import ImportRun, Person

pytestmark = pytest.mark.django_db

PEOPLE = b"name,email\nZed Zulu,zed@acme.example\n"


def running_run_of_a_dead_process(cast, name: str = "people.csv") -> ImportRun:
    """A run left `running` by a worker that was killed: its lease row is there, its lock file is
    there, but nobody holds the lock any more."""
    run = import_run_create(organisation=cast.acme, kind="people", file_name=name, source=io.BytesIO(PEOPLE),
                            user=cast.ivan, via="web")
    holder = "gone-host:4242:deadbeef0001"
    folder = lease_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gone-host_4242_deadbeef0001.lock").write_text("{}")  # a lock file nobody holds
    from teamalign.ops.leases import host_identity

    Lease.objects.create(holder=holder, kind="worker", host=host_identity(), pid=4242,
                         renewed_at=timezone.now() - timedelta(hours=1))
    ImportRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now() - timedelta(minutes=5),
                                               lease_holder=holder, progress_done=37500, progress_total=300000)
    run.refresh_from_db()
    return run


def test_the_page_of_a_run_whose_worker_died_says_interrupted_and_stops_polling(cast, login):
    run = running_run_of_a_dead_process(cast, "tickets-march.csv")
    page = login(cast.victor).get(f"/o/acme/data/imports/{run.pk}/").content.decode()
    run.refresh_from_db()
    assert run.status == "interrupted"
    assert "Interrupted — nothing was changed" in page
    assert ("tickets-march.csv: the import was interrupted because the background worker running it stopped before "
            "it finished (killed, restarted or out of memory); nothing was changed. Re-run it.") in page
    assert "hx-trigger" not in page and 'http-equiv="refresh"' not in page  # polling stopped
    assert "37500" not in page and "37,500" not in page  # no stale progress
    assert 'id="run-rerun"' not in page  # a viewer may not import


def test_htmx_polling_of_a_dead_run_gets_the_final_fragment_without_a_trigger(cast, login):
    run = running_run_of_a_dead_process(cast)
    fragment = login(cast.victor).get(f"/o/acme/data/imports/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Interrupted" in fragment and "hx-trigger" not in fragment


def test_the_data_page_marks_the_runs_of_dead_processes(cast, login):
    run = running_run_of_a_dead_process(cast)
    page = login(cast.victor).get("/o/acme/data/").content.decode()
    assert re.search(r'class="badge interrupted">Interrupted<', page)
    run.refresh_from_db()
    assert run.status == "interrupted"


def test_one_click_re_runs_an_interrupted_import_from_the_stored_file(cast, login):
    run = running_run_of_a_dead_process(cast)
    client = login(cast.ivan)
    page = client.get(f"/o/acme/data/imports/{run.pk}/").content.decode()
    assert f'action="/o/acme/data/imports/{run.pk}/rerun/"' in page and 'id="run-rerun"' in page

    response = client.post(f"/o/acme/data/imports/{run.pk}/rerun/")

    retry = ImportRun.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/o/acme/data/imports/{retry.pk}/"
    assert (retry.retry_of_id, retry.status, retry.created_by, retry.stored_path) == (
        run.pk, "succeeded", cast.ivan, run.stored_path)
    assert Person.objects.filter(organisation=cast.acme, email="zed@acme.example").exists()
    retry_page = client.get(response["Location"]).content.decode()
    assert f"a re-run of <a href=\"/o/acme/data/imports/{run.pk}/\">import run #{run.pk}</a>" in retry_page
    original = client.get(f"/o/acme/data/imports/{run.pk}/").content.decode()
    assert f"Re-run as <a href=\"/o/acme/data/imports/{retry.pk}/\">import run #{retry.pk}</a>" in original
    assert 'id="run-rerun"' not in original  # once is enough

    again = client.post(f"/o/acme/data/imports/{run.pk}/rerun/", follow=True)
    assert f"it has been re-run already (import run #{retry.pk})" in again.content.decode()
    assert ImportRun.objects.filter(retry_of=run).count() == 1


def test_a_succeeded_run_cannot_be_re_run(cast, login):
    run = cast.objects["acme"]["import_run"]
    response = login(cast.alice).post(f"/o/acme/data/imports/{run.pk}/rerun/", follow=True)
    assert response.status_code == 200
    assert "only an interrupted import (or one that failed unexpectedly) can be re-run" in response.content.decode()
    assert not ImportRun.objects.filter(retry_of=run).exists()


def test_an_interrupted_run_whose_file_was_deleted_says_so_instead_of_offering_a_re_run(cast, login):
    run = running_run_of_a_dead_process(cast)
    Path(run.stored_path).unlink()
    ImportRun.objects.filter(pk=run.pk).update(file_removed_at=timezone.now())
    page = login(cast.ivan).get(f"/o/acme/data/imports/{run.pk}/").content.decode()
    assert 'id="run-rerun"' not in page
    assert "It cannot be re-run here: its file is no longer kept" in page
    assert "the file itself was deleted on" in page


def test_another_organisations_run_cannot_be_re_run(cast, login):
    run = running_run_of_a_dead_process(cast)
    assert login(cast.gary).post(f"/o/acme/data/imports/{run.pk}/rerun/").status_code == 404
    assert login(cast.gary).post(f"/o/globex/data/imports/{run.pk}/rerun/").status_code == 404


def test_a_running_run_of_a_live_process_keeps_polling_and_shows_how_long_it_has_run(cast, login):
    from teamalign.ops.leases import lease_acquire, lease_record

    run = import_run_create(organisation=cast.acme, kind="people", file_name="big.csv", source=io.BytesIO(PEOPLE),
                            user=None, via="web")
    lease = lease_acquire()  # this test's own process: alive
    lease_record(lease)
    ImportRun.objects.filter(pk=run.pk).update(status="running", lease_holder=lease.holder,
                                               started_at=timezone.now() - timedelta(seconds=185))
    page = login(cast.victor).get(f"/o/acme/data/imports/{run.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert "Importing…" in page and "3 m 05 s so far" in page


def test_any_run_id_is_answered_without_a_server_error(cast, login):
    from hypothesis import HealthCheck, given, settings, strategies as st

    client = login(cast.ivan)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(run_id=st.integers(min_value=0, max_value=10**30))
    def check(run_id):
        assert client.get(f"/o/acme/data/imports/{run_id}/").status_code in (200, 404)
        assert client.post(f"/o/acme/data/imports/{run_id}/rerun/").status_code in (302, 404)

    check()
