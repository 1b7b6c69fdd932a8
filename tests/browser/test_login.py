"""In a real browser against a real server: sign in, reach the overview, fit a phone, import a file."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def sign_in(page, server, email: str) -> None:
    page.goto(server.url + "/")
    assert "/login/" in page.url
    page.fill("#id_username", email)
    page.fill("#id_password", server.password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/o/harbourline/$"))


def test_the_demo_admin_signs_in_and_reaches_the_overview(page, demo_server, artifacts):
    sign_in(page, demo_server, demo_server.admin)
    assert page.locator("h1").first.inner_text() == "Harbourline Logistics"
    assert page.title().startswith("Overview · Harbourline Logistics")
    navigation = page.locator("nav.areas a").all_inner_texts()
    assert navigation[0] == "Overview" and "Data" in navigation
    page.wait_for_selector("div.chart svg")  # the chart is drawn by the bundled, offline Vega
    page.screenshot(path=str(artifacts / "overview.png"), full_page=True)
    assert page.outside_requests == [], "the page fetched something from another site"
    assert page.errors == []


def test_the_overview_fits_a_phone_screen(page, demo_server, artifacts):
    sign_in(page, demo_server, demo_server.admin)
    page.set_viewport_size({"width": 375, "height": 812})
    for path in ("/o/harbourline/", "/o/harbourline/people/", "/o/harbourline/data/"):
        page.goto(demo_server.url + path)
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at 375 px"
    # Wide tables may scroll inside their panel (the Data page's history does); the overview's may not.
    page.goto(demo_server.url + "/o/harbourline/")
    clipped = page.evaluate("[...document.querySelectorAll('.panel')]"
                            ".filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.innerText.slice(0, 40))")
    assert clipped == [], f"overview panels wider than the screen: {clipped}"
    page.screenshot(path=str(artifacts / "overview-phone.png"), full_page=True)


def test_signing_in_with_a_wrong_password_says_so(page, demo_server):
    page.goto(demo_server.url + "/login/")
    page.fill("#id_username", demo_server.admin)
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]")
    assert "That email and password do not match." in page.inner_text("main")


def test_an_uploaded_people_file_reaches_succeeded(page, demo_server, tmp_path, artifacts):
    people = tmp_path / "new-starters.csv"
    people.write_text("Full Name,E-mail,Department,Team,Job Title\n"
                      "Nia Browser,nia.browser@harbourline.example,Operations,Warehouse,Picker\n"
                      "Ola Browser,ola.browser@harbourline.example,Finance,Accounts,Accountant\n")
    sign_in(page, demo_server, demo_server.admin)
    page.click("nav.areas >> text=Data")
    page.select_option("#id_kind", "people")
    page.set_input_files("#id_file", str(people))
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_url(re.compile(r"/o/harbourline/data/imports/\d+/$"))
    # The worker running beside the server picks the job up; htmx polls the status.
    badge = page.locator("#run-status-badge")
    badge.filter(has_text="Succeeded").wait_for(timeout=60_000)
    assert page.locator("#run-created").inner_text() == "2"
    page.screenshot(path=str(artifacts / "import-run.png"), full_page=True)
    page.goto(demo_server.url + "/o/harbourline/people/?q=browser")
    assert "Nia Browser" in page.inner_text("main") and "Ola Browser" in page.inner_text("main")
