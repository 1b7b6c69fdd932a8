"""`teamalign user create` and `teamalign user reset-password`."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from django.test import Client

from teamalign.orgs.models import Membership, User

pytestmark = pytest.mark.django_db


def test_it_creates_a_login_that_can_sign_in(teamalign, cast):
    code, out = teamalign("user", "create", "Nina@Acme.example", "--org", "acme", "--role", "ops",
                          "--name", "Nina Nilsen", "--password", "a long enough password")
    assert (code, out) == (0, "Created the login nina@acme.example; it is ops of Acme.")
    assert Client().login(username="nina@acme.example", password="a long enough password")
    assert User.objects.get(email="nina@acme.example").name == "Nina Nilsen"


def test_it_takes_the_password_from_the_environment(teamalign, cast, monkeypatch):
    monkeypatch.setenv("TEAMALIGN_PASSWORD", "another long password")
    assert teamalign("user", "create", "nina@acme.example", "--org", "acme", "--role", "viewer")[0] == 0
    assert Client().login(username="nina@acme.example", password="another long password")


def test_it_gives_an_advisor_a_role_in_a_second_organisation_without_a_password(teamalign, cast, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out = teamalign("user", "create", "gary@globex.example", "--org", "acme", "--role", "viewer")
    assert (code, out) == (0, "gary@globex.example has a login already (its password is unchanged); "
                              "added the role viewer in Acme.")
    assert set(cast.gary.memberships.values_list("organisation__slug", "role")) == {("globex", "admin"),
                                                                                     ("acme", "viewer")}
    assert Client().login(username="gary@globex.example", password=cast.password)  # password unchanged


def test_it_changes_the_role_of_an_existing_member_and_says_so(teamalign, cast):
    code, out = teamalign("user", "create", "victor@acme.example", "--org", "acme", "--role", "it")
    assert (code, out) == (0, "victor@acme.example has a login already (its password is unchanged); "
                              "changed its role in Acme from viewer to it.")
    assert Membership.objects.get(user=cast.victor, organisation=cast.acme).role == "it"


def test_it_says_when_nothing_changed(teamalign, cast):
    code, out = teamalign("user", "create", "victor@acme.example", "--org", "acme", "--role", "viewer")
    assert (code, out) == (0, "victor@acme.example is viewer of Acme already; nothing changed "
                              "(its password is unchanged).")


def test_a_password_for_an_existing_login_is_refused_not_silently_ignored(teamalign, cast):
    """It used to answer "is viewer of Acme." and keep the old password without a word."""
    code, out = teamalign("user", "create", "gary@globex.example", "--org", "acme", "--role", "viewer",
                          "--password", "a new long password")
    assert code == 2
    assert out == ("error: gary@globex.example has a login already, and its password was not changed; to set a "
                   "new one: teamalign user reset-password gary@globex.example --password …")
    assert not Membership.objects.filter(user=cast.gary, organisation=cast.acme).exists()  # nothing done
    assert Client().login(username="gary@globex.example", password=cast.password)
    assert not Client().login(username="gary@globex.example", password="a new long password")


def test_the_password_from_the_environment_is_only_for_new_logins(teamalign, cast, monkeypatch):
    monkeypatch.setenv("TEAMALIGN_PASSWORD", "another long password")
    code, out = teamalign("user", "create", "gary@globex.example", "--org", "acme", "--role", "viewer")
    assert code == 0 and "its password is unchanged" in out
    assert Client().login(username="gary@globex.example", password=cast.password)


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


# reset-password -------------------------------------------------------------------------------------------


def test_reset_password_prints_a_one_time_link_that_sets_a_new_password(teamalign, cast, settings):
    settings.SITE_URL = "https://teamalign.example.com"
    code, out = teamalign("user", "reset-password", "Victor@Acme.example")
    assert code == 0
    assert out.startswith("Pass this link on to victor@acme.example: with it they choose a new password. "
                          "It works once, for 72 hours; their current password keeps working until then.")
    link = re.search(r"https://teamalign\.example\.com(/account/reset/\S+/)", out)
    assert link
    client = Client()
    form = client.get(link.group(1), follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "a brand new password",
                                                    "new_password2": "a brand new password"})
    assert done.status_code == 302
    assert Client().login(username="victor@acme.example", password="a brand new password")
    assert not Client().login(username="victor@acme.example", password=cast.password)
    again = Client().get(link.group(1), follow=True)
    assert b"This link does not work any more" in again.content  # once only


def test_reset_password_sets_a_given_password(teamalign, cast):
    code, out = teamalign("user", "reset-password", "victor@acme.example", "--password", "a brand new password")
    assert (code, out) == (0, "Set a new password for victor@acme.example; its browsers signed in before are "
                              "signed out.")
    assert Client().login(username="victor@acme.example", password="a brand new password")


def test_reset_password_refuses_a_weak_password_and_an_unknown_login(teamalign, cast):
    code, out = teamalign("user", "reset-password", "victor@acme.example", "--password", "password123")
    assert code == 2 and "too common" in out
    assert Client().login(username="victor@acme.example", password=cast.password)
    assert teamalign("user", "reset-password", "nobody@acme.example") == (
        2, "error: no login with the email nobody@acme.example")


def test_a_string_that_is_not_an_email_address_is_refused(teamalign, cast):
    code, out = teamalign("user", "create", "not an address", "--org", "acme", "--role", "ops",
                          "--password", "a long enough password")
    assert (code, out) == (2, "error: 'not an address' is not an email address")
    assert not User.objects.filter(email="not an address").exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# (Leading dashes would be read by argparse as options; NUL cannot be in a command-line argument.)
@given(email=st.text(max_size=400).filter(lambda s: "\x00" not in s and not s.startswith("-")),
       password=st.text(max_size=100).filter(lambda s: "\x00" not in s and not s.startswith("-")))
def test_any_email_and_password_end_in_a_clear_answer(teamalign, cast, email, password):
    code, out = teamalign("user", "create", email, "--org", "acme", "--role", "ops", "--password", password or "x")
    assert code in (0, 2) and "Traceback" not in out
    code, out = teamalign("user", "reset-password", email, "--password", password or "x")
    assert code in (0, 2) and "Traceback" not in out
