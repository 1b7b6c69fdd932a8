"""`teamalign user create`."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from teamalign.orgs.models import Membership, User

pytestmark = pytest.mark.django_db


def test_it_creates_a_login_that_can_sign_in(teamalign, cast):
    code, out = teamalign("user", "create", "Nina@Acme.example", "--org", "acme", "--role", "ops",
                          "--name", "Nina Nilsen", "--password", "a long enough password")
    assert (code, out) == (0, "nina@acme.example is ops of Acme.")
    assert Client().login(username="nina@acme.example", password="a long enough password")
    assert User.objects.get(email="nina@acme.example").name == "Nina Nilsen"


def test_it_takes_the_password_from_the_environment(teamalign, cast, monkeypatch):
    monkeypatch.setenv("TEAMALIGN_PASSWORD", "another long password")
    assert teamalign("user", "create", "nina@acme.example", "--org", "acme", "--role", "viewer")[0] == 0
    assert Client().login(username="nina@acme.example", password="another long password")


def test_it_gives_an_advisor_a_role_in_a_second_organisation_without_a_password(teamalign, cast, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out = teamalign("user", "create", "gary@globex.example", "--org", "acme", "--role", "viewer")
    assert (code, out) == (0, "gary@globex.example is viewer of Acme.")
    assert set(cast.gary.memberships.values_list("organisation__slug", "role")) == {("globex", "admin"),
                                                                                     ("acme", "viewer")}
    assert Client().login(username="gary@globex.example", password=cast.password)  # password unchanged


def test_it_changes_the_role_of_an_existing_member(teamalign, cast):
    assert teamalign("user", "create", "victor@acme.example", "--org", "acme", "--role", "it")[0] == 0
    assert Membership.objects.get(user=cast.victor, organisation=cast.acme).role == "it"


def test_a_new_login_without_a_password_and_without_a_terminal_is_refused(teamalign, cast, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.delenv("TEAMALIGN_PASSWORD", raising=False)
    code, out = teamalign("user", "create", "nina@acme.example", "--org", "acme", "--role", "ops")
    assert code == 2
    assert "error: a new user needs a password: give --password or TEAMALIGN_PASSWORD" in out
    assert not User.objects.filter(email="nina@acme.example").exists()


def test_a_weak_password_is_refused(teamalign, cast):
    code, out = teamalign("user", "create", "nina@acme.example", "--org", "acme", "--role", "ops",
                          "--password", "password123")
    assert code == 2 and "too common" in out
    assert not User.objects.filter(email="nina@acme.example").exists()


def test_an_unknown_organisation_is_refused(teamalign, cast):
    code, out = teamalign("user", "create", "nina@acme.example", "--org", "nope", "--role", "ops",
                          "--password", "a long enough password")
    assert (code, out) == (2, "error: no organisation with the slug 'nope'")


def test_an_unknown_role_is_refused(teamalign, cast, capsys):
    with pytest.raises(SystemExit) as exited:
        teamalign("user", "create", "nina@acme.example", "--org", "acme", "--role", "owner")
    assert exited.value.code == 2
    assert "invalid choice: 'owner'" in capsys.readouterr().err
    assert not User.objects.filter(email="nina@acme.example").exists()
