"""Signing in and out, CSRF, and where a signed-in user lands (throttling: test_throttle.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": email, "password": password}, **extra)


def test_the_sign_in_page_is_a_plain_form(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b'<form method="post"' in response.content
    assert b'name="csrfmiddlewaretoken"' in response.content


def test_it_signs_in_with_email_and_password_and_lands_on_the_organisation(cast, client):
    response = sign_in(client, "alice@acme.example")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/")["Location"] == "/o/acme/"
    assert b"Acme" in client.get("/o/acme/").content


def test_it_rejects_a_wrong_password(cast, client):
    response = sign_in(client, "alice@acme.example", "not the password")
    assert response.status_code == 200
    assert b"That email and password do not match." in response.content
    assert client.get("/").status_code == 302 and client.get("/")["Location"].startswith("/login/")


def test_it_follows_next_within_the_site_only(cast, client):
    response = client.post("/login/?next=/o/acme/people/", {"username": "alice@acme.example", "password": PASSWORD})
    assert response["Location"] == "/o/acme/people/"
    client.logout()
    response = client.post("/login/?next=https://evil.example/", {"username": "alice@acme.example",
                                                                  "password": PASSWORD})
    assert response["Location"] == "/"


def test_sign_out_ends_the_session(cast, login):
    client = login(cast.alice)
    assert client.get("/o/acme/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/o/acme/").status_code == 302


def test_sign_out_needs_a_post(cast, login):
    client = login(cast.alice)
    assert client.get("/logout/").status_code == 405
    assert client.get("/o/acme/").status_code == 200


def test_an_inactive_user_cannot_sign_in(cast, client):
    cast.victor.is_active = False
    cast.victor.save()
    assert sign_in(client, "victor@acme.example").status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_user_without_an_organisation_is_told_so(cast, login):
    response = login(cast.charlie).get("/")
    assert response.status_code == 200
    assert b"No organisation yet" in response.content


def test_home_remembers_the_last_organisation_an_advisor_looked_at(cast, login):
    client = login(cast.ada)
    assert client.get("/")["Location"] == "/o/acme/"  # the first, alphabetically
    client.get("/o/globex/")
    assert client.get("/")["Location"] == "/o/globex/"


# CSRF ---------------------------------------------------------------------------------------------------


def test_a_post_without_a_csrf_token_is_refused(cast):
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, "alice@acme.example").status_code == 403
    client.force_login(cast.alice)
    response = client.post("/o/acme/departments/new/", {"name": "Sales", "kind": "other"})
    assert response.status_code == 403
    assert not cast.acme.departments.filter(name="Sales").exists()


def test_a_post_with_the_csrf_token_from_the_form_works(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.alice)
    client.get("/o/acme/departments/new/")
    token = client.cookies["csrftoken"].value
    response = client.post("/o/acme/departments/new/", {"name": "Sales", "kind": "other",
                                                         "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert cast.acme.departments.filter(name="Sales").exists()


def test_the_session_cookie_is_http_only_and_same_site(cast, client):
    sign_in(client, "alice@acme.example")
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_passwords_are_hashed_with_argon2_outside_the_tests():
    from teamalign import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_it_signs_in_with_the_email_typed_in_capitals(cast, client):
    response = client.post("/login/", {"username": "  " + cast.alice.email.upper(), "password": cast.password})
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # to the organisation's overview, so signed in
