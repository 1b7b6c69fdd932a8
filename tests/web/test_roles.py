"""Roles aligned with what imports write (issue 7, item 8).

The fault it replaces: the `it` role could create departments and teams and rewrite people
through a people import, though it could not edit any of them on the web. Decision: whoever may
import may keep the directory — `it` holds the `directory` permission (departments, teams, people),
and `manage` (users, invitations, passwords, settings) stays with admins.

The expected table is written out here, independently of the views' decorators, and tried with
real requests.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teamalign.orgs.models import Department, Person, Team
from teamalign.orgs.roles import GRANTS, Permission
from tests.conftest import PEOPLE_HEADER

pytestmark = pytest.mark.django_db

ALL = {"admin", "it", "ops", "viewer"}
DIRECTORY_EDITORS = {"admin", "it"}
ADMINS = {"admin"}


def _pages(cast, role: str):
    acme = cast.objects["acme"]
    department = acme["departments"]["Finance"].pk  # has people: a delete is refused, not done
    team = acme["teams"]["Finance"].pk
    # A person of its own for each role, as a permitted delete removes it.
    person = Person.objects.create(organisation=cast.acme, name=f"Temp {role}", email=f"temp-{role}@acme.example").pk
    member = cast.victor.memberships.get(organisation=cast.acme).pk
    invitation = acme["invitation"].pk
    return {
        # (method, path): roles let in
        ("GET", "/o/acme/departments/"): ALL,
        ("GET", "/o/acme/departments/new/"): DIRECTORY_EDITORS,
        ("GET", f"/o/acme/departments/{department}/edit/"): DIRECTORY_EDITORS,
        ("POST", f"/o/acme/departments/{department}/delete/"): DIRECTORY_EDITORS,
        ("GET", "/o/acme/teams/"): ALL,
        ("GET", "/o/acme/teams/new/"): DIRECTORY_EDITORS,
        ("GET", f"/o/acme/teams/{team}/edit/"): DIRECTORY_EDITORS,
        ("POST", f"/o/acme/teams/{team}/delete/"): DIRECTORY_EDITORS,
        ("GET", "/o/acme/people/"): ALL,
        ("GET", "/o/acme/people/new/"): DIRECTORY_EDITORS,
        ("GET", f"/o/acme/people/{person}/edit/"): DIRECTORY_EDITORS,
        ("POST", f"/o/acme/people/{person}/delete/"): DIRECTORY_EDITORS,
        ("GET", "/o/acme/users/"): ADMINS,
        ("POST", "/o/acme/users/"): ADMINS,
        ("POST", f"/o/acme/users/{member}/role/"): ADMINS,
        ("POST", f"/o/acme/users/{member}/reset-password/"): ADMINS,
        ("POST", f"/o/acme/users/invitations/{invitation}/revoke/"): ADMINS,
        ("GET", "/o/acme/settings/"): ADMINS,
        ("GET", "/o/acme/data/"): ALL,
    }


def test_each_role_is_let_into_exactly_the_pages_of_the_table(cast, login):
    wrong = []
    for role, user in cast.users_by_role().items():
        client = login(user)
        for (method, path), allowed in _pages(cast, role).items():
            status = client.generic(method, path).status_code
            if (role in allowed) != (status not in (403, 404)) or status >= 500:
                wrong.append(f"{role} {method} {path}: {status}")
    assert wrong == []


def test_whoever_may_import_may_edit_what_an_import_writes():
    for role, grants in GRANTS.items():
        if Permission.IMPORT in grants:
            assert Permission.DIRECTORY in grants, f"{role} may import people but not edit the directory"


def test_an_it_user_imports_people_into_new_departments_and_then_edits_them(cast, login):
    ivan = login(cast.ivan)
    content = f"{PEOPLE_HEADER}\nRosa Rossi,rosa@acme.example,Sales,Field Sales,Account Executive,no\n".encode()
    response = ivan.post("/o/acme/data/upload/", {"kind": "people", "file": SimpleUploadedFile("hr.csv", content)})
    assert response.status_code == 302
    sales = Department.objects.get(organisation=cast.acme, name="Sales")
    field_sales = Team.objects.get(organisation=cast.acme, name="Field Sales")
    rosa = Person.objects.get(organisation=cast.acme, email="rosa@acme.example")
    assert ivan.post(f"/o/acme/departments/{sales.pk}/edit/", {"name": "Sales & Marketing", "kind": "other"}) \
        .status_code == 302
    assert ivan.post(f"/o/acme/teams/{field_sales.pk}/edit/", {"name": "Field", "department": sales.pk}) \
        .status_code == 302
    assert ivan.post(f"/o/acme/people/{rosa.pk}/edit/", {"name": "Rosa Rossi", "email": "rosa@acme.example",
                                                         "title": "Sales Lead", "team": field_sales.pk}) \
        .status_code == 302
    sales.refresh_from_db()
    rosa.refresh_from_db()
    assert (sales.name, rosa.title) == ("Sales & Marketing", "Sales Lead")


def test_the_directory_pages_offer_edit_links_to_directory_editors_only(cast, login):
    for user, expected in ((cast.ivan, True), (cast.olivia, False), (cast.victor, False)):
        page = login(user).get("/o/acme/departments/").content.decode()
        assert ("Add a department" in page) is expected, user.email
        page = login(user).get("/o/acme/people/").content.decode()
        assert ("Add a person" in page) is expected, user.email
    ivan_nav = login(cast.ivan).get("/o/acme/people/").content.decode()
    assert "Users &amp; roles" not in ivan_nav  # managing users stays with admins
