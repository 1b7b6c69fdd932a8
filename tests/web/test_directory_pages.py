"""Admin pages for departments, teams, people and the organisation's settings."""

from __future__ import annotations

import pytest

from teamalign.orgs.models import Department, Person, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(cast, login):
    return login(cast.alice)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# departments ---------------------------------------------------------------------------------------------


def test_an_admin_adds_renames_and_deletes_a_department(cast, alice):
    response = alice.post("/o/acme/departments/new/", {"name": "Sales", "kind": "other"})
    assert response.status_code == 302 and response["Location"] == "/o/acme/departments/"
    sales = Department.objects.get(organisation=cast.acme, name="Sales")
    assert b"Sales" in alice.get("/o/acme/departments/").content

    alice.post(f"/o/acme/departments/{sales.pk}/edit/", {"name": "Sales & Marketing", "kind": "operations"})
    sales.refresh_from_db()
    assert (sales.name, sales.kind) == ("Sales & Marketing", "operations")

    response = alice.post(f"/o/acme/departments/{sales.pk}/delete/", follow=True)
    assert "Department 'Sales & Marketing' deleted." in messages_of(response)
    assert not Department.objects.filter(pk=sales.pk).exists()


def test_the_edit_page_shows_the_current_values(cast, alice):
    finance = cast.objects["acme"]["departments"]["Finance"]
    page = alice.get(f"/o/acme/departments/{finance.pk}/edit/").content.decode()
    assert 'value="Finance"' in page and '<option value="other" selected>' in page


def test_an_admin_cannot_create_a_second_it_department(cast, alice):
    response = alice.post("/o/acme/departments/new/", {"name": "Technology", "kind": "it"})
    assert response.status_code == 200
    assert "this organisation has its IT provider department already" in response.content.decode()
    assert cast.acme.departments.filter(kind="it").count() == 1


def test_an_admin_cannot_delete_the_it_department(cast, alice):
    it = cast.acme.it_department
    Person.objects.filter(department=it).update(department=None, team=None)
    response = alice.post(f"/o/acme/departments/{it.pk}/delete/", follow=True)
    assert "the IT provider department cannot be deleted" in messages_of(response)
    assert Department.objects.filter(pk=it.pk).exists()


def test_the_departments_page_offers_no_delete_button_for_it(cast, alice):
    it = cast.acme.it_department
    page = alice.get("/o/acme/departments/").content.decode()
    assert f"/o/acme/departments/{it.pk}/delete/" not in page
    finance = cast.objects["acme"]["departments"]["Finance"]
    assert f"/o/acme/departments/{finance.pk}/delete/" in page


def test_a_department_with_people_is_not_deleted(cast, alice):
    finance = cast.objects["acme"]["departments"]["Finance"]
    response = alice.post(f"/o/acme/departments/{finance.pk}/delete/", follow=True)
    assert "'Finance' still has people; move them first" in messages_of(response)
    assert Department.objects.filter(pk=finance.pk).exists()


def test_a_department_form_with_missing_fields_shows_errors(cast, alice):
    response = alice.post("/o/acme/departments/new/", {"name": "", "kind": "other"})
    assert response.status_code == 200 and b"This field is required." in response.content


# teams -----------------------------------------------------------------------------------------------


def test_an_admin_adds_renames_moves_and_deletes_a_team(cast, alice):
    ops = cast.objects["acme"]["departments"]["Operations"]
    finance = cast.objects["acme"]["departments"]["Finance"]
    assert alice.post("/o/acme/teams/new/", {"name": "Transport", "department": ops.pk}).status_code == 302
    team = Team.objects.get(organisation=cast.acme, name="Transport")
    alice.post(f"/o/acme/teams/{team.pk}/edit/", {"name": "Fleet", "department": finance.pk})
    team.refresh_from_db()
    assert (team.name, team.department) == ("Fleet", finance)
    response = alice.post(f"/o/acme/teams/{team.pk}/delete/", follow=True)
    assert "Team 'Fleet' deleted." in messages_of(response)


def test_a_team_cannot_be_put_in_another_organisations_department(cast, alice):
    response = alice.post("/o/acme/teams/new/", {"name": "Spies", "department": cast.globex.it_department.pk})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not Team.objects.filter(name="Spies").exists()


def test_a_team_with_people_is_not_deleted(cast, alice):
    warehouse = cast.objects["acme"]["teams"]["Operations"]
    response = alice.post(f"/o/acme/teams/{warehouse.pk}/delete/", follow=True)
    assert "'Warehouse' still has people; move them first" in messages_of(response)


def test_a_duplicate_team_name_in_a_department_is_refused(cast, alice):
    ops = cast.objects["acme"]["departments"]["Operations"]
    response = alice.post("/o/acme/teams/new/", {"name": "warehouse", "department": ops.pk})
    assert response.status_code == 200 and b"has a team named" in response.content


# people ----------------------------------------------------------------------------------------------


def test_an_admin_adds_edits_and_deletes_a_person(cast, alice):
    warehouse = cast.objects["acme"]["teams"]["Operations"]
    response = alice.post("/o/acme/people/new/", {"name": "Pia Park", "email": "pia@acme.example",
                                                  "title": "Picker", "team": warehouse.pk})
    assert response.status_code == 302
    pia = Person.objects.get(organisation=cast.acme, email="pia@acme.example")
    assert (pia.team, pia.department, pia.is_leader) == (warehouse, warehouse.department, False)

    alice.post(f"/o/acme/people/{pia.pk}/edit/", {"name": "Pia Park", "email": "pia@acme.example",
                                                  "title": "Shift Lead", "is_leader": "on", "team": warehouse.pk})
    pia.refresh_from_db()
    assert (pia.title, pia.is_leader) == ("Shift Lead", True)

    response = alice.post(f"/o/acme/people/{pia.pk}/delete/", follow=True)
    assert "Pia Park deleted." in messages_of(response)
    assert not Person.objects.filter(pk=pia.pk).exists()


def test_a_duplicate_email_is_refused_on_the_person_form(cast, alice):
    response = alice.post("/o/acme/people/new/", {"name": "Alice Two", "email": "ALICE@acme.example"})
    assert response.status_code == 200
    assert b"someone with the email alice@acme.example exists already" in response.content


def test_the_people_page_searches_and_filters(cast, login):
    client = login(cast.victor)
    page = client.get("/o/acme/people/", {"q": "okafor"}).content.decode()
    assert "Olivia Okafor" in page and "Ivan Ito" not in page
    finance = cast.objects["acme"]["departments"]["Finance"]
    page = client.get("/o/acme/people/", {"department": finance.pk}).content.decode()
    assert "Victor Varga" in page and "Olivia Okafor" not in page
    assert client.get("/o/acme/people/", {"department": "nonsense"}).status_code == 200


def test_the_people_page_never_shows_another_organisations_people(cast, login):
    page = login(cast.ada).get("/o/acme/people/", {"q": "g"}).content.decode()
    assert "Gary Green" not in page and "Gina Gold" not in page


def test_the_people_page_paginates(cast, login):
    for i in range(60):
        Person.objects.create(organisation=cast.acme, name=f"Zz Person {i:02}", email=f"zz{i}@acme.example")
    client = login(cast.victor)
    first = client.get("/o/acme/people/").content.decode()
    assert "Page 1 of 2" in first and "65 in all" in first
    second = client.get("/o/acme/people/", {"page": 2}).content.decode()
    assert "Zz Person 59" in second


def test_viewers_see_no_edit_links(cast, login):
    page = login(cast.victor).get("/o/acme/people/").content.decode()
    assert "/edit/" not in page and "Add a person" not in page


# escaping ----------------------------------------------------------------------------------------------


def test_user_text_is_escaped_everywhere_it_is_shown(cast, alice):
    evil = "<script>alert(1)</script>"
    finance = cast.objects["acme"]["departments"]["Finance"]
    Person.objects.create(organisation=cast.acme, name=evil, email="evil@acme.example", title=evil,
                          department=finance)
    Department.objects.filter(pk=finance.pk).update(name=f"Finance {evil}")
    Team.objects.filter(organisation=cast.acme, name="Accounts").update(name=evil)
    person = Person.objects.get(email="evil@acme.example")
    for url in ("/o/acme/", "/o/acme/people/", "/o/acme/departments/", "/o/acme/teams/",
                f"/o/acme/people/{person.pk}/edit/"):
        page = alice.get(url).content.decode()
        assert evil not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page or "\\u003Cscript\\u003E" in page, url


# settings ------------------------------------------------------------------------------------------------


def test_an_admin_changes_the_organisations_settings(cast, alice):
    response = alice.post("/o/acme/settings/", {"name": "Acme Corp", "timezone": "America/New_York",
                                                "currency": "usd"})
    assert response.status_code == 302
    cast.acme.refresh_from_db()
    assert (cast.acme.name, cast.acme.timezone, cast.acme.currency) == ("Acme Corp", "America/New_York", "USD")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("timezone", "Mars/Olympus", "not a known IANA time zone"),
    ("currency", "E1", "not an ISO 4217 currency code"),
    ("name", "   ", "This field is required."),
])
def test_bad_settings_are_refused(field, value, message, cast, alice):
    data = {"name": "Acme", "timezone": "UTC", "currency": "EUR", field: value}
    response = alice.post("/o/acme/settings/", data)
    assert response.status_code == 200 and message in response.content.decode()
    cast.acme.refresh_from_db()
    assert (cast.acme.name, cast.acme.timezone, cast.acme.currency) == ("Acme", "Europe/London", "EUR")
