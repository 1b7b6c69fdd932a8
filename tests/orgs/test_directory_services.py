"""Organisations, departments, teams, people and memberships (orgs.services) and the role table."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from teamalign.errors import ValidationError
from teamalign.orgs import services
from teamalign.orgs.models import Department, Membership, Organisation, Person, Role, User
from teamalign.orgs.roles import Permission, role_allows

pytestmark = pytest.mark.django_db


# organisations ---------------------------------------------------------------------------------------


def test_a_new_organisation_comes_with_its_it_department():
    org = services.organisation_create(name="Initech", timezone="America/Chicago")
    assert (org.slug, org.currency) == ("initech", "USD")
    assert [(d.name, d.kind) for d in org.departments.all()] == [("IT", "it")]


@pytest.mark.parametrize(("options", "message"), [
    ({"name": "  "}, "needs a name"),
    ({"name": "Initech", "timezone": "Mars/Olympus"}, "not a known IANA time zone"),
    ({"name": "Initech", "currency": "EURO"}, "not an ISO 4217"),
    ({"name": "!!!"}, "cannot make a slug"),
])
def test_it_refuses_a_bad_organisation(options, message):
    with pytest.raises(ValidationError, match=message):
        services.organisation_create(**{"timezone": "UTC", **options})
    assert not Organisation.objects.exists()


def test_it_refuses_a_second_organisation_with_the_same_slug(cast):
    with pytest.raises(ValidationError, match="slug 'acme' exists already"):
        services.organisation_create(name="ACME", timezone="UTC")


# departments -----------------------------------------------------------------------------------------


def test_it_cannot_create_a_second_it_department(cast):
    with pytest.raises(ValidationError, match="IT provider department already"):
        services.department_save(organisation=cast.acme, name="Tech", kind=Department.Kind.IT)
    assert cast.acme.departments.filter(kind="it").count() == 1


def test_the_database_also_refuses_a_second_it_department(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(organisation=cast.acme, name="Tech", kind=Department.Kind.IT)


def test_the_it_department_stays_the_it_provider_but_can_be_renamed(cast):
    it = cast.acme.it_department
    with pytest.raises(ValidationError, match="stays the IT provider"):
        services.department_save(organisation=cast.acme, department=it, name="IT", kind=Department.Kind.OTHER)
    services.department_save(organisation=cast.acme, department=it, name="Technology", kind=Department.Kind.IT)
    assert cast.acme.it_department.name == "Technology"


def test_it_cannot_delete_the_it_department(cast):
    it = cast.acme.it_department
    it.people.all().delete()
    Person.objects.filter(team__department=it).delete()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        services.department_delete(department=it)
    assert Department.objects.filter(pk=it.pk).exists()


def test_it_cannot_delete_a_department_that_still_has_people(cast):
    finance = cast.objects["acme"]["departments"]["Finance"]
    with pytest.raises(ValidationError, match="still has people"):
        services.department_delete(department=finance)


def test_department_names_are_unique_regardless_of_case(cast):
    with pytest.raises(ValidationError, match="exists already"):
        services.department_save(organisation=cast.acme, name="finance", kind=Department.Kind.OTHER)
    # ...but only within one organisation
    services.department_save(organisation=cast.globex, name="Sales", kind=Department.Kind.OTHER)
    services.department_save(organisation=cast.acme, name="Sales", kind=Department.Kind.OTHER)


# teams and people -----------------------------------------------------------------------------------


def test_a_team_cannot_belong_to_another_organisations_department(cast):
    with pytest.raises(ValidationError, match="another organisation"):
        services.team_save(organisation=cast.acme, department=cast.globex.it_department, name="Spies")


def test_moving_a_team_moves_its_people_to_the_new_department(cast):
    warehouse = cast.objects["acme"]["teams"]["Operations"]
    finance = cast.objects["acme"]["departments"]["Finance"]
    services.team_save(organisation=cast.acme, team=warehouse, department=finance, name="Warehouse")
    assert set(warehouse.people.values_list("department", flat=True)) == {finance.pk}


def test_it_cannot_delete_a_team_that_still_has_people(cast):
    with pytest.raises(ValidationError, match="still has people"):
        services.team_delete(team=cast.objects["acme"]["teams"]["Finance"])


def test_a_person_takes_the_department_of_their_team(cast):
    warehouse = cast.objects["acme"]["teams"]["Operations"]
    person = services.person_save(organisation=cast.acme, name="Pia", email=" PIA@acme.example ", team=warehouse)
    assert (person.email, person.department) == ("pia@acme.example", warehouse.department)


def test_a_person_cannot_join_another_organisations_team(cast):
    with pytest.raises(ValidationError, match="another organisation"):
        services.person_save(organisation=cast.acme, name="Pia", email="pia@acme.example",
                             team=cast.objects["globex"]["teams"]["IT"])


def test_emails_are_unique_within_an_organisation(cast):
    with pytest.raises(ValidationError, match="exists already"):
        services.person_save(organisation=cast.acme, name="Another Alice", email="Alice@acme.example")


# users and memberships -------------------------------------------------------------------------------


def test_an_advisor_keeps_one_login_with_a_role_in_each_organisation(cast):
    assert User.objects.filter(email="ada@advisors.example").count() == 1
    assert set(cast.ada.memberships.values_list("organisation__slug", "role")) == {("acme", "admin"),
                                                                                    ("globex", "admin")}


@pytest.mark.parametrize(("options", "message"), [
    ({"role": "owner"}, "unknown role 'owner'"),
    ({"password": None}, "needs a password"),
    ({"password": "short"}, "too short"),
    ({"password": "1234567890123"}, "entirely numeric"),
])
def test_it_refuses_a_bad_new_user(options, message, cast):
    with pytest.raises(ValidationError, match=message):
        services.user_create(**{"email": "new@acme.example", "password": "a long enough password",
                                "organisation": cast.acme, "role": "viewer", **options})
    assert not User.objects.filter(email="new@acme.example").exists()


def test_a_users_login_is_linked_to_their_person(cast):
    membership = Membership.objects.get(user=cast.olivia, organisation=cast.acme)
    assert membership.person.name == "Olivia Okafor"


def test_an_organisation_keeps_at_least_one_admin(cast):
    gary = Membership.objects.get(user=cast.gary, organisation=cast.globex)
    services.membership_remove(membership=Membership.objects.get(user=cast.ada, organisation=cast.globex))
    with pytest.raises(ValidationError, match="at least one admin"):
        services.membership_remove(membership=gary)
    assert Membership.objects.filter(pk=gary.pk).exists()


def test_an_api_token_is_stored_only_as_a_hash(cast):
    import hashlib

    token, secret = services.api_token_create(user=cast.alice, name="script")
    assert secret.startswith("ta_") and secret not in (token.token_hash, token.prefix)
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()


# the role table --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "view", "import_", "manage"), [
    (Role.ADMIN, True, True, True),
    (Role.IT, True, True, False),
    (Role.OPS, True, False, False),
    (Role.VIEWER, True, False, False),
    ("nobody", False, False, False),
])
def test_what_each_role_may_do(role, view, import_, manage):
    assert role_allows(role, Permission.VIEW) is view
    assert role_allows(role, Permission.IMPORT) is import_
    assert role_allows(role, Permission.MANAGE) is manage
