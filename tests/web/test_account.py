"""A user's account: changing one's password, and an admin's one-time reset link for a member."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from teamalign.orgs.models import Membership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "a brand new password"


def membership(user, org) -> Membership:
    return Membership.objects.get(user=user, organisation=org)


def reset_link(response) -> str:
    match = re.search(r'<code class="secret" id="reset-link">http://testserver(/account/reset/[^<]+)</code>',
                      response.content.decode())
    assert match, "the page shows no reset link"
    return match.group(1)


def use_reset_link(path: str, password: str = NEW) -> Client:
    client = Client()
    form = client.get(path, follow=True)
    assert b"Choose a new password" in form.content, form.content
    done = client.post(form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    assert done.status_code == 302, done.content
    return client


# --- the account page ---------------------------------------------------------------------------------


def test_the_account_page_shows_the_login_its_organisations_and_links(cast, login):
    page = login(cast.ada).get("/account/").content.decode()
    assert "ada@advisors.example" in page
    assert 'href="/o/acme/"' in page and 'href="/o/globex/"' in page
    assert 'href="/account/password/"' in page and 'href="/account/tokens/"' in page


def test_the_header_leads_to_the_account_page(cast, login):
    page = login(cast.victor).get("/o/acme/").content.decode()
    assert '<a href="/account/" title="Your account: password, invitations, API tokens">victor@acme.example</a>' in page


# --- changing one's password --------------------------------------------------------------------------


def test_a_user_changes_their_password_and_stays_signed_in_while_other_browsers_are_signed_out(cast, login):
    here, elsewhere = login(cast.victor), login(cast.victor)
    response = here.post("/account/password/", {"old_password": PASSWORD, "new_password1": NEW,
                                                "new_password2": NEW}, follow=True)
    assert "Your password is changed." in response.content.decode()
    assert here.get("/o/acme/").status_code == 200
    assert elsewhere.get("/o/acme/").status_code == 302  # signed out
    assert Client().login(username="victor@acme.example", password=NEW)
    assert not Client().login(username="victor@acme.example", password=PASSWORD)


def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(cast, login):
    client = login(cast.victor)
    wrong = client.post("/account/password/", {"old_password": "guess", "new_password1": NEW, "new_password2": NEW})
    assert wrong.status_code == 200 and b"Your old password was entered incorrectly" in wrong.content
    weak = client.post("/account/password/", {"old_password": PASSWORD, "new_password1": "password123",
                                              "new_password2": "password123"})
    assert b"too common" in weak.content
    cast.victor.refresh_from_db()
    assert cast.victor.check_password(PASSWORD)


# --- an admin's reset link ----------------------------------------------------------------------------


def test_an_admin_gets_a_one_time_reset_link_for_a_member(cast, login):
    alice = login(cast.alice)
    victor_before = login(cast.victor)
    response = alice.post(f"/o/acme/users/{membership(cast.victor, cast.acme).pk}/reset-password/")
    assert response.status_code == 200
    assert "Password reset link for victor@acme.example" in response.content.decode()
    path = reset_link(response)
    assert Client().login(username="victor@acme.example", password=PASSWORD)  # still works until used
    victor = use_reset_link(path)
    assert victor.get("/o/acme/").status_code == 200  # signed in by the link
    assert victor_before.get("/o/acme/").status_code == 302  # the old session ended
    assert not Client().login(username="victor@acme.example", password=PASSWORD)
    assert Client().login(username="victor@acme.example", password=NEW)
    again = Client().get(path, follow=True)
    assert b"This link does not work any more" in again.content


def test_an_admin_cannot_reset_a_login_that_reaches_another_organisation(cast, login):
    """Ada advises Acme and Globex. If Acme's admin could reset her password, Acme's admin could
    become Ada and reach Globex."""
    alice = login(cast.alice)
    response = alice.post(f"/o/acme/users/{membership(cast.ada, cast.acme).pk}/reset-password/", follow=True)
    assert "cannot be reset from this organisation" in response.content.decode()
    assert 'id="reset-link"' not in response.content.decode()
    assert "Globex" not in response.content.decode()


def test_an_admin_of_every_organisation_of_a_login_may_reset_it(cast, login):
    ada = login(cast.ada)
    response = ada.post(f"/o/acme/users/{membership(cast.alice, cast.acme).pk}/reset-password/")
    use_reset_link(reset_link(response))
    assert Client().login(username="alice@acme.example", password=NEW)


def test_an_admin_resets_their_own_password_on_the_change_page(cast, login):
    alice = login(cast.alice)
    response = alice.post(f"/o/acme/users/{membership(cast.alice, cast.acme).pk}/reset-password/", follow=True)
    assert "use Account → Change password" in response.content.decode()


def test_only_admins_reset_passwords(cast, login):
    for user in (cast.ivan, cast.olivia, cast.victor):
        response = login(user).post(f"/o/acme/users/{membership(cast.olivia, cast.acme).pk}/reset-password/")
        assert response.status_code == 403


def test_a_reset_link_of_another_organisations_member_is_a_404(cast, login):
    gary = login(cast.gary)
    assert gary.post(f"/o/globex/users/{membership(cast.victor, cast.acme).pk}/reset-password/").status_code == 404
