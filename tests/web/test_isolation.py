"""Every URL pattern, tried by the wrong people: another organisation's members get 404, a role
without the permission gets 403, anonymous visitors are sent to sign in (web) or get 401 (API).

The patterns come from Django's resolver (the web pages, the included organisation pages and
the ninja API), so a page or endpoint added later is tried without anyone writing a test for
it — and `test_every_url_pattern_is_covered` fails when a new pattern cannot be tried: an
organisation page without `org_view(...)`, an API endpoint missing from API_ENDPOINTS, a
page outside organisations missing from SITE_PAGES, or a URL argument nobody knows how to fill.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from teamalign.orgs.models import ApiToken, ImportRun, Membership
from teamalign.orgs.roles import GRANTS, Permission
from teamalign.orgs.services import api_token_create

pytestmark = pytest.mark.django_db

ROUTE_ARGUMENT = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
ROLES = ("admin", "it", "ops", "viewer")
SIGNED_IN = "signed in"  # an API endpoint for any signed-in caller, not tied to one organisation

# Every API operation and the permission its organisation check asks for (`org_membership`).
# The permission is in the endpoint's body, out of reach of introspection, so it is declared
# here and the role tests below prove the declaration both ways (lacking → 403, having → in).
API_ENDPOINTS: dict[tuple[str, str], Permission | str] = {
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/orgs/{org_slug}/departments"): Permission.VIEW,
    ("GET", "/api/v1/orgs/{org_slug}/teams"): Permission.VIEW,
    ("GET", "/api/v1/orgs/{org_slug}/people"): Permission.VIEW,
    ("GET", "/api/v1/orgs/{org_slug}/imports"): Permission.VIEW,
    ("GET", "/api/v1/orgs/{org_slug}/imports/{run_id}"): Permission.VIEW,
    ("POST", "/api/v1/orgs/{org_slug}/imports/people"): Permission.IMPORT,
    ("POST", "/api/v1/orgs/{org_slug}/imports/tickets"): Permission.IMPORT,
    ("GET", "/api/v1/orgs/{org_slug}/responsiveness"): Permission.VIEW,
    ("GET", "/api/v1/orgs/{org_slug}/tickets"): Permission.VIEW,
    ("GET", "/api/v1/orgs/{org_slug}/tickets/{ticket_id}"): Permission.VIEW,
    ("GET", "/api/v1/orgs/{org_slug}/findings"): Permission.VIEW,
    ("GET", "/api/v1/orgs/{org_slug}/findings/thresholds"): Permission.VIEW,
    ("PUT", "/api/v1/orgs/{org_slug}/findings/thresholds"): Permission.MANAGE,
    ("DELETE", "/api/v1/orgs/{org_slug}/findings/thresholds"): Permission.MANAGE,
}
# API routes anybody may fetch: the schema, the docs page and ninja's root (always 404).
API_PUBLIC = {"/api/v1/openapi.json", "/api/v1/docs", "/api/"}


def _upload_body() -> dict:
    return {"file": SimpleUploadedFile("people.csv", b"name,email\nZed Zulu,zed@example.org\n", "text/csv")}


class JsonBody(dict):
    """A request body sent as JSON (the others are multipart forms)."""


# A valid request body for API operations that take one, so that the request reaches the
# organisation check instead of stopping at validation (422).
API_BODIES = {("POST", "/api/v1/orgs/{org_slug}/imports/people"): _upload_body,
              ("POST", "/api/v1/orgs/{org_slug}/imports/tickets"): _upload_body,
              ("PUT", "/api/v1/orgs/{org_slug}/findings/thresholds"):
                  lambda: JsonBody({"thresholds": {"comparison.min_tickets": 25}})}

# Web pages outside /o/<org_slug>/: what an anonymous visitor gets.
SITE_PAGES = {
    "home": "sign in",
    "switch": "sign in",
    "tokens": "sign in",
    "token_delete": "sign in",
    "account": "sign in",
    "password_change": "sign in",
    "invitation_accept": "sign in",  # only invitations to the signed-in user's own address
    "invitation_decline": "sign in",
    "login": "public",
    "logout": "public",  # POST only; signs out whoever asks and sends them to sign in
    "invitation": "public",  # the secret in the link is the key; a wrong one is a 404
    "password_reset_confirm": "public",  # the one-time token in the link is the key
}

# How to fill a URL argument with a real object of an organisation. Arguments named
# `<model>_id` whose model has an `organisation` field are found without an entry here
# (the first such object of the organisation in the cast); add an entry when that guess
# cannot work. When the cast has no such object, plant one: tests/<area>/cast.py, see
# tests/conftest.py (tests/web/cast.py plants the Responsiveness area's for now).
STRING_ARGUMENTS = {"secret": "inv_not-a-real-secret", "uidb64": "MQ", "token": "set-password"}
KWARG_OBJECTS = {
    "run_id": lambda org: ImportRun.objects.filter(organisation=org).first(),
    "membership_id": lambda org: Membership.objects.filter(organisation=org).exclude(role="admin").first()
    or Membership.objects.filter(organisation=org).first(),
    "department_id": lambda org: org.departments.exclude(kind="it").order_by("pk").first(),
}


@dataclass(frozen=True)
class Route:
    route: str  # as Django writes it: "o/<slug:org_slug>/people/<int:person_id>/edit/"
    name: str | None
    namespace: str | None
    callback: object

    @property
    def arguments(self) -> list[str]:
        return [m["name"] for m in ROUTE_ARGUMENT.finditer(self.route)]

    @property
    def is_api(self) -> bool:
        return self.namespace == "api"

    @property
    def is_org_scoped(self) -> bool:
        return "org_slug" in self.arguments

    @property
    def api_path(self) -> str:
        """The route as the OpenAPI schema writes it: /api/v1/orgs/{org_slug}/imports/{run_id}."""
        return "/" + ROUTE_ARGUMENT.sub(lambda m: "{" + m["name"] + "}", self.route)

    @property
    def permission(self) -> Permission | None:
        return getattr(self.callback, "required_permission", None)

    def __str__(self) -> str:
        return f"{self.name or '?'} /{self.route}"


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield Route(prefix + str(pattern.pattern), pattern.name, namespace, pattern.callback)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def api_operations() -> dict[tuple[str, str], dict]:
    from teamalign.api.urls import api

    return {(method.upper(), path): operation
            for path, operations in api.get_openapi_schema()["paths"].items()
            for method, operation in operations.items()}


ROUTES = all_routes()
ORG_PAGES = [r for r in ROUTES if r.is_org_scoped and not r.is_api]
ORG_PAGES_WITH_OBJECTS = [r for r in ORG_PAGES if set(r.arguments) - {"org_slug"}]
API_CALLS = [(method, path, permission) for (method, path), permission in API_ENDPOINTS.items()]
ORG_API_CALLS = [call for call in API_CALLS if call[2] != SIGNED_IN]
ORG_API_CALLS_WITH_OBJECTS = [c for c in ORG_API_CALLS if re.search(r"\{(?!org_slug\})[^}]+_id\}", c[1])]


def _page_id(route: Route) -> str:
    return str(route.name or route.route)


def _call_id(call) -> str:
    return f"{call[0]} {call[1]}"


# --- filling in URLs ---------------------------------------------------------------------------------


def _model_for(argument: str):
    wanted = argument.removesuffix("_id").replace("_", "")
    for model in apps.get_models():
        if model._meta.model_name == wanted and any(f.name == "organisation" for f in model._meta.fields):
            return model
    return None


def object_id(argument: str, org) -> int:
    if argument in KWARG_OBJECTS:
        obj = KWARG_OBJECTS[argument](org)
    else:
        model = _model_for(argument)
        if model is None:
            pytest.fail(f"the isolation tests do not know what '{argument}' names; add it to KWARG_OBJECTS "
                        "in tests/web/test_isolation.py")
        obj = model.objects.filter(organisation=org).order_by("pk").first()
    if obj is None:
        pytest.fail(f"the cast has nothing of {org.slug} for '{argument}' to try; plant one in a "
                    "tests/<area>/cast.py (see tests/conftest.py)")
    return obj.pk


def argument_value(argument: str, org):
    if argument == "org_slug":
        return org.slug
    if argument in STRING_ARGUMENTS:
        return STRING_ARGUMENTS[argument]
    if argument.endswith("_id"):
        return object_id(argument, org)
    pytest.fail(f"the isolation tests do not know how to fill '{argument}'; add it to STRING_ARGUMENTS or "
                "KWARG_OBJECTS in tests/web/test_isolation.py")


def page_url(route: Route, *, slug_of, objects_of) -> str:
    """The URL of a route with the slug of one organisation and the objects of (maybe) another."""
    def fill(match: re.Match) -> str:
        name = match["name"]
        return str(argument_value(name, slug_of if name == "org_slug" else objects_of))

    return "/" + ROUTE_ARGUMENT.sub(fill, route.route)


def api_url(path: str, *, slug_of, objects_of) -> str:
    def fill(match: re.Match) -> str:
        name = match["name"]
        return str(argument_value(name, slug_of if name == "org_slug" else objects_of))

    return re.sub(r"\{(?P<name>[^}]+)\}", fill, path)


def bearer(user) -> dict:
    _token, secret = api_token_create(user=user, name="isolation test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def call_api(client, method: str, path: str, url: str, headers: dict):
    make_body = API_BODIES.get((method, path))
    if make_body is not None:
        body = make_body()
        if isinstance(body, JsonBody):
            return client.generic(method, url, json.dumps(body), content_type="application/json", **headers)
        return client.generic(method, url, **_multipart(body), **headers)
    return client.generic(method, url, **headers)


def _multipart(data: dict) -> dict:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    return {"data": encode_multipart(BOUNDARY, data), "content_type": MULTIPART_CONTENT}


# --- the property itself: everything is covered --------------------------------------------------------


def test_every_url_pattern_is_covered():
    uncovered = []
    for route in ROUTES:
        if route.is_api:
            if route.api_path in API_PUBLIC:
                continue
            declared = {path for (_m, path) in API_ENDPOINTS}
            if route.api_path not in declared:
                uncovered.append(f"{route}: API route missing from API_ENDPOINTS")
        elif route.is_org_scoped:
            if route.permission is None:
                uncovered.append(f"{route}: organisation page not decorated with org_view(permission)")
        elif route.name not in SITE_PAGES:
            uncovered.append(f"{route}: page outside organisations missing from SITE_PAGES")
        if ROUTE_ARGUMENT.search(route.route) and any(
                m["converter"] not in (None, "int", "slug", "str") for m in ROUTE_ARGUMENT.finditer(route.route)):
            uncovered.append(f"{route}: a converter the isolation tests cannot fill")
    assert not uncovered, "URL patterns the isolation tests cannot try:\n" + "\n".join(uncovered)


def test_the_api_table_lists_exactly_the_registered_operations():
    registered = set(api_operations())
    declared = set(API_ENDPOINTS)
    assert registered - declared == set(), "API operations missing from API_ENDPOINTS (give each a permission)"
    assert declared - registered == set(), "API_ENDPOINTS lists operations that no longer exist"


def test_every_url_argument_can_be_filled_with_a_real_object(cast):
    for route in ROUTES:
        for argument in route.arguments:
            if argument == "token_id" and not route.is_org_scoped:
                continue  # the tokens are a user's, tried in test_nobody_revokes_somebody_elses_token
            assert argument_value(argument, cast.acme) is not None
    for method, path, _permission in API_CALLS:
        api_url(path, slug_of=cast.acme, objects_of=cast.acme)


def test_the_walk_finds_the_pages_we_know_about():
    names = {r.name for r in ROUTES}
    assert {"overview", "people", "person_edit", "import_run", "members", "login", "tokens"} <= names
    assert {"me", "import_upload_people", "import_detail"} <= {r.name for r in ROUTES if r.is_api}


# --- another organisation: 404 -------------------------------------------------------------------------


@pytest.mark.parametrize("route", ORG_PAGES, ids=_page_id)
def test_a_member_of_another_organisation_gets_404_for_every_organisation_page(route, cast, login):
    url = page_url(route, slug_of=cast.acme, objects_of=cast.acme)
    client = login(cast.gary)
    assert client.get(url).status_code == 404, url
    assert client.post(url).status_code == 404, url


@pytest.mark.parametrize("who", ["gary", "ada"])
@pytest.mark.parametrize("route", ORG_PAGES_WITH_OBJECTS, ids=_page_id)
def test_nobody_reaches_another_organisations_object_through_their_own(route, who, cast, login):
    # Ada is admin of both, so only a lookup scoped to the organisation in the URL stops her.
    url = page_url(route, slug_of=cast.globex, objects_of=cast.acme)
    client = login(getattr(cast, who))
    assert client.get(url).status_code in (404, 405), url
    assert client.post(url).status_code == 404, url


@pytest.mark.parametrize("call", ORG_API_CALLS, ids=_call_id)
def test_a_member_of_another_organisation_gets_404_from_every_api_endpoint(call, cast, client):
    method, path, _permission = call
    url = api_url(path, slug_of=cast.acme, objects_of=cast.acme)
    response = call_api(client, method, path, url, bearer(cast.gary))
    assert response.status_code == 404, (url, response.content)


@pytest.mark.parametrize("who", ["gary", "ada"])
@pytest.mark.parametrize("call", ORG_API_CALLS_WITH_OBJECTS, ids=_call_id)
def test_nobody_reaches_another_organisations_object_through_the_api(call, who, cast, client):
    method, path, _permission = call
    url = api_url(path, slug_of=cast.globex, objects_of=cast.acme)
    response = call_api(client, method, path, url, bearer(getattr(cast, who)))
    assert response.status_code == 404, (url, response.content)


def test_a_user_without_any_organisation_gets_404_everywhere_in_one(cast, login):
    client = login(cast.charlie)
    for route in ORG_PAGES:
        url = page_url(route, slug_of=cast.acme, objects_of=cast.acme)
        assert client.get(url).status_code == 404, url


# --- roles: 403 without the permission, in with it ------------------------------------------------------


def _role_cases(routes_or_calls, permission_of, allowed: bool):
    cases = []
    for item in routes_or_calls:
        permission = permission_of(item)
        name = _page_id(item) if isinstance(item, Route) else _call_id(item)
        for role in ROLES:
            if (permission in GRANTS[role]) == allowed:
                cases.append(pytest.param(item, role, id=f"{role}-{name}"))
    return cases


@pytest.mark.parametrize(("route", "role"), _role_cases(ORG_PAGES, lambda r: r.permission, allowed=False))
def test_a_role_without_the_permission_gets_403(route, role, cast, login):
    url = page_url(route, slug_of=cast.acme, objects_of=cast.acme)
    client = login(cast.users_by_role()[role])
    assert client.get(url).status_code in (403, 404), url
    assert client.post(url).status_code in (403, 404), url


@pytest.mark.parametrize(("route", "role"), _role_cases(ORG_PAGES, lambda r: r.permission, allowed=True))
def test_a_role_with_the_permission_is_let_in(route, role, cast, login):
    url = page_url(route, slug_of=cast.acme, objects_of=cast.acme)
    client = login(cast.users_by_role()[role])
    got = client.get(url).status_code
    assert got not in (403, 404) and got < 500, (url, got)
    posted = client.post(url).status_code
    assert posted not in (403, 404) and posted < 500, (url, posted)


@pytest.mark.parametrize(("call", "role"), _role_cases(ORG_API_CALLS, lambda c: c[2], allowed=False))
def test_a_role_without_the_permission_gets_403_from_the_api(call, role, cast, client):
    method, path, _permission = call
    url = api_url(path, slug_of=cast.acme, objects_of=cast.acme)
    response = call_api(client, method, path, url, bearer(cast.users_by_role()[role]))
    assert response.status_code == 403, (url, response.content)


@pytest.mark.parametrize(("call", "role"), _role_cases(ORG_API_CALLS, lambda c: c[2], allowed=True))
def test_a_role_with_the_permission_is_let_into_the_api(call, role, cast, client):
    method, path, _permission = call
    url = api_url(path, slug_of=cast.acme, objects_of=cast.acme)
    response = call_api(client, method, path, url, bearer(cast.users_by_role()[role]))
    assert response.status_code < 300, (url, response.status_code, response.content)


# --- anonymous visitors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.is_api and SITE_PAGES.get(r.name) != "public"],
                         ids=_page_id)
def test_an_anonymous_visitor_is_sent_to_sign_in(route, cast, client):
    objects = {"token_id": ApiToken.objects.create(user=cast.alice, name="t", prefix="x", token_hash="x" * 64).pk}
    url = "/" + ROUTE_ARGUMENT.sub(
        lambda m: str(objects[m["name"]] if m["name"] in objects else argument_value(m["name"], cast.acme)),
        route.route)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url


def test_the_public_pages_are_the_sign_in_and_out_pages(client):
    assert client.get("/login/").status_code == 200
    signed_out = client.post("/logout/")
    assert signed_out.status_code == 302 and signed_out["Location"] == "/login/"


@pytest.mark.parametrize("call", API_CALLS, ids=_call_id)
def test_an_anonymous_api_caller_gets_401(call, cast, client):
    method, path, _permission = call
    url = api_url(path, slug_of=cast.acme, objects_of=cast.acme)
    assert call_api(client, method, path, url, {}).status_code == 401, url


@pytest.mark.parametrize("call", API_CALLS, ids=_call_id)
def test_a_wrong_token_gets_401(call, cast, client):
    method, path, _permission = call
    url = api_url(path, slug_of=cast.acme, objects_of=cast.acme)
    assert call_api(client, method, path, url, {"HTTP_AUTHORIZATION": "Bearer ta_wrong"}).status_code == 401


# --- pages outside organisations ---------------------------------------------------------------------------


def test_nobody_revokes_somebody_elses_token(cast, login):
    token, _secret = api_token_create(user=cast.alice, name="alice's script")
    response = login(cast.gary).post(f"/account/tokens/{token.pk}/delete/")
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_nobody_answers_somebody_elses_invitation(cast, login):
    invitation = cast.objects["acme"]["invitation"]
    for action in ("accept", "decline"):
        response = login(cast.gary).post(f"/account/invitations/{invitation.pk}/{action}/")
        assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not Membership.objects.filter(user=cast.gary, organisation=cast.acme).exists()


def test_public_links_with_a_wrong_secret_open_nothing(cast, client):
    assert client.get("/invitations/inv_not-a-real-secret/").status_code == 404
    response = client.get("/account/reset/MQ/not-a-token/")
    assert response.status_code == 200 and b"This link does not work any more" in response.content


def test_nobody_switches_to_an_organisation_they_are_not_in(cast, login):
    assert login(cast.gary).get("/switch/", {"org": "acme"}).status_code == 404
    assert login(cast.charlie).get("/switch/", {"org": "acme"}).status_code == 404
