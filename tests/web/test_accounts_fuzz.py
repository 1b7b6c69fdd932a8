"""Hostile input at every entry point of the accounts work: no input of any size or shape gives a
500 or a traceback — the invitation form and link, the join form, the reset link, the sign-in form,
the change-password form, and the client address read from X-Forwarded-For."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamalign.web.throttle import client_address

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Text as a browser or a script might send it: any unicode, long, with separators and controls.
hostile = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=200, max_size=2000),
    st.sampled_from(["", " ", "a@b", "@", "x" * 10_000 + "@example.com", "ünï@cødé.example", "1" * 400,
                     "admin", "' OR 1=1 --", "<script>alert(1)</script>@x.example"]),
)
url_safe = st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"], include_characters="-_.~"),
                   min_size=1, max_size=300)


def no_null(value: str) -> str:
    # A NUL cannot travel in a form field (browsers and Django's test client refuse it); what is left
    # is whatever else the field may hold.
    return value.replace("\x00", "")


@FUZZ
@given(email=hostile, role=st.one_of(st.sampled_from(["admin", "it", "ops", "viewer"]), hostile))
def test_the_invitation_form_never_fails(cast, login, email, role):
    response = login(cast.alice).post("/o/acme/users/", {"email": no_null(email), "role": no_null(role)})
    assert response.status_code == 200


@FUZZ
@given(secret=url_safe)
def test_an_invitation_link_with_any_secret_is_a_404(cast, secret):
    assert Client().get(f"/invitations/{secret}/").status_code == 404


@FUZZ
@given(name=hostile, password1=hostile, password2=hostile)
def test_the_join_form_never_fails(cast, name, password1, password2):
    from teamalign.orgs.services import invitation_create

    # A new address each time: the database (and a login an earlier example made) lives across examples.
    _invitation, secret = invitation_create(organisation=cast.acme, email=f"fuzz-{uuid.uuid4().hex}@acme.example",
                                            role="viewer", invited_by=cast.alice)
    response = Client().post(f"/invitations/{secret}/", {"name": no_null(name), "password1": no_null(password1),
                                                         "password2": no_null(password2)})
    assert response.status_code in (200, 302, 400)


@FUZZ
@given(uidb64=url_safe, token=url_safe)
def test_a_reset_link_with_anything_in_it_never_fails(cast, uidb64, token):
    response = Client().get(f"/account/reset/{uidb64}/{token}/", follow=True)
    assert response.status_code in (200, 404)


@FUZZ
@given(username=hostile, password=hostile)
def test_the_sign_in_form_never_fails(cast, username, password):
    response = Client().post("/login/", {"username": no_null(username), "password": no_null(password)})
    assert response.status_code in (200, 302, 429)


@FUZZ
@given(old=hostile, new=hostile)
def test_the_change_password_form_never_fails(cast, login, old, new):
    response = login(cast.victor).post("/account/password/", {"old_password": no_null(old),
                                                              "new_password1": no_null(new),
                                                              "new_password2": no_null(new)})
    assert response.status_code in (200, 302, 429)


@settings(max_examples=300, deadline=None)
@given(remote=st.one_of(st.ip_addresses().map(str), hostile), forwarded=hostile,
       proxies=st.sampled_from([[], ["10.0.0.0/8"], ["0.0.0.0/0", "::/0"]]))
def test_the_client_address_is_always_a_short_string(remote, forwarded, proxies):
    from django.test import override_settings

    with override_settings(TRUSTED_PROXIES=proxies):
        address = client_address(RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded))
    assert isinstance(address, str) and len(address) <= 64
