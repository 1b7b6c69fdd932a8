"""Membership by invitation: an admin can no longer put another organisation's login into their own
organisation, and the Users page no longer tells which addresses have logins.

The attack it replaces (issue 7, item 1): Acme's admin typed gary@globex.example on Acme's Users
page and Gary — admin of Globex — became a member of Acme without being asked, found Acme in his
switcher, and could land in it after his next sign-in.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from teamalign.orgs.models import Invitation, Membership, User

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<code class="secret" id="invitation-link">(http://testserver(/invitations/[^/]+/))</code>')


@pytest.fixture
def alice(cast, login):
    return login(cast.alice)


def invite(client, email: str, role: str = "viewer"):
    return client.post("/o/acme/users/", {"email": email, "role": role})


def link_of(response) -> str:
    """The path of the invitation link the page shows the admin."""
    match = LINK.search(response.content.decode())
    assert match, "the page shows no invitation link"
    return match.group(2)


def switcher_of(client) -> list[str]:
    page = client.get("/account/").content.decode()
    return re.findall(r'<option value="([\w-]+)"', page)


# --- the attack ----------------------------------------------------------------------------------------


def test_inviting_another_organisations_login_gives_it_no_access(cast, alice, login):
    gary = login(cast.gary)
    response = invite(alice, "gary@globex.example", "admin")
    assert response.status_code == 200
    # Gary is not a member of Acme: not in its list, no membership, no page, not in his switcher.
    assert not Membership.objects.filter(user=cast.gary, organisation=cast.acme).exists()
    assert "gary@globex.example" not in _members_table(alice.get("/o/acme/users/").content.decode())
    assert gary.get("/o/acme/").status_code == 404
    assert switcher_of(gary) == []  # one organisation: no switcher at all
    assert gary.get("/")["Location"] == "/o/globex/"
    # He is told, and it is his choice.
    account = gary.get("/account/").content.decode()
    assert "<strong>Acme</strong> invites you as <strong>Admin</strong>" in account
    assert "1 invitation" in gary.get("/o/globex/").content.decode()


def test_the_invitee_who_declines_never_joins(cast, alice, login):
    invite(alice, "gary@globex.example")
    invitation = Invitation.objects.get(organisation=cast.acme, email="gary@globex.example")
    gary = login(cast.gary)
    response = gary.post(f"/account/invitations/{invitation.pk}/decline/", follow=True)
    assert "You declined the invitation to Acme." in response.content.decode()
    assert not Membership.objects.filter(user=cast.gary, organisation=cast.acme).exists()
    assert gary.post(f"/account/invitations/{invitation.pk}/accept/").status_code == 302
    assert not Membership.objects.filter(user=cast.gary, organisation=cast.acme).exists()  # answered: closed


def test_the_invitee_who_accepts_joins_with_the_role_offered(cast, alice, login):
    invite(alice, "gary@globex.example", "ops")
    invitation = Invitation.objects.get(organisation=cast.acme, email="gary@globex.example")
    gary = login(cast.gary)
    response = gary.post(f"/account/invitations/{invitation.pk}/accept/")
    assert response["Location"] == "/o/acme/"
    assert Membership.objects.get(user=cast.gary, organisation=cast.acme).role == "ops"
    assert switcher_of(gary) == ["acme", "globex"]
    # The inviter sees the member, never where else that login belongs.
    page = alice.get("/o/acme/users/").content.decode()
    assert "gary@globex.example" in page and "Globex" not in page


def test_the_inviter_cannot_use_the_link_to_take_over_an_existing_login(cast, alice):
    """An admin holds the link. For an address that has a login, the link only leads to signing in:
    it never sets that login's password, so the admin cannot use it to become Gary."""
    path = link_of(invite(alice, "gary@globex.example"))
    anonymous = Client()
    page = anonymous.get(path)
    assert page.status_code == 200 and b"Sign in as gary@globex.example to accept" in page.content
    assert b'name="password1"' not in page.content
    anonymous.post(path, {"name": "Not Gary", "password1": "attacker chose this", "password2": "attacker chose this"})
    cast.gary.refresh_from_db()
    assert cast.gary.check_password(cast.password)
    assert not Client().login(username="gary@globex.example", password="attacker chose this")
    assert not Membership.objects.filter(user=cast.gary, organisation=cast.acme).exists()


def test_someone_signed_in_as_another_address_cannot_accept(cast, alice, login):
    path = link_of(invite(alice, "gary@globex.example"))
    victor = login(cast.victor)
    page = victor.get(path).content.decode()
    assert "You are signed in as victor@acme.example" in page and "Accept" not in page.split("Sign out")[-1]
    invitation = Invitation.objects.get(organisation=cast.acme, email="gary@globex.example")
    assert victor.post(f"/account/invitations/{invitation.pk}/accept/").status_code == 404


# --- the enumeration -----------------------------------------------------------------------------------


def _normalised(html: str, email: str) -> str:
    html = html.replace(email, "EMAIL")
    html = re.sub(r"/invitations/inv_[\w-]+/", "/invitations/SECRET/", html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    html = re.sub(r"/users/invitations/\d+/", "/users/invitations/ID/", html)
    return re.sub(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d", "WHEN", html)


def _sql_of(client, email: str) -> tuple[int, str, list[str]]:
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(re.sub(r'SAVEPOINT "\w+"', "SAVEPOINT", sql))
        return execute(sql, params, many, context)

    client.get("/o/acme/users/")  # the session in the same state for each address

    with connection.execute_wrapper(record):
        response = invite(client, email)
    Invitation.objects.filter(email=email).delete()  # so that the next address starts from the same state
    return response.status_code, _normalised(response.content.decode(), email), statements


@pytest.mark.parametrize("email", ["gary@globex.example",  # a login in another organisation
                                   "charlie@example.com"])  # a login in no organisation
def test_the_answer_is_the_same_whether_the_address_has_a_login_or_not(cast, alice, email):
    unknown = _sql_of(alice, "nobody-at-all@nowhere.example")
    known = _sql_of(alice, email)
    assert known[0] == unknown[0] == 200
    assert known[1] == unknown[1], "the page differs for an address with a login"
    # The same statements, in the same order: the work (and so the time) does not depend on it.
    assert known[2] == unknown[2]
    looked_up = [sql for sql in known[2]
                 if 'FROM "orgs_user"' in sql and '"orgs_user"."email"' in sql.split("WHERE")[-1]]
    assert looked_up == [], "the invitation looked logins up by email"


def test_the_answer_takes_as_long_whether_the_address_has_a_login_or_not(cast, alice):
    """Measured, not just reasoned: interleaved requests, compared by their medians."""
    import statistics
    import time

    timings: dict[str, list[float]] = {"gary@globex.example": [], "nobody-at-all@nowhere.example": []}
    for _ in range(15):
        for email, times in timings.items():
            started = time.perf_counter()
            invite(alice, email)
            times.append(time.perf_counter() - started)
            Invitation.objects.filter(email=email).delete()
    known, unknown = (statistics.median(t) for t in timings.values())
    assert 0.5 < known / unknown < 2.0, (known, unknown)


# --- new addresses ------------------------------------------------------------------------------------


def test_a_new_address_chooses_its_password_through_the_link_and_lands_in_the_organisation(cast, alice):
    response = invite(alice, "Nina@Acme.example", "ops")
    page = response.content.decode()
    assert "Invitation ready for nina@acme.example as Operations" in page
    path = link_of(response)
    assert not User.objects.filter(email="nina@acme.example").exists()  # made when she joins
    nina = Client()
    form = nina.get(path)
    assert b"Choose a password to create your login." in form.content
    joined = nina.post(path, {"name": "Nina Nilsen", "password1": "a long enough password",
                              "password2": "a long enough password"})
    assert joined.status_code == 302 and joined["Location"] == "/o/acme/"
    assert nina.get("/o/acme/").status_code == 200  # signed in
    user = User.objects.get(email="nina@acme.example")
    assert user.name == "Nina Nilsen"
    assert Membership.objects.get(user=user, organisation=cast.acme).role == "ops"
    assert Membership.objects.get(user=user, organisation=cast.acme).person is None  # no such person in Acme
    # One time only.
    assert Client().get(path).status_code == 404


def test_the_link_refuses_a_weak_or_mismatched_password(cast, alice):
    path = link_of(invite(alice, "nina@acme.example"))
    client = Client()
    weak = client.post(path, {"password1": "password123", "password2": "password123"})
    assert weak.status_code == 400 and b"too common" in weak.content
    differ = client.post(path, {"password1": "a long enough password", "password2": "another long password"})
    assert differ.status_code == 400 and b"The two passwords differ." in differ.content
    assert not User.objects.filter(email="nina@acme.example").exists()


def test_an_invited_address_that_signs_in_accepts_from_the_link(cast, alice, login):
    path = link_of(invite(alice, "charlie@example.com", "viewer"))
    charlie = Client()
    page = charlie.get(path)
    sign_in = re.search(r'href="(/login/\?next=[^"]+)"', page.content.decode()).group(1)
    signed_in = charlie.post(sign_in, {"username": "charlie@example.com", "password": cast.password})
    assert signed_in["Location"] == path
    accept = charlie.get(path).content.decode()
    assert "Accept" in accept
    assert "1 invitation" in charlie.get("/").content.decode()  # the "no organisation" page says so too
    invitation = Invitation.objects.get(organisation=cast.acme, email="charlie@example.com")
    assert charlie.post(f"/account/invitations/{invitation.pk}/accept/")["Location"] == "/o/acme/"
    assert charlie.get("/o/acme/").status_code == 200


# --- the admin's side ---------------------------------------------------------------------------------


def test_an_existing_member_is_not_invited_again(cast, alice):
    response = invite(alice, "ivan@acme.example", "admin")
    assert response.status_code == 200 and b"is a member already" in response.content
    assert Membership.objects.get(user=cast.ivan, organisation=cast.acme).role == "it"


def test_a_second_invitation_replaces_the_first_and_its_link(cast, alice):
    first = link_of(invite(alice, "nina@acme.example", "viewer"))
    second = link_of(invite(alice, "nina@acme.example", "it"))
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    assert Invitation.objects.filter(organisation=cast.acme, email="nina@acme.example", status="pending").count() == 1


def test_a_revoked_invitation_no_longer_works(cast, alice):
    path = link_of(invite(alice, "nina@acme.example"))
    invitation = Invitation.objects.get(organisation=cast.acme, email="nina@acme.example")
    response = alice.post(f"/o/acme/users/invitations/{invitation.pk}/revoke/", follow=True)
    assert "its link no longer works" in response.content.decode()
    assert Client().get(path).status_code == 404
    assert "nina@acme.example" not in alice.get("/o/acme/users/").content.decode()


def test_an_expired_invitation_no_longer_works(cast, alice, login):
    path = link_of(invite(alice, "gary@globex.example"))
    invitation = Invitation.objects.get(organisation=cast.acme, email="gary@globex.example")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(path).status_code == 404
    gary = login(cast.gary)
    assert "Acme" not in gary.get("/account/").content.decode()
    gary.post(f"/account/invitations/{invitation.pk}/accept/")
    assert not Membership.objects.filter(user=cast.gary, organisation=cast.acme).exists()


def test_only_admins_invite(cast, login):
    for user in (cast.ivan, cast.olivia, cast.victor):
        assert invite(login(user), "nina@acme.example").status_code == 403
    assert not Invitation.objects.filter(email="nina@acme.example").exists()


def _members_table(html: str) -> str:
    return html.split("<h2>Open invitations</h2>")[0]
