"""The Data page: uploading a file runs an import as a background job; its page shows progress and result."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from teamalign.orgs.models import Department, ImportRun, Person, Team
from tests.conftest import PEOPLE_HEADER, PEOPLE_ROWS

pytestmark = pytest.mark.django_db

GOOD = ("\n".join([PEOPLE_HEADER, *PEOPLE_ROWS]) + "\n").encode()


def upload(client, content: bytes = GOOD, name: str = "people.csv", kind: str = "people", slug: str = "acme"):
    return client.post(f"/o/{slug}/data/upload/", {"kind": kind, "file": SimpleUploadedFile(name, content)})


def counts() -> tuple[int, int, int, int]:
    return Person.objects.count(), Department.objects.count(), Team.objects.count(), ImportRun.objects.count()


def stored_files(settings) -> set:
    return set(settings.UPLOAD_DIR.rglob("*")) if settings.UPLOAD_DIR.exists() else set()


def test_the_data_page_offers_the_upload_form_to_those_who_may_import(cast, login):
    for user in (cast.alice, cast.ivan):
        page = login(user).get("/o/acme/data/")
        assert b'enctype="multipart/form-data"' in page.content
    for user in (cast.olivia, cast.victor):
        page = login(user).get("/o/acme/data/")
        assert page.status_code == 200 and b"multipart/form-data" not in page.content


def test_the_data_page_lists_the_import_history(cast, login):
    page = login(cast.victor).get("/o/acme/data/")
    assert b"acme-people.csv" in page.content
    assert b"globex-people.csv" not in page.content


def test_an_upload_runs_the_import_and_shows_the_result(cast, login):
    client = login(cast.ivan)
    response = upload(client)
    run = ImportRun.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/o/acme/data/imports/{run.pk}/"
    assert (run.status, run.via, run.created_by, run.rows_created) == ("succeeded", "web", cast.ivan, 4)
    page = client.get(response["Location"]).content.decode()
    assert "Succeeded" in page
    assert re.search(r'id="run-created">4<', page)
    assert run.file_sha256 in page
    assert 'hx-trigger="every 1s"' not in page  # a finished run stops polling
    assert Person.objects.filter(organisation=cast.acme, email="pavel@acme.example").exists()


def test_uploading_the_same_file_again_creates_and_updates_nothing(cast, login):
    client = login(cast.alice)
    upload(client)
    response = upload(client)
    run = ImportRun.objects.latest("pk")
    assert (run.rows_created, run.rows_updated, run.rows_unchanged) == (0, 0, 4)
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'id="run-created">0<', page) and re.search(r'id="run-updated">0<', page)


def test_a_bad_upload_shows_where_the_file_is_wrong_and_writes_nothing(cast, login):
    client = login(cast.ivan)
    people, departments, teams, _runs = counts()
    bad = GOOD.replace(b"rosa@acme.example", b"rosa-at-acme")
    response = upload(client, bad, name="hr.csv")
    run = ImportRun.objects.latest("pk")
    assert run.status == "failed"
    assert counts()[:3] == (people, departments, teams)
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in page
    assert "hr.csv, row 4, column &#x27;email&#x27;: &#x27;rosa-at-acme&#x27; is not an email address" in page


def test_an_upload_without_a_file_is_refused(cast, login):
    response = login(cast.ivan).post("/o/acme/data/upload/", {"kind": "people"})
    assert response.status_code == 400
    assert b"This field is required." in response.content


def test_an_upload_of_an_unknown_kind_is_refused(cast, login):
    before = counts()
    response = upload(login(cast.ivan), kind="horses")
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert counts() == before


def test_a_file_over_the_upload_limit_is_refused_with_a_clear_message_and_not_stored(cast, login, settings):
    settings.UPLOAD_MAX_BYTES = 100
    before, stored = counts(), stored_files(settings)
    response = upload(login(cast.ivan), GOOD)
    assert response.status_code == 400
    text = response.content.decode()
    assert f"The file is {len(GOOD)} bytes; the upload limit is 100 bytes" in text
    assert "teamalign import" in text
    assert counts() == before
    assert stored_files(settings) == stored


def test_the_upload_limit_is_shown_on_the_data_page(cast, login, settings):
    settings.UPLOAD_MAX_BYTES = 3 * 1024 * 1024
    assert b"Up to 3.0\xc2\xa0MB" in login(cast.ivan).get("/o/acme/data/").content


def test_htmx_polling_gets_only_the_status_fragment(cast, login):
    run = cast.objects["acme"]["import_run"]
    fragment = login(cast.victor).get(f"/o/acme/data/imports/{run.pk}/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert fragment.content.lstrip().startswith(b'<section class="panel" id="run-status"')
    assert b"<html" not in fragment.content


# the worker path: the database backend and `teamalign worker --batch` -------------------------------------


# The worker closes database connections between jobs, which would end a test's transaction.
worker_test = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@worker_test
def test_with_the_database_backend_a_run_waits_for_the_worker(cast, login, database_tasks):
    client = login(cast.ivan)
    response = upload(client)
    run = ImportRun.objects.latest("pk")
    assert run.status == "queued" and run.task_id
    page = client.get(response["Location"]).content.decode()
    assert "Queued" in page and "Waiting for the worker" in page
    assert 'hx-trigger="every 1s"' in page  # htmx polls...
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page  # ...or the page reloads
    assert not Person.objects.filter(email="pavel@acme.example").exists()

    call_command("db_worker", batch=True, interval=0, verbosity=0)

    run.refresh_from_db()
    assert (run.status, run.rows_created) == ("succeeded", 4)
    assert "Succeeded" in client.get(response["Location"]).content.decode()


@worker_test
def test_teamalign_worker_batch_runs_the_waiting_imports(cast, login, database_tasks, capsys):
    from teamalign.cli import main

    upload(login(cast.ivan))
    run = ImportRun.objects.latest("pk")
    assert run.status == "queued"
    assert main(["worker", "--batch", "--interval", "0"]) == 0
    run.refresh_from_db()
    assert run.status == "succeeded"


def test_the_run_page_shows_progress_while_running(cast, login):
    run = cast.objects["acme"]["import_run"]
    ImportRun.objects.filter(pk=run.pk).update(status="running", progress_done=25, progress_total=100)
    page = login(cast.victor).get(f"/o/acme/data/imports/{run.pk}/").content.decode()
    assert '<progress class="progress" max="100" value="25"' in page and "25 of 100 rows" in page


def test_an_upload_announcing_more_than_the_limit_is_refused_before_its_body_is_read(cast, login, settings):
    settings.UPLOAD_MAX_BYTES = 100
    client = login(cast.ivan)
    response = client.generic("POST", f"/o/{cast.acme.slug}/data/upload/", b"", content_type="multipart/form-data",
                              CONTENT_LENGTH=str(100 + 2 * 1024 * 1024))
    assert response.status_code == 413
    assert "UPLOAD_MAX_BYTES" in response.content.decode()
    api = client.generic("POST", f"/api/v1/orgs/{cast.acme.slug}/imports/people", b"",
                         content_type="multipart/form-data", CONTENT_LENGTH=str(100 + 2 * 1024 * 1024))
    assert api.status_code == 413 and "limit" in api.json()["detail"]
    assert not ImportRun.objects.filter(organisation=cast.acme, kind="people", via__in=["web", "api"]).exists()
