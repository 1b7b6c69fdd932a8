"""Users and roles: adding logins, changing roles, removing access, keeping an admin."""

from __future__ import annotations

import pytest

from teamalign.orgs.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(cast, login):
    return login(cast.alice)


def membership(user, org) -> Membership:
    return Membership.objects.get(user=user, organisation=org)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_page_lists_the_organisations_logins_only(cast, alice):
    page = alice.get("/o/acme/users/").content.decode()
    for email in ("alice@acme.example", "ivan@acme.example", "ada@advisors.example"):
        assert email in page
    assert "gary@globex.example" not in page and "charlie@example.com" not in page


def test_an_admin_changes_a_role(cast, alice):
    victor = membership(cast.victor, cast.acme)
    response = alice.post(f"/o/acme/users/{victor.pk}/role/", {"role": "it"}, follow=True)
    assert "victor@acme.example is now it." in messages_of(response)
    victor.refresh_from_db()
    assert victor.role == "it"


def test_a_changed_role_takes_effect_at_once(cast, alice, login):
    victor_client = login(cast.victor)
    assert victor_client.get("/o/acme/teams/new/").status_code == 403
    alice.post(f"/o/acme/users/{membership(cast.victor, cast.acme).pk}/role/", {"role": "admin"})
    assert victor_client.get("/o/acme/teams/new/").status_code == 200


def test_an_admin_removes_access(cast, alice, login):
    victor_client = login(cast.victor)
    response = alice.post(f"/o/acme/users/{membership(cast.victor, cast.acme).pk}/remove/", follow=True)
    assert "victor@acme.example no longer has access." in messages_of(response)
    assert not Membership.objects.filter(user=cast.victor, organisation=cast.acme).exists()
    assert victor_client.get("/o/acme/").status_code == 404


def test_the_last_admin_can_be_neither_removed_nor_demoted(cast, alice):
    alice.post(f"/o/acme/users/{membership(cast.ada, cast.acme).pk}/remove/")
    last = membership(cast.alice, cast.acme)
    response = alice.post(f"/o/acme/users/{last.pk}/role/", {"role": "viewer"}, follow=True)
    assert "An organisation keeps at least one admin." in messages_of(response)
    response = alice.post(f"/o/acme/users/{last.pk}/remove/", follow=True)
    assert "an organisation keeps at least one admin" in messages_of(response)
    last.refresh_from_db()
    assert last.role == "admin"


def test_one_of_two_admins_may_step_down(cast, alice):
    alice.post(f"/o/acme/users/{membership(cast.alice, cast.acme).pk}/role/", {"role": "viewer"})
    assert membership(cast.alice, cast.acme).role == "viewer"


def test_an_unknown_role_is_refused(cast, alice):
    victor = membership(cast.victor, cast.acme)
    alice.post(f"/o/acme/users/{victor.pk}/role/", {"role": "owner"})
    victor.refresh_from_db()
    assert victor.role == "viewer"


def test_removing_an_advisor_from_one_organisation_keeps_the_other(cast, alice, login):
    alice.post(f"/o/acme/users/{membership(cast.ada, cast.acme).pk}/remove/")
    assert login(cast.ada).get("/o/globex/").status_code == 200
    assert login(cast.ada).get("/o/acme/").status_code == 404
