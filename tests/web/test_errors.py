"""Error pages and their log lines (issue 7, item 9): 403, 404 and 500 are the app's own pages,
with its navigation for a signed-in user, with DEBUG off as in production; a 403 logs one line."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False  # as in production (pytest-django's default too; said here so it stays)


def nav_of(html: str) -> bool:
    return '<nav class="areas" aria-label="Areas">' in html


def failing_client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


# --- 404 --------------------------------------------------------------------------------------------


def test_a_missing_object_in_an_organisation_is_a_styled_404_with_the_navigation(cast, login):
    response = login(cast.alice).get("/o/acme/people/999999/edit/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "There is nothing here" in html and "404 · not found" in html
    assert nav_of(html) and 'href="/o/acme/"' in html and "teamalign/app.css" in html


def test_another_organisations_page_is_the_same_404_without_naming_it(cast, login):
    response = login(cast.gary).get("/o/acme/people/")
    html = response.content.decode()
    assert response.status_code == 404 and "There is nothing here" in html
    assert "Acme" not in html
    assert "gary@globex.example" in html  # still signed in: the header with the account link


def test_an_anonymous_404_offers_to_sign_in(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert 'href="/login/"' in response.content.decode()


# --- 403 --------------------------------------------------------------------------------------------


def test_a_role_without_the_permission_gets_a_styled_403_with_the_navigation(cast, login):
    response = login(cast.victor).get("/o/acme/users/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Your role does not allow this" in html
    assert "You are <strong>Viewer</strong> in Acme." in html
    assert nav_of(html)


def test_a_refused_form_is_a_styled_403(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.alice)
    response = client.post("/o/acme/departments/new/", {"name": "Sales", "kind": "other"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert not cast.acme.departments.filter(name="Sales").exists()


def test_a_403_is_one_line_in_the_log_without_a_traceback(cast, login, caplog):
    caplog.set_level(logging.WARNING, logger="django.request")
    login(cast.victor).get("/o/acme/users/")
    records = [r for r in caplog.records if r.name == "django.request" and getattr(r, "status_code", None) == 403]
    assert len(records) == 1
    line = logging.Formatter().format(records[0])
    assert line == f"Forbidden (Permission denied): /o/acme/users/ (user {cast.victor.pk})"
    assert "Traceback" not in line and "\n" not in line


def test_a_403_stays_one_line_however_often_the_logging_was_set_up(cast, login):
    import django

    django.setup()  # as every CLI verb run in the same process does: the filter is added again
    django.setup()
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        login(cast.victor).get("/o/acme/users/")
    finally:
        logger.removeHandler(handler)
    lines = [logging.Formatter().format(r) for r in records if getattr(r, "status_code", None) == 403]
    assert lines == [f"Forbidden (Permission denied): /o/acme/users/ (user {cast.victor.pk})"]


def test_a_500_still_logs_its_traceback(cast, monkeypatch, caplog):
    monkeypatch.setattr("teamalign.web.views.directory_summary", lambda org: 1 / 0)
    failing_client(cast.alice).get("/o/acme/")
    records = [r for r in caplog.records if r.name == "django.request" and getattr(r, "status_code", None) == 500]
    assert records and "ZeroDivisionError" in logging.Formatter().format(records[0])


# --- 500 --------------------------------------------------------------------------------------------


def test_a_server_error_is_a_styled_500_with_the_navigation(cast, monkeypatch):
    monkeypatch.setattr("teamalign.web.views.directory_summary", lambda org: 1 / 0)
    response = failing_client(cast.alice).get("/o/acme/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and "teamalign/app.css" in html
    assert nav_of(html) and "alice@acme.example" in html
    assert "ZeroDivisionError" not in html and "Traceback" not in html


def test_a_500_whose_navigation_fails_too_is_still_the_styled_page(cast, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database is gone")

    monkeypatch.setattr("teamalign.web.views.directory_summary", broken)
    monkeypatch.setattr("teamalign.web.context_processors.user_memberships", broken)
    response = failing_client(cast.alice).get("/o/acme/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and "teamalign/app.css" in html
    assert "the database is gone" not in html


def test_an_anonymous_500_is_the_styled_page(cast, monkeypatch):
    monkeypatch.setattr("teamalign.web.views.LoginView.get", lambda *a, **k: 1 / 0)
    response = failing_client().get("/login/")
    assert response.status_code == 500 and "Something went wrong on our side" in response.content.decode()
