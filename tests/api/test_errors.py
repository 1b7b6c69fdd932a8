"""The API's errors: one JSON shape for every status, the faults an attack run found, and
parameters validated as the OpenAPI schema says.

Each `test_it_…_fault_…` reproduces a request that answered 500 (or HTML, or the wrong
status) before; the hostile walk over every parameter is tests/web/test_parameters.py and
the property-based run over the schema tests/api/test_schemathesis.py.
"""

from __future__ import annotations

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teamalign.orgs.models import ImportRun
from teamalign.orgs.services import api_token_create

pytestmark = pytest.mark.django_db

PEOPLE = b"name,email,department\nZed Zulu,zed@acme.example,Operations\n"


@pytest.fixture
def token(cast) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=cast.alice, name='errors')[1]}"}


def error_of(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = response.json()
    assert set(body) == {"detail", "errors"} and isinstance(body["detail"], str) and body["detail"], body
    return body


# --- the faults the attack run reproduced -------------------------------------------------------------


@pytest.mark.parametrize("offset", ["99999999999999999999", str(2**63), "1000000001", "-1"])
@pytest.mark.parametrize("endpoint", ["tickets", "people"])
def test_an_offset_out_of_range_is_a_422_not_a_500(endpoint, offset, cast, client, token):
    body = error_of(client.get(f"/api/v1/orgs/acme/{endpoint}", {"offset": offset}, **token), 422)
    assert [(e["location"], e["name"]) for e in body["errors"]] == [("query", "offset")]


@pytest.mark.parametrize("since", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
@pytest.mark.parametrize("endpoint", ["tickets", "responsiveness"])
def test_a_since_outside_the_years_the_schema_allows_is_a_422(endpoint, since, cast, client, token):
    body = error_of(client.get(f"/api/v1/orgs/acme/{endpoint}", {"since": since}, **token), 422)
    assert "YYYY-MM-DD, from 1900-01-01 to 2999-12-31" in body["errors"][0]["message"]


@pytest.mark.parametrize("since", ["0", "1700000000", "2026-1-5", "2026-02-30", "05/01/2026", "٢٠٢٦-٠١-٠٥"])
def test_a_since_that_is_not_a_date_written_yyyy_mm_dd_is_a_422(since, cast, client, token):
    # since=0 used to be read as a Unix timestamp: 1970-01-01.
    error_of(client.get("/api/v1/orgs/acme/tickets", {"since": since}, **token), 422)


def test_the_first_and_last_days_allowed_are_accepted(cast, client, token):
    for since in ("1900-01-01", "2999-12-31"):
        assert client.get("/api/v1/orgs/acme/responsiveness", {"since": since}, **token).status_code == 200
        assert client.get("/api/v1/orgs/acme/tickets", {"since": since}, **token).status_code == 200


@pytest.mark.parametrize("department", ["99999999999999999999", "²", "٣", str(2**63), "0", "Nope"])
def test_a_department_this_organisation_does_not_have_is_a_404(department, cast, client, token):
    for endpoint in ("tickets", "responsiveness"):
        body = error_of(client.get(f"/api/v1/orgs/acme/{endpoint}", {"department": department}, **token), 404)
        assert body["detail"] == f"No department '{department}' in this organisation."


def test_a_department_is_found_by_id_or_by_name_in_any_case(cast, client, token):
    operations = cast.objects["acme"]["departments"]["Operations"]
    by_id = client.get("/api/v1/orgs/acme/responsiveness", {"department": str(operations.pk)}, **token).json()
    by_name = client.get("/api/v1/orgs/acme/responsiveness", {"department": "operations"}, **token).json()
    assert by_id["filters"]["department"] == by_name["filters"]["department"] == "Operations"


def test_another_organisations_department_or_team_is_a_404(cast, client, token):
    globex = cast.objects["globex"]
    for parameter, value in (("department", globex["departments"]["Operations"].pk),
                             ("team", globex["teams"]["Operations"].pk)):
        error_of(client.get("/api/v1/orgs/acme/tickets", {parameter: value}, **token), 404)


def test_get_imports_minus_one_is_a_json_404_not_an_upload_route(cast, client, token):
    body = error_of(client.get("/api/v1/orgs/acme/imports/-1", **token), 404)
    assert "No such endpoint" in body["detail"]


def test_post_imports_zero_is_a_json_405_naming_the_method_the_run_takes(cast, client, token):
    response = client.post("/api/v1/orgs/acme/imports/0", {"file": SimpleUploadedFile("p.csv", PEOPLE)}, **token)
    error_of(response, 405)
    assert response["Allow"] == "GET"


def test_an_import_run_and_an_upload_kind_never_match_the_same_url(cast, client, token):
    run = cast.objects["acme"]["import_run"]
    assert client.get(f"/api/v1/orgs/acme/imports/{run.pk}", **token).status_code == 200
    response = client.get("/api/v1/orgs/acme/imports/people", **token)
    error_of(response, 405)
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("run_id", ["0", str(2**63), "99999999999999999999"])
def test_an_import_run_id_out_of_range_is_a_422(run_id, cast, client, token):
    body = error_of(client.get(f"/api/v1/orgs/acme/imports/{run_id}", **token), 422)
    assert body["errors"][0]["name"] == "run_id"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_bad_token_is_a_401_whatever_the_method(method, cast, client):
    for path in ("/api/v1/orgs/acme/imports/people", "/api/v1/orgs/acme/imports", "/api/v1/me"):
        response = client.generic(method, path, HTTP_AUTHORIZATION="Bearer ta_not-a-token")
        assert response.status_code in (401, 405), (path, response.status_code)
        if response.status_code == 401:
            assert "CSRF" not in error_of(response, 401)["detail"]
            assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_on_an_upload_is_a_401_not_a_csrf_failure(cast, client):
    # The session fallback used to run its CSRF check and answer 403 "CSRF check Failed".
    response = client.post("/api/v1/orgs/acme/imports/people", {"file": SimpleUploadedFile("p.csv", PEOPLE)},
                           HTTP_AUTHORIZATION="Bearer ta_not-a-token")
    error_of(response, 401)


def test_a_signed_in_browser_still_needs_the_csrf_token_to_upload(cast, login):
    browser = login(cast.alice, enforce_csrf_checks=True)
    response = browser.post("/api/v1/orgs/acme/imports/people", {"file": SimpleUploadedFile("p.csv", PEOPLE)})
    assert error_of(response, 403)["detail"] == "CSRF check Failed"
    assert not ImportRun.objects.filter(via="api").exists()


# --- the JSON shape for every status -------------------------------------------------------------------


def test_an_unknown_endpoint_is_a_json_404(client, token, cast):
    for path in ("/api/v1/nope", "/api/v2/me", "/api/", "/api/v1/orgs/acme/tickets/abc"):
        error_of(client.get(path, **token), 404)


def test_a_method_an_endpoint_does_not_take_is_a_json_405_with_allow(client, token, cast):
    response = client.delete("/api/v1/me", **token)
    error_of(response, 405)
    assert response["Allow"] == "GET"


def test_a_missing_token_is_a_json_401(client, cast):
    error_of(client.get("/api/v1/orgs/acme/tickets"), 401)


def test_a_role_without_the_permission_is_a_json_403(cast, client):
    viewer = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=cast.victor, name='v')[1]}"}
    response = client.post("/api/v1/orgs/acme/imports/people", {"file": SimpleUploadedFile("p.csv", PEOPLE)},
                           **viewer)
    assert error_of(response, 403)["detail"] == "Your role does not allow this."


def test_an_object_of_nobody_is_a_json_404(cast, client, token):
    error_of(client.get(f"/api/v1/orgs/acme/tickets/{2**63 - 1}", **token), 404)
    error_of(client.get("/api/v1/orgs/nobody/tickets", **token), 404)


def test_an_oversized_upload_is_a_json_413(cast, client, token, settings):
    settings.UPLOAD_MAX_BYTES = 10
    response = client.post("/api/v1/orgs/acme/imports/people", {"file": SimpleUploadedFile("p.csv", PEOPLE)},
                           **token)
    assert "upload limit" in error_of(response, 413)["detail"]


def test_a_malformed_multipart_body_is_a_json_400(cast, client, token):
    response = client.generic("POST", "/api/v1/orgs/acme/imports/people", b"--x\r\nnonsense",
                              "multipart/form-data; boundary=", **token)
    error_of(response, 400)


def test_a_query_of_more_fields_than_django_reads_is_a_json_400(cast, client, token):
    query = "&".join(f"q{i}=x" for i in range(1001))
    body = error_of(client.get(f"/api/v1/orgs/acme/tickets?{query}", **token), 400)
    assert "The request cannot be read" in body["detail"]


def test_an_unexpected_failure_is_a_json_500_and_its_traceback_is_logged(cast, client, token, monkeypatch, caplog):
    from teamalign.orgs import selectors

    def broken(organisation):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(selectors, "departments_with_counts", broken)
    with caplog.at_level(logging.ERROR, logger="teamalign.api"):
        body = error_of(client.get("/api/v1/orgs/acme/departments", **token), 500)
    assert "the disk is on fire" not in body["detail"]  # nothing internal leaks to the caller
    [record] = [r for r in caplog.records if r.name == "teamalign.api"]
    assert "GET /api/v1/orgs/acme/departments" in record.getMessage()
    assert record.exc_info and "the disk is on fire" in str(record.exc_info[1])


def test_a_422_names_every_parameter_at_fault(cast, client, token):
    body = error_of(client.get("/api/v1/orgs/acme/tickets", {"priority": "6", "state": "sleeping", "limit": "x"},
                               **token), 422)
    assert {(e["location"], e["name"]) for e in body["errors"]} == {
        ("query", "priority"), ("query", "state"), ("query", "limit")}
    assert "priority (query)" in body["detail"]


@pytest.mark.parametrize(("parameter", "value"), [("priority", "0"), ("priority", "6"), ("kind", "bug"),
                                                  ("breached", "all"), ("q", "x" * 201), ("q", "a\x00b"),
                                                  ("team", "0"), ("unresolved", "maybe")])
def test_every_constraint_the_schema_states_is_enforced(parameter, value, cast, client, token):
    error_of(client.get("/api/v1/orgs/acme/tickets", {parameter: value}, **token), 422)


# --- upload options: form fields or query ---------------------------------------------------------------


def _upload(client, token, *, form=None, query=""):
    data = {"file": SimpleUploadedFile("tickets.csv", b"number,opened_at\n")}
    data.update(form or {})
    return client.post(f"/api/v1/orgs/acme/imports/tickets{query}", data, **token)


@pytest.mark.parametrize("where", ["form", "query"])
def test_the_upload_reads_format_and_timezone_from_form_fields_or_the_query(where, cast, client, token):
    options = {"format": "zendesk-csv", "timezone": "America/New_York"}
    if where == "form":
        response = _upload(client, token, form=options)
    else:
        response = _upload(client, token, query="?format=zendesk-csv&timezone=America/New_York")
    assert response.status_code == 202, response.content
    run = ImportRun.objects.get(pk=response.json()["id"])
    assert (run.format, run.options.get("timezone")) == ("zendesk-csv", "America/New_York")


def test_a_form_field_wins_over_the_same_option_in_the_query(cast, client, token):
    response = _upload(client, token, form={"timezone": "UTC"}, query="?timezone=Europe/Paris&format=jira-csv")
    assert response.status_code == 202
    run = ImportRun.objects.get(pk=response.json()["id"])
    assert (run.format, run.options["timezone"]) == ("jira-csv", "UTC")


@pytest.mark.parametrize("form", [{"format": "excel"}, {"timezone": "Mars/Olympus"}, {"timezone": "utc "}])
def test_an_unknown_format_or_zone_as_a_form_field_is_a_422_not_ignored(form, cast, client, token):
    runs = ImportRun.objects.count()
    error_of(_upload(client, token, form=form), 422)
    assert ImportRun.objects.count() == runs


@pytest.mark.parametrize("where", ["form", "query"])
def test_a_format_for_a_kind_that_has_none_is_a_422_not_ignored(where, cast, client, token):
    data = {"file": SimpleUploadedFile("p.csv", PEOPLE)}
    if where == "form":
        data["format"] = "zendesk-csv"
    response = client.post("/api/v1/orgs/acme/imports/people" + ("?format=zendesk-csv" if where == "query" else ""),
                           data, **token)
    assert error_of(response, 422)["errors"] == [{"location": where, "name": "format",
                                                  "message": "people imports have one format; leave format out"}]


def test_a_format_of_another_kind_is_refused_by_the_schema_too(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "format" not in {p["name"] for p in schema["paths"]["/api/v1/orgs/{org_slug}/imports/people"]["post"][
        "parameters"]}
    assert "zendesk-csv" in schema["components"]["schemas"]["TicketsImportFormat"]["enum"]
