"""Content-Security-Policy and Permissions-Policy on every response (issue 7, item 6), and pages
that keep to the policy: no inline script, no inline event handler, no style attribute.

Every URL pattern is tried (the same walk as the isolation tests), signed in and anonymously,
together with static files, error pages and the API."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from teamalign.orgs.services import api_token_create
from teamalign.web.middleware import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from tests.web.test_isolation import API_CALLS, ROUTES, api_url, bearer, call_api, page_url

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "teamalign"


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def url_of(route, cast) -> str:
    if "token_id" in route.arguments:  # a user's own, not an organisation's
        token, _secret = api_token_create(user=cast.alice, name="headers test")
        return "/" + route.route.replace("<int:token_id>", str(token.pk))
    return page_url(route, slug_of=cast.acme, objects_of=cast.acme)


def assert_headers(response, where: str) -> None:
    assert response.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, where
    assert response.get("Permissions-Policy") == PERMISSIONS_POLICY, where


def test_the_policy_allows_no_inline_script_no_eval_and_nothing_from_elsewhere():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert not any("unsafe" in value or "*" in value or value.startswith("http")
                   for values in policy.values() for value in values)
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in PERMISSIONS_POLICY


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.is_api], ids=lambda r: str(r.name))
def test_every_page_sends_the_policies_signed_in_and_anonymous(route, cast, login):
    url = url_of(route, cast)
    for who, client in (("alice", login(cast.alice)), ("anonymous", Client())):
        for method in ("GET", "POST"):
            response = client.generic(method, url)
            assert_headers(response, f"{who} {method} {url} ({response.status_code})")


@pytest.mark.parametrize("call", API_CALLS, ids=lambda c: f"{c[0]} {c[1]}")
def test_every_api_endpoint_sends_the_policies(call, cast, client):
    method, path, _permission = call
    url = api_url(path, slug_of=cast.acme, objects_of=cast.acme)
    assert_headers(call_api(client, method, path, url, bearer(cast.alice)), url)
    assert_headers(call_api(client, method, path, url, {}), f"anonymous {url}")


@pytest.mark.parametrize("url", ["/static/teamalign/app.css", "/static/vendor/vega-bundle.js", "/api/v1/docs",
                                 "/api/v1/openapi.json", "/no/such/page/", "/o/no-such-org/", "/api/v1/nothing"])
def test_static_files_docs_and_errors_send_the_policies(url, cast, login):
    assert_headers(login(cast.alice).get(url), url)


# --- the pages keep to the policy -------------------------------------------------------------------


class InlineCode(HTMLParser):
    """Inline scripts, event handler attributes and style attributes of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self._in_script = True
        if tag == "style":
            self.found.append("<style>")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.is_api], ids=lambda r: str(r.name))
def test_no_page_has_inline_code_the_policy_would_block(route, cast, login):
    url = url_of(route, cast)
    response = login(cast.alice).get(url, follow=True)
    if "text/html" in response.get("Content-Type", ""):
        assert InlineCode(response.content.decode()).found == [], url


def test_no_template_has_inline_code_the_policy_would_block():
    offenders = {}
    for path in TEMPLATES.rglob("*.html"):
        found = InlineCode(path.read_text()).found
        if found:
            offenders[str(path.relative_to(TEMPLATES))] = found
    assert offenders == {}


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(cast, login):
    page = login(cast.victor).get("/o/acme/").content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false""" in page
