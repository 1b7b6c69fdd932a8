"""Every URL pattern and every API endpoint, fed hostile values for each parameter it takes:
no answer may be a server error, and the API answers every error in its JSON shape with a
status its OpenAPI schema documents.

The web pages' parameters come from the form each page declares with ``query_form`` (see
teamalign/web/params.py) plus QUERY_PARAMETERS below; the API's from its OpenAPI schema. Like
the isolation tests, `test_every_page_declares_its_query_parameters` fails when a page is
added that this test does not know how to feed, and an API parameter in a place this test
cannot send fails `test_every_api_parameter_can_be_sent`.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from tests.web.test_isolation import ROUTE_ARGUMENT, ROUTES, api_operations, api_url, argument_value, bearer

pytestmark = pytest.mark.django_db

# The values a person, a script or an attacker may put in any parameter.
HOSTILE = [
    "99999999999999999999", str(2**63), str(2**63 - 1), "-1", "-99999999999999999999", "0", "-0", "1.5", "1e400",
    "NaN", "0001-01-01", "9999-12-31", "2026-02-30", "1970-01-01T00:00:00Z", "abc", "²", "٣", "１２",
    "x" * 5000, "", " ", "\x00", "a\x00b", "null", "[]", "%00", "' OR 1=1 --", "<script>alert(1)</script>", "💥",
]
# Numbers a URL's <int:...> argument can hold that name no object (the converter takes any digits).
HOSTILE_IDS = ["0", str(2**63 - 1), str(2**63), "99999999999999999999", "9" * 400]

# Query parameters a page reads besides the fields of its `query_form`, for every page that
# is not an API route. A page missing here fails test_every_page_declares_its_query_parameters:
# add it, with () when it reads none.
QUERY_PARAMETERS: dict[str, tuple[str, ...]] = {
    "home": (), "login": ("next",), "logout": (), "switch": ("org",), "tokens": (), "token_delete": (),
    "overview": (), "data": ("page",), "upload": (), "import_run": (),
    "departments": (), "department_new": (), "department_edit": (), "department_delete": (),
    "teams": (), "team_new": (), "team_edit": (), "team_delete": (),
    "people": ("page",), "person_new": (), "person_edit": (), "person_delete": (),
    "members": (), "member_role": (), "member_remove": (), "organisation_settings": (),
    "responsiveness": (), "responsiveness_ticket_list": ("page",), "responsiveness_ticket_detail": (),
    "responsiveness_settings": (), "responsiveness_tickets_recompute": (),
    "responsiveness_schedule_new": (), "responsiveness_schedule_edit": (), "responsiveness_schedule_delete": (),
    "responsiveness_sla_policy_new": (), "responsiveness_sla_policy_edit": (),
    "responsiveness_sla_policy_delete": (), "responsiveness_requester_rule_add": (),
    "responsiveness_requester_rule_delete": (),
    "account": (), "password_change": (), "password_reset_confirm": (), "invitation_accept": (),
    "invitation_decline": (), "invitation": (), "import_run_retry": (), "member_password_reset": (),
    "invitation_revoke": (), "findings": (), "findings_thresholds": (), "findings_thresholds_reset": (),
}
# Form fields a page reads from a POST without a Django form around them.
POSTED_PARAMETERS: dict[str, tuple[str, ...]] = {"tokens": ("name",)}

WEB_ROUTES = [r for r in ROUTES if not r.is_api]


def page_parameters(route) -> list[str]:
    form = getattr(route.callback, "query_form", None)
    fields = list(form.base_fields) if form is not None else []
    return fields + list(QUERY_PARAMETERS.get(route.name, ()))


def _web_cases():
    for route in WEB_ROUTES:
        for name in page_parameters(route):
            yield pytest.param(route, name, "GET", id=f"{route.name}-{name}")
        for name in POSTED_PARAMETERS.get(route.name, ()):
            yield pytest.param(route, name, "POST", id=f"{route.name}-{name}-POST")


def _web_url(route, cast) -> str:
    return "/" + ROUTE_ARGUMENT.sub(lambda m: str(_filled(m["name"], cast)), route.route)


def _filled(argument: str, cast):
    if argument == "token_id":
        from teamalign.orgs.services import api_token_create

        return api_token_create(user=cast.alice, name="walk")[0].pk
    return argument_value(argument, cast.acme)


def test_every_page_declares_its_query_parameters():
    missing = [f"{r.name} /{r.route}" for r in WEB_ROUTES
               if r.name not in QUERY_PARAMETERS and getattr(r.callback, "query_form", None) is None]
    assert not missing, ("pages this test cannot feed; add them to QUERY_PARAMETERS in "
                         "tests/web/test_parameters.py (with () when they read no query parameter):\n"
                         + "\n".join(missing))
    stale = set(QUERY_PARAMETERS) - {r.name for r in WEB_ROUTES}
    assert not stale, f"QUERY_PARAMETERS names pages that no longer exist: {stale}"


@pytest.fixture
def far_east(cast):
    """Acme in UTC+14, where midnight of 0001-01-01 is a day before datetime's first instant."""
    cast.acme.timezone = "Pacific/Kiritimati"
    cast.acme.save()
    return cast


@pytest.mark.parametrize("route", WEB_ROUTES, ids=lambda r: r.name)
def test_every_page_reads_only_the_query_parameters_it_declares(route, cast, login, monkeypatch):
    from django.http import QueryDict

    read: set[str] = set()
    for method in ("get", "getlist", "__getitem__", "__contains__"):
        original = getattr(QueryDict, method)

        def spy(self, key, *args, _original=original):
            read.add(key)
            return _original(self, key, *args)

        monkeypatch.setattr(QueryDict, method, spy)
    # A parameter nobody reads makes the query string non-empty, so that forms bind to it.
    login(cast.alice).get(_web_url(route, cast), {"unread": "1"})
    undeclared = read - set(page_parameters(route)) - {"unread"}
    assert not undeclared, (f"{route.name} reads {undeclared} from the query string without declaring them: read "
                            "them through a form declared with query_form (teamalign/web/params.py) or list them "
                            "in QUERY_PARAMETERS")


@pytest.mark.parametrize(("route", "name", "method"), list(_web_cases()))
def test_no_page_answers_a_hostile_parameter_with_a_server_error(route, name, method, far_east, login):
    cast = far_east
    client = login(cast.alice)  # an admin of Acme: every page lets her in
    url = _web_url(route, cast)
    failures = []
    for value in HOSTILE:
        response = client.get(url, {name: value}) if method == "GET" else client.post(url, {name: value})
        if response.status_code >= 500:
            failures.append((value[:40], response.status_code))
    assert not failures, (url, name, failures)


@pytest.mark.parametrize("route", [r for r in WEB_ROUTES if re.search(r"<int:", r.route)], ids=lambda r: r.name)
def test_no_page_answers_a_hostile_id_in_its_url_with_a_server_error(route, cast, login):
    client = login(cast.alice)
    for value in HOSTILE_IDS:
        url = "/" + ROUTE_ARGUMENT.sub(
            lambda m: value if m["converter"] == "int" else str(_filled(m["name"], cast)), route.route)
        got, posted = client.get(url).status_code, client.post(url).status_code
        assert got in (404, 405) and posted == 404, (url, got, posted)  # 405: a page that only takes POST


def test_an_organisation_slug_nobody_has_is_a_404_on_every_page(cast, login):
    client = login(cast.alice)
    for route in WEB_ROUTES:
        if "org_slug" not in route.arguments:
            continue
        url = "/" + ROUTE_ARGUMENT.sub(
            lambda m: "x" * 300 if m["name"] == "org_slug" else str(_filled(m["name"], cast)), route.route)
        assert client.get(url).status_code == 404, url


def test_no_route_shadows_another(cast):
    """Every route resolves to itself whatever its arguments hold: filled with real objects or with
    hostile values, its URL is its own or nobody's (404), never another route's — as imports/-1
    once was the upload route's instead of a missing import run."""
    from urllib.parse import quote

    from django.urls import Resolver404, resolve

    shadowed = []
    for route in ROUTES:
        real = {name: str(_filled(name, cast)) for name in route.arguments}
        trials = [real] + [{**real, name: quote(value, safe="")} for name in route.arguments for value in HOSTILE
                           if value and "%" not in value]
        for arguments in trials:
            url = "/" + ROUTE_ARGUMENT.sub(lambda m: arguments[m["name"]], route.route)
            try:
                match = resolve(url)
            except Resolver404:
                continue
            if match.route != route.route:
                shadowed.append(f"{url[:80]} is {match.route}, not {route.route}")
    assert not shadowed, "\n".join(shadowed)


# --- the API ---------------------------------------------------------------------------------------------


SENDABLE = {"path", "query"}
FORM_TYPES = ("multipart/form-data",)
JSON_TYPES = ("application/json",)


def _api_parameters(operation: dict) -> list[tuple[str, str]]:
    """(location, name) of every parameter of an operation, form fields as location "form"."""
    found = [(p["in"], p["name"]) for p in operation.get("parameters", [])]
    for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
        for name in content.get("schema", {}).get("properties", {}):
            found.append(("form" if media_type in FORM_TYPES else "json" if media_type in JSON_TYPES
                          else media_type, name))
    return found


def _api_cases():
    for (method, path), operation in sorted(api_operations().items()):
        for location, name in _api_parameters(operation):
            if location != "path" or name != "org_slug":
                yield pytest.param(method, path, location, name, id=f"{method} {path} {location}:{name}")


def _valid_form(operation: dict) -> dict:
    """The smallest valid multipart body: a file for each binary field, nothing else."""
    content = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data", {})
    return {name: SimpleUploadedFile("people.csv", b"name,email\nZed Zulu,zed@example.org\n", "text/csv")
            for name, field in content.get("schema", {}).get("properties", {}).items()
            if field.get("format") == "binary"}


def test_every_api_parameter_can_be_sent():
    for (method, path), operation in api_operations().items():
        for location, name in _api_parameters(operation):
            assert location in SENDABLE | {"form", "json"}, (
                f"{method} {path}: parameter {name} in {location}; teach tests/web/test_parameters.py to send it")
        content = operation.get("requestBody", {}).get("content", {})
        assert set(content) <= set(FORM_TYPES + JSON_TYPES), \
            f"{method} {path}: a {set(content)} body this test cannot send"


def assert_api_error_shape(response, operation: dict, what) -> None:
    assert response.status_code < 500, (what, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), (what, response["Content-Type"])
    documented = {str(status) for status in operation["responses"]}
    assert str(response.status_code) in documented, (what, response.status_code, sorted(documented))
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body["detail"], str) and body["detail"], (what, body)
        assert all(set(e) == {"location", "name", "message"} for e in body["errors"]), (what, body)


@pytest.mark.parametrize(("method", "path", "location", "name"), list(_api_cases()))
def test_no_api_endpoint_answers_a_hostile_parameter_with_a_server_error(method, path, location, name, cast,
                                                                         client):
    operation = api_operations()[(method, path)]
    headers = bearer(cast.alice)
    for value in HOSTILE:
        url = api_url(path, slug_of=cast.acme, objects_of=cast.acme)
        query, form, body = {}, _valid_form(operation), None
        if location == "path":
            url = api_url(path.replace("{" + name + "}", "\x01"), slug_of=cast.acme, objects_of=cast.acme)
            url = url.replace("\x01", _quote(value))
        elif location == "query":
            query[name] = value
        elif location == "json":
            body = json.dumps({name: value})
        else:
            form[name] = value
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode(query)
        if body is not None:
            response = client.generic(method, url, body, "application/json", **headers)
        elif form or method == "POST":
            response = client.generic(method, url, encode_multipart(BOUNDARY, form), MULTIPART_CONTENT, **headers)
        else:
            response = client.generic(method, url, **headers)
        if response.status_code in (404, 405) and location == "path":
            # A value the route's converter refuses never reaches the operation; the answer is
            # still the API's (JSON), but it is not the operation's to document.
            assert response["Content-Type"].startswith("application/json"), (value, response.content[:200])
            continue
        assert_api_error_shape(response, operation, (method, url[:120], location, name, value[:40]))


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


# --- the faults an attack run reproduced on the pages -----------------------------------------------------


@pytest.mark.parametrize("department", ["99999999999999999999", "²", str(2**63), "-1", "abc"])
def test_a_department_that_cannot_exist_on_the_people_page_is_a_message_not_a_500(department, cast, login):
    response = login(cast.alice).get("/o/acme/people/", {"department": department})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Department: This organisation has no such department. This filter is not applied." in page
    assert "Olivia Okafor" in page and "Greta Grey" not in page  # everyone of Acme, nobody else


def test_the_people_page_still_filters_by_a_real_department(cast, login):
    operations = cast.objects["acme"]["departments"]["Operations"]
    page = login(cast.alice).get("/o/acme/people/", {"department": operations.pk, "q": "o"}).content.decode()
    assert "Olivia Okafor" in page and "Alice Archer" not in page and "not applied" not in page


@pytest.mark.parametrize(("zone", "since"), [("Pacific/Kiritimati", "0001-01-01"), ("Etc/GMT+12", "9999-12-31"),
                                             ("Europe/London", "1899-12-31"), ("Europe/London", "3000-01-01")])
@pytest.mark.parametrize("page", ["responsiveness", "responsiveness/tickets"])
def test_a_since_outside_the_years_allowed_is_a_message_on_the_page(page, zone, since, cast, login):
    # Midnight of 0001-01-01 at UTC+14 (or of 9999-12-31 at UTC-12) is outside what datetime holds:
    # both pages answered 500.
    cast.acme.timezone = zone
    cast.acme.save()
    response = login(cast.alice).get(f"/o/acme/{page}/", {"since": since, "priority": "2"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Opened since: Enter a date between 1900-01-01 and 2999-12-31. This filter is not applied." in text
    assert 'value="2" selected' in text  # the valid filter beside it still applies


def test_a_token_name_of_any_length_is_kept_to_what_its_column_holds(cast, login):
    # PostgreSQL refuses more than 100 characters (a 500) and any NUL; SQLite took both.
    from teamalign.orgs.models import ApiToken

    response = login(cast.alice).post("/account/tokens/", {"name": "\x00" + "x" * 5000})
    assert response.status_code == 200
    assert ApiToken.objects.get(user=cast.alice).name == "x" * 100
