"""`teamalign demo --no-serve`: the demo organisation, built once and reused."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from teamalign.demo.builder import DEMO_LOGINS, DEMO_SLUG, SECOND_SLUG
from teamalign.orgs.models import Department, ImportRun, Membership, Organisation, Person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_the_directory")]


@pytest.fixture
def only_the_directory(request, monkeypatch):
    """Plant the directory only: it is what these tests are about, and it keeps them fast. Each
    area's planter is tested with its area; `test_every_area_plants_its_part` runs them all once."""
    if request.node.get_closest_marker("every_area"):
        return
    from teamalign.demo import builder

    monkeypatch.setattr(builder, "_PLANTERS", [p for p in builder._PLANTERS if p[1] == "directory"])


@pytest.mark.every_area
def test_every_area_plants_its_part(teamalign):
    from teamalign.demo.builder import _PLANTERS

    code, out = teamalign("demo", "--no-serve")
    assert code == 0
    for _order, name, _planter in _PLANTERS:
        assert f"{name}: " in out
    assert Organisation.objects.filter(slug=DEMO_SLUG).exists()


def test_it_builds_the_demo_organisation_and_prints_the_logins(teamalign):
    code, out = teamalign("demo", "--no-serve")
    assert code == 0
    assert "Building the demo organisation" in out
    org = Organisation.objects.get(slug=DEMO_SLUG)
    people = Person.objects.filter(organisation=org)
    assert 280 <= people.count() <= 310
    assert people.filter(is_leader=True).count() >= 15
    kinds = dict(Department.objects.filter(organisation=org).values_list("name", "kind"))
    assert kinds["IT"] == "it" and kinds["Operations"] == "operations" and kinds["Finance"] == "other"
    assert {"Warehouse", "Transport", "Customer Service"} <= set(
        org.teams.filter(department__name="Operations").values_list("name", flat=True))

    password = re.search(r"Demo logins \(password: (\S+)\)", out).group(1)
    for login in DEMO_LOGINS:
        assert login.email in out
        assert Client().login(username=login.email, password=password), login.email
    roles = dict(Membership.objects.filter(organisation=org).values_list("user__email", "role"))
    assert sorted(roles.values()) == ["admin", "admin", "it", "ops", "viewer"]
    advisor = DEMO_LOGINS[-1].email
    assert set(Membership.objects.filter(user__email=advisor).values_list("organisation__slug", flat=True)) == {
        DEMO_SLUG, SECOND_SLUG}


def test_the_demo_logins_are_people_in_the_directory(teamalign):
    teamalign("demo", "--no-serve")
    cio = Membership.objects.get(user__email=DEMO_LOGINS[1].email)
    assert cio.person is not None and cio.person.title == "Chief Information Officer"


def test_running_it_again_reuses_the_demo(teamalign):
    teamalign("demo", "--no-serve")
    org = Organisation.objects.get(slug=DEMO_SLUG)
    state = (Person.objects.count(), ImportRun.objects.count())
    code, out = teamalign("demo", "--no-serve")
    assert code == 0 and "Using the demo organisation" in out
    assert Organisation.objects.get(slug=DEMO_SLUG).pk == org.pk
    assert (Person.objects.count(), ImportRun.objects.count()) == state


def test_reset_rebuilds_it_the_same(teamalign):
    teamalign("demo", "--no-serve")
    org = Organisation.objects.get(slug=DEMO_SLUG)
    people = sorted(Person.objects.filter(organisation=org).values_list("email", "title", "team__name"))
    code, out = teamalign("demo", "--no-serve", "--reset")
    assert code == 0 and "Building the demo organisation" in out
    rebuilt = Organisation.objects.get(slug=DEMO_SLUG)
    assert rebuilt.pk != org.pk
    assert sorted(Person.objects.filter(organisation=rebuilt).values_list("email", "title", "team__name")) == people


def test_the_demo_leaves_other_organisations_alone(teamalign, cast):
    teamalign("demo", "--no-serve", "--reset")
    assert Person.objects.filter(organisation=cast.acme).count() == 5
