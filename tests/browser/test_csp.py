"""Under the Content-Security-Policy, in a real browser against the demo server (DEBUG off): every
page renders, the Vega charts draw (tooltips included), htmx polls an import to its end, the API
docs page lists the endpoints, the error pages are the app's own — and the browser reports no
violation of the policy."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_login import sign_in

pytestmark = pytest.mark.browser

# Collects the browser's own report of every blocked script, style, image or connection.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                              " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def watched(page):
    page.add_init_script(RECORD_VIOLATIONS)
    page.console_problems = []
    page.on("console", lambda m: page.console_problems.append(m.text)
            if m.type == "error" or "Content Security Policy" in m.text else None)
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations") + [m for m in page.console_problems
                                                       if "Content Security Policy" in m or "Refused" in m]


def visit(page, url: str, *, status: int = 200):
    response = page.goto(url)
    assert response.status == status, (url, response.status)
    assert response.headers.get("content-security-policy", "").startswith("default-src 'self'"), url
    page.wait_for_load_state("networkidle")
    return response


def test_the_pages_render_under_the_policy_with_no_violation(watched, demo_server, artifacts):
    page, base = watched, demo_server.url
    sign_in(page, demo_server, demo_server.admin)
    org = base + "/o/harbourline"
    pages = ["/", "/people/", "/departments/", "/teams/", "/data/", "/users/", "/settings/",
             "/responsiveness/", "/responsiveness/tickets/", "/responsiveness/settings/"]
    for path in pages:
        visit(page, org + path)
        assert violations(page) == [], path
    visit(page, org + "/responsiveness/tickets/")
    page.locator("table a[href*='/responsiveness/tickets/']").first.click()
    page.wait_for_load_state("networkidle")
    assert re.search(r"/responsiveness/tickets/\d+/$", page.url)
    for path in ("/account/", "/account/password/", "/account/tokens/"):
        visit(page, base + path)
    assert violations(page) == []
    assert page.errors == [] and page.outside_requests == []


def test_the_charts_draw_and_their_tooltips_show_under_the_policy(watched, demo_server, artifacts):
    page = watched
    sign_in(page, demo_server, demo_server.admin)
    page.wait_for_selector("div.chart svg")  # the overview's chart
    for url in ("/o/harbourline/", "/o/harbourline/responsiveness/"):
        visit(page, demo_server.url + url)
        charts = page.locator("div.chart[data-spec-id]")
        assert charts.count() >= 1, url
        for i in range(charts.count()):
            charts.nth(i).locator("svg").wait_for()
            assert charts.nth(i).get_attribute("data-failed") is None, url
        mark = page.locator("div.chart svg .mark-rect path, div.chart svg .mark-symbol path").first
        mark.hover(force=True)
        # The tooltip shows, styled by app.css (its own injected style would be blocked).
        tooltip = page.locator("#vg-tooltip-element.visible")
        tooltip.wait_for()
        assert tooltip.evaluate("e => getComputedStyle(e).position") == "fixed", url
        page.mouse.move(0, 0)
    page.screenshot(path=str(artifacts / "csp-responsiveness.png"), full_page=True)
    assert violations(page) == []
    assert page.errors == []


def test_htmx_polls_an_import_to_its_end_under_the_policy(watched, demo_server, tmp_path):
    page = watched
    people = tmp_path / "csp-starters.csv"
    people.write_text("name,email,department,team\nCsp Tester,csp.tester@harbourline.example,Operations,Warehouse\n")
    sign_in(page, demo_server, demo_server.admin)
    visit(page, demo_server.url + "/o/harbourline/data/")
    page.select_option("#id_kind", "people")
    page.set_input_files("#id_file", str(people))
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_url(re.compile(r"/data/imports/\d+/$"))
    page.locator("#run-status-badge").filter(has_text="Succeeded").wait_for(timeout=60_000)
    assert violations(page) == []
    assert page.errors == []


def test_the_api_docs_work_under_the_policy(watched, demo_server, artifacts):
    page = watched
    sign_in(page, demo_server, demo_server.admin)
    visit(page, demo_server.url + "/api/v1/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator(".swagger-ui .opblock").count() >= 5
    page.locator(".swagger-ui .opblock-summary").first.click()
    page.locator(".swagger-ui .opblock-body").first.wait_for()
    page.screenshot(path=str(artifacts / "csp-api-docs.png"), full_page=False)
    assert violations(page) == []
    assert page.outside_requests == []


def test_the_organisation_switcher_works_without_an_inline_handler(watched, demo_server):
    page = watched
    visit(page, demo_server.url + "/login/")
    page.fill("#id_username", "advisor@alignment-partners.example")
    page.fill("#id_password", demo_server.password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/o/[\w-]+/$"))
    here = page.url.rstrip("/").rsplit("/", 1)[-1]
    other = "fjordfoods" if here == "harbourline" else "harbourline"
    page.select_option("#org-switch", other)
    page.wait_for_url(re.compile(rf"/o/{other}/$"))
    assert violations(page) == []


def test_the_error_pages_are_the_apps_own_with_debug_off(watched, demo_server, artifacts):
    page = watched
    visit(page, demo_server.url + "/no/such/page/", status=404)
    assert page.locator("h1").inner_text() == "There is nothing here"
    sign_in(page, demo_server, "viewer@harbourline.example")
    visit(page, demo_server.url + "/o/harbourline/users/", status=403)
    assert page.locator("h1").inner_text() == "Your role does not allow this"
    assert page.locator("nav.areas a").count() >= 2  # the navigation stays
    page.screenshot(path=str(artifacts / "error-403.png"), full_page=True)
    visit(page, demo_server.url + "/o/harbourline/responsiveness/tickets/999999/", status=404)
    assert page.locator("nav.areas a").count() >= 2
    assert violations(page) == []


def test_the_watch_sees_a_violation_when_there_is_one(watched, demo_server):
    """So that the empty lists above mean something: an inline style and an outside image are reported."""
    page = watched
    visit(page, demo_server.url + "/login/")
    page.evaluate("""document.body.insertAdjacentHTML('beforeend',
        '<div style="color: red">x</div><img src="http://192.0.2.1/x.png">')""")
    page.wait_for_timeout(500)
    found = violations(page)
    assert any("style-src" in v for v in found) and any("img-src" in v for v in found), found
