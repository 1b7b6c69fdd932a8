"""The web shell: navigation, the organisation switcher, pages without JavaScript, API tokens page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from teamalign.web.navigation import AREA_ORDER, areas

pytestmark = pytest.mark.django_db


class Page(HTMLParser):
    """The links, forms and script sources of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.forms: list[dict] = []
        self.scripts: list[str] = []
        self._in_link: str | None = None
        self._in_nav = False
        self._noscript = 0
        self.nav_links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and attrs.get("class") == "areas":
            self._in_nav = True
        elif tag == "a":
            self._in_link = attrs.get("href", "")
        elif tag == "form":
            self.forms.append({"method": attrs.get("method", "get").lower(), "action": attrs.get("action"),
                               "submit": False, "fields": []})
        elif tag == "noscript":
            self._noscript += 1
        elif tag in ("button", "input", "select", "textarea") and self.forms:
            kind = attrs.get("type", "submit" if tag == "button" else "text")
            if kind == "submit":
                self.forms[-1]["submit"] = True
            if attrs.get("name"):
                self.forms[-1]["fields"].append(attrs["name"])
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_nav = False
        elif tag == "a":
            self._in_link = None
        elif tag == "noscript":
            self._noscript -= 1

    def handle_data(self, data):
        if self._in_link is not None and data.strip():
            self.links.append((self._in_link, data.strip()))
            if self._in_nav:
                self.nav_links.append(data.strip())


# navigation ---------------------------------------------------------------------------------------------


def test_the_navigation_shows_only_the_areas_that_exist(cast, login):
    page = Page(login(cast.victor).get("/o/acme/").content.decode())
    assert page.nav_links == [a.label for a in areas()]
    assert page.nav_links[0] == "Overview" and "Data" in page.nav_links
    for key in AREA_ORDER:
        if key not in {a.key for a in areas()}:
            assert key.capitalize() not in page.nav_links  # not built yet: not shown


def test_every_navigation_link_opens_for_every_role(cast, login):
    for user in cast.users_by_role().values():
        client = login(user)
        page = Page(client.get("/o/acme/").content.decode())
        for href, _label in page.links:
            if href.startswith("/o/acme/"):
                assert client.get(href).status_code == 200, (user.email, href)


def test_the_overview_shows_the_directory_in_numbers(cast, login):
    page = login(cast.victor).get("/o/acme/").content.decode()
    assert "<h1>Acme</h1>" in page
    assert 'class="value">5</div>' in page  # five people
    assert "acme-people.csv" in page  # the recent import


def test_the_overview_of_an_empty_organisation_invites_an_import(cast, login):
    from teamalign.orgs.models import ImportRun, Person

    Person.objects.filter(organisation=cast.acme).delete()
    ImportRun.objects.filter(organisation=cast.acme).delete()
    page = login(cast.ivan).get("/o/acme/").content.decode()
    assert "Import your people directory" in page


# the organisation switcher ---------------------------------------------------------------------------------


def test_the_advisor_switches_between_organisations(cast, login):
    client = login(cast.ada)
    page = client.get("/o/acme/").content.decode()
    assert 'id="org-switch"' in page
    assert '<option value="globex">Globex</option>' in page
    response = client.get("/switch/", {"org": "globex"})
    assert response.status_code == 302 and response["Location"] == "/o/globex/"
    assert "<h1>Globex</h1>" in client.get("/o/globex/").content.decode()


def test_the_switcher_works_without_javascript(cast, login):
    page = login(cast.ada).get("/o/acme/").content.decode()
    switcher = page[page.index('class="switcher"'):]
    switcher = switcher[:switcher.index("</form>")]
    assert '<noscript><button type="submit">Go</button></noscript>' in switcher


def test_a_member_of_one_organisation_sees_no_switcher(cast, login):
    page = login(cast.alice).get("/o/acme/").content.decode()
    assert 'id="org-switch"' not in page
    assert "Globex" not in page


def test_switching_to_nothing_is_a_404(cast, login):
    assert login(cast.ada).get("/switch/").status_code == 404


# pages without JavaScript ------------------------------------------------------------------------------------


def core_pages(cast) -> list[str]:
    person = cast.objects["acme"]["people"]["oscar"]
    finance = cast.objects["acme"]["departments"]["Finance"]
    team = cast.objects["acme"]["teams"]["Finance"]
    run = cast.objects["acme"]["import_run"]
    return ["/o/acme/", "/o/acme/data/", f"/o/acme/data/imports/{run.pk}/", "/o/acme/departments/",
            "/o/acme/departments/new/", f"/o/acme/departments/{finance.pk}/edit/", "/o/acme/teams/",
            "/o/acme/teams/new/", f"/o/acme/teams/{team.pk}/edit/", "/o/acme/people/", "/o/acme/people/new/",
            f"/o/acme/people/{person.pk}/edit/", "/o/acme/users/", "/o/acme/settings/", "/account/tokens/"]


def test_every_form_on_the_core_pages_is_a_plain_html_form(cast, login):
    client = login(cast.ada)  # the advisor sees everything, the switcher too
    for url in core_pages(cast):
        response = client.get(url)
        assert response.status_code == 200, url
        page = Page(response.content.decode())
        assert page.forms, url
        for form in page.forms:
            assert form["submit"], (url, form)  # submit buttons, no JavaScript needed
            if form["method"] == "post":
                assert "csrfmiddlewaretoken" in form["fields"], (url, form)


def test_the_pages_load_no_script_from_another_site(cast, login):
    client = login(cast.ada)
    for url in core_pages(cast):
        for src in Page(client.get(url).content.decode()).scripts:
            assert src.startswith("/static/"), (url, src)


def test_the_pages_are_made_for_phone_screens(cast, login):
    page = login(cast.alice).get("/o/acme/").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_the_static_files_are_served(cast, client):
    from django.contrib.staticfiles import finders

    assert finders.find("teamalign/app.css")
    response = client.get("/static/teamalign/app.css")
    assert response.status_code == 200


# API tokens page ---------------------------------------------------------------------------------------------


def test_a_user_creates_a_token_sees_it_once_and_revokes_it(cast, login):
    from teamalign.orgs.models import ApiToken

    client = login(cast.ivan)
    page = client.post("/account/tokens/", {"name": "nightly export"}).content.decode()
    secret = page.split('<code id="new-token">')[1].split("</code>")[0]
    assert secret.startswith("ta_")
    token = ApiToken.objects.get(user=cast.ivan)
    assert token.name == "nightly export" and secret not in client.get("/account/tokens/").content.decode()
    client.post(f"/account/tokens/{token.pk}/delete/")
    assert not ApiToken.objects.filter(pk=token.pk).exists()
