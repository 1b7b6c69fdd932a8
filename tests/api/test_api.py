"""The REST API: token auth, /me, the directory, imports, the schema and the docs page.

Cross-organisation 404, role 403 and anonymous 401 for every endpoint are in
tests/web/test_isolation.py, which walks every URL pattern.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teamalign.orgs.models import ApiToken, ImportRun, Person
from tests.conftest import PEOPLE_HEADER, PEOPLE_ROWS

pytestmark = pytest.mark.django_db

GOOD = ("\n".join([PEOPLE_HEADER, *PEOPLE_ROWS]) + "\n").encode()


def token_from_the_web_page(login, user) -> str:
    page = login(user).post("/account/tokens/", {"name": "my script"}).content.decode()
    return re.search(r'<code id="new-token">([^<]+)</code>', page).group(1)


@pytest.fixture
def ivan_token(cast, login) -> str:
    return token_from_the_web_page(login, cast.ivan)


def auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# authentication -------------------------------------------------------------------------------------------


def test_a_token_made_on_the_web_page_works_as_a_bearer_token(cast, client, ivan_token):
    response = client.get("/api/v1/me", **auth(ivan_token))
    assert response.status_code == 200
    assert response.json()["email"] == "ivan@acme.example"
    token = ApiToken.objects.get(user=cast.ivan)
    assert token.last_used_at is not None
    assert token.token_hash == hashlib.sha256(ivan_token.encode()).hexdigest()


def test_a_revoked_token_gets_401(cast, client, login, ivan_token):
    token = ApiToken.objects.get(user=cast.ivan)
    login(cast.ivan).post(f"/account/tokens/{token.pk}/delete/")
    assert client.get("/api/v1/me", **auth(ivan_token)).status_code == 401


def test_the_token_of_a_deactivated_user_gets_401(cast, client, ivan_token):
    cast.ivan.is_active = False
    cast.ivan.save()
    assert client.get("/api/v1/me", **auth(ivan_token)).status_code == 401


def test_no_token_gets_401(cast, client):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Basic YWxpY2U6eA==").status_code == 401


def test_the_browser_session_works_too(cast, login):
    assert login(cast.victor).get("/api/v1/me").json()["email"] == "victor@acme.example"


# /me ------------------------------------------------------------------------------------------------------


def test_me_lists_the_callers_organisations_and_roles(cast, login):
    body = login(cast.ada).get("/api/v1/me").json()
    assert body == {"email": "ada@advisors.example", "name": "Ada Advisor", "organisations": [
        {"organisation": "acme", "name": "Acme", "role": "admin"},
        {"organisation": "globex", "name": "Globex", "role": "admin"}]}
    assert login(cast.charlie).get("/api/v1/me").json()["organisations"] == []


# the directory --------------------------------------------------------------------------------------------


def test_departments_with_their_counts(cast, client, ivan_token):
    body = client.get("/api/v1/orgs/acme/departments", **auth(ivan_token)).json()
    by_name = {d["name"]: d for d in body}
    assert set(by_name) == {"IT", "Operations", "Finance"}
    assert (by_name["IT"]["kind"], by_name["IT"]["people_count"], by_name["IT"]["team_count"]) == ("it", 2, 1)


def test_teams_with_their_departments(cast, client, ivan_token):
    body = client.get("/api/v1/orgs/acme/teams", **auth(ivan_token)).json()
    assert {(t["department"], t["name"], t["people_count"]) for t in body} == {
        ("IT", "Service Desk", 2), ("Operations", "Warehouse", 2), ("Finance", "Accounts", 1)}


def test_people_searched_and_paged(cast, client, ivan_token):
    everyone = client.get("/api/v1/orgs/acme/people", **auth(ivan_token)).json()
    assert len(everyone) == 5
    olivia = client.get("/api/v1/orgs/acme/people", {"q": "olivia"}, **auth(ivan_token)).json()
    assert olivia == [{"id": cast.objects["acme"]["people"]["olivia"].pk, "name": "Olivia Okafor",
                       "email": "olivia@acme.example", "title": "Warehouse Manager", "is_leader": True,
                       "department": "Operations", "team": "Warehouse"}]
    page = client.get("/api/v1/orgs/acme/people", {"offset": 1, "limit": 2}, **auth(ivan_token)).json()
    assert [p["name"] for p in page] == [p["name"] for p in everyone[1:3]]
    refused = client.get("/api/v1/orgs/acme/people", {"limit": 0}, **auth(ivan_token))
    assert refused.status_code == 422  # the schema says 1 to 1000, and the server holds to it
    assert refused.json()["errors"] == [{"location": "query", "name": "limit",
                                         "message": "Input should be greater than or equal to 1"}]


# imports --------------------------------------------------------------------------------------------------


def upload(client, token, content=GOOD, kind="people", slug="acme", name="hr.csv"):
    return client.post(f"/api/v1/orgs/{slug}/imports/{kind}", {"file": SimpleUploadedFile(name, content)},
                       **auth(token))


def test_an_upload_is_accepted_with_202_and_its_run_can_be_followed(cast, client, ivan_token):
    response = upload(client, ivan_token)
    assert response.status_code == 202
    run = response.json()
    assert (run["kind"], run["file_name"], run["via"]) == ("people", "hr.csv", "api")
    assert run["file_sha256"] == hashlib.sha256(GOOD).hexdigest()
    detail = client.get(f"/api/v1/orgs/acme/imports/{run['id']}", **auth(ivan_token)).json()
    assert (detail["status"], detail["rows_created"], detail["rows_updated"]) == ("succeeded", 4, 0)
    assert ImportRun.objects.get(pk=run["id"]).created_by == cast.ivan
    assert run["id"] in [r["id"] for r in client.get("/api/v1/orgs/acme/imports", **auth(ivan_token)).json()]


def test_a_second_upload_of_the_same_file_creates_and_updates_nothing(cast, client, ivan_token):
    upload(client, ivan_token)
    second = upload(client, ivan_token).json()
    detail = client.get(f"/api/v1/orgs/acme/imports/{second['id']}", **auth(ivan_token)).json()
    assert (detail["rows_created"], detail["rows_updated"], detail["rows_unchanged"]) == (0, 0, 4)


def test_a_bad_upload_fails_naming_row_and_column_and_writes_nothing(cast, client, ivan_token):
    people = Person.objects.count()
    run = upload(client, ivan_token, GOOD.replace(b"sam@acme.example", b"sam(at)acme")).json()
    detail = client.get(f"/api/v1/orgs/acme/imports/{run['id']}", **auth(ivan_token)).json()
    assert detail["status"] == "failed"
    [error] = detail["errors"]
    assert (error["file"], error["row"], error["column"]) == ("hr.csv", 5, "email")
    assert Person.objects.count() == people


def test_an_unknown_kind_is_a_404_pointing_to_the_docs(cast, client, ivan_token):
    response = upload(client, ivan_token, kind="horses")
    assert response.status_code == 404
    assert response.json()["detail"] == ("No such endpoint: POST /api/v1/orgs/acme/imports/horses. "
                                         "The endpoints are listed at /api/v1/docs.")


def test_a_file_over_the_upload_limit_is_a_413(cast, client, ivan_token, settings):
    settings.UPLOAD_MAX_BYTES = 100
    runs = ImportRun.objects.count()
    response = upload(client, ivan_token)
    assert response.status_code == 413
    assert "upload limit of 100 bytes" in response.json()["detail"]
    assert ImportRun.objects.count() == runs


def test_an_upload_without_a_file_is_a_422(cast, client, ivan_token):
    assert client.post("/api/v1/orgs/acme/imports/people", **auth(ivan_token)).status_code == 422


def test_an_import_run_of_another_organisation_is_a_404(cast, client, ivan_token):
    globex_run = cast.objects["globex"]["import_run"]
    assert client.get(f"/api/v1/orgs/acme/imports/{globex_run.pk}", **auth(ivan_token)).status_code == 404
    assert client.get(f"/api/v1/orgs/globex/imports/{globex_run.pk}", **auth(ivan_token)).status_code == 404


def test_a_viewer_may_not_upload(cast, client, login):
    token = token_from_the_web_page(login, cast.victor)
    runs = ImportRun.objects.count()
    response = upload(client, token)
    assert response.status_code == 403
    assert ImportRun.objects.count() == runs


# the schema and the docs ------------------------------------------------------------------------------------


def test_the_openapi_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "teamalign API"
    assert {"/api/v1/orgs/{org_slug}/imports/people", "/api/v1/orgs/{org_slug}/imports/tickets"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_the_api_docs_page_loads_nothing_from_another_site(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', page)
    assert sources, "the docs page should load its own scripts and styles"
    for source in sources:
        assert not source.startswith(("https://", "http://", "//")), source
        assert client.get(source).status_code == 200, source  # served by teamalign itself
