"""Sign-in throttling: guessing stops, but nobody can use it to lock somebody else out.

The faults it replaces (issue 7, item 5): the count was per client address alone, so 20 bad
sign-ins from one address locked out every user behind the same reverse proxy for 15 minutes;
and 5 tries locked out any known email for everybody, from anywhere.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from teamalign.orgs.models import LoginFailure
from teamalign.web.throttle import DEVICE_COOKIE, client_address
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 8
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    settings.LOGIN_FAILURE_WINDOW = 600
    return settings


@pytest.fixture
def behind_proxy(limits):
    limits.TRUSTED_PROXIES = ["10.0.0.0/24"]
    return limits


def sign_in(client: Client, email: str, password: str = PASSWORD, forwarded_for: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post("/login/", {"username": email, "password": password}, **extra)


def at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- per account and address -------------------------------------------------------------------------


def test_a_guesser_at_one_address_is_stopped_even_with_the_right_password(cast, limits):
    guesser = at("203.0.113.7")
    for _ in range(3):
        assert sign_in(guesser, "alice@acme.example", "guess").status_code == 200
    response = sign_in(guesser, "alice@acme.example")
    assert response.status_code == 429 and b"Too many failed sign-ins" in response.content
    assert not signed_in(guesser)


def test_a_locked_sign_in_does_not_check_the_password(cast, limits, monkeypatch):
    guesser = at("203.0.113.7")
    for _ in range(3):
        sign_in(guesser, "alice@acme.example", "guess")
    checked = []
    monkeypatch.setattr("django.contrib.auth.forms.authenticate", lambda *a, **k: checked.append(k))
    response = sign_in(guesser, "alice@acme.example")
    assert response.status_code == 429 and checked == []
    assert 'value="alice@acme.example"' in response.content.decode()


def test_the_count_is_per_account_regardless_of_case(cast, limits):
    guesser = at("203.0.113.7")
    for _ in range(3):
        sign_in(guesser, "ALICE@acme.example", "guess")
    assert sign_in(guesser, " alice@acme.example").status_code == 429
    assert sign_in(guesser, "ivan@acme.example").status_code == 302  # other accounts from there: fine


def test_the_victim_signs_in_from_elsewhere_while_a_guesser_is_locked(cast, limits):
    guesser = at("203.0.113.7")
    for _ in range(5):
        sign_in(guesser, "alice@acme.example", "guess")
    alice = at("198.51.100.20")
    assert sign_in(alice, "alice@acme.example").status_code == 302
    assert signed_in(alice)


def test_blocked_attempts_do_not_extend_the_lock(cast, limits):
    guesser = at("203.0.113.7")
    for _ in range(8):
        sign_in(guesser, "alice@acme.example", "guess")
    assert LoginFailure.objects.filter(username="alice@acme.example").count() == 3


def test_the_lock_lifts_after_the_window(cast, limits):
    guesser = at("203.0.113.7")
    for _ in range(3):
        sign_in(guesser, "alice@acme.example", "guess")
    assert sign_in(guesser, "alice@acme.example").status_code == 429
    LoginFailure.objects.update(at=timezone.now() - timedelta(seconds=limits.LOGIN_FAILURE_WINDOW + 1))
    assert sign_in(guesser, "alice@acme.example").status_code == 302


def test_a_success_clears_only_its_own_account_and_address(cast, limits):
    """Clearing the whole address on any success let a guesser reset the count by signing in to an
    account of their own between guesses."""
    guesser = at("203.0.113.7")
    for _ in range(2):
        sign_in(guesser, "alice@acme.example", "guess")
    assert sign_in(guesser, "victor@acme.example").status_code == 302  # the guesser's own account
    guesser.post("/logout/")  # as a browser does: its cookies stay
    assert LoginFailure.objects.filter(username="alice@acme.example").count() == 2
    sign_in(guesser, "alice@acme.example", "guess")
    assert sign_in(guesser, "alice@acme.example").status_code == 429


def test_failures_older_than_a_day_are_cleaned_up(cast, client):
    LoginFailure.objects.create(username="old@acme.example", address="1.2.3.4", at=timezone.now() - timedelta(days=2))
    sign_in(client, "alice@acme.example", "guess")
    assert not LoginFailure.objects.filter(username="old@acme.example").exists()


# --- per account, from many addresses: stopped, but not for the account's own browsers -----------------


def test_a_guesser_spreading_over_addresses_is_stopped_by_the_account_count(cast, limits):
    for i in range(8):
        sign_in(at(f"203.0.113.{i}"), "alice@acme.example", "guess")
    assert sign_in(at("203.0.113.99"), "alice@acme.example").status_code == 429


def test_the_victim_browser_that_signed_in_before_is_not_locked_out_by_the_account_count(cast, limits):
    alice = at("198.51.100.20")
    assert sign_in(alice, "alice@acme.example").status_code == 302
    assert DEVICE_COOKIE in alice.cookies
    alice.post("/logout/")  # as a browser does: its cookies stay
    for i in range(12):  # the attacker, from many addresses, well past the account's count
        sign_in(at(f"203.0.113.{i}"), "alice@acme.example", "guess")
    assert sign_in(at("198.51.100.21"), "alice@acme.example").status_code == 429  # a new browser waits
    assert sign_in(alice, "alice@acme.example").status_code == 302  # hers does not
    assert signed_in(alice)


def test_a_forged_or_foreign_device_cookie_does_not_exempt(cast, limits):
    for i in range(8):
        sign_in(at(f"203.0.113.{i}"), "alice@acme.example", "guess")
    forged = at("203.0.113.50")
    forged.cookies[DEVICE_COOKIE] = "not-a-signed-value"
    assert sign_in(forged, "alice@acme.example").status_code == 429
    ivans_browser = at("203.0.113.51")
    assert sign_in(ivans_browser, "ivan@acme.example").status_code == 302  # a cookie for another account
    ivans_browser.post("/logout/")  # as a browser does: its cookies stay
    assert sign_in(ivans_browser, "alice@acme.example").status_code == 429


def test_the_device_cookie_is_http_only_and_names_no_email(cast, limits):
    alice = at("198.51.100.20")
    sign_in(alice, "alice@acme.example")
    cookie = alice.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "alice" not in cookie.value


# --- per address --------------------------------------------------------------------------------------


def test_one_address_spraying_many_accounts_is_stopped(cast, limits):
    sprayer = at("203.0.113.7")
    for i in range(10):
        sign_in(sprayer, f"someone{i}@acme.example", "guess")
    assert sign_in(sprayer, "ivan@acme.example").status_code == 429
    assert sign_in(at("203.0.113.8"), "ivan@acme.example").status_code == 302


def test_colleagues_behind_a_sprayed_address_who_signed_in_before_are_not_locked_out(cast, limits):
    """Without trusted proxies every user of the office shares the proxy's address: the ones whose
    browsers know their account still get in."""
    ivan = at(PROXY)
    assert sign_in(ivan, "ivan@acme.example").status_code == 302
    ivan.post("/logout/")  # as a browser does: its cookies stay
    sprayer = at(PROXY)
    for i in range(20):
        sign_in(sprayer, f"someone{i}@acme.example", "guess")
    assert sign_in(ivan, "ivan@acme.example").status_code == 302


# --- the client address behind a reverse proxy -------------------------------------------------------------


def _address(remote: str, forwarded: str | None = None) -> str:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert _address("203.0.113.7", "1.2.3.4") == "203.0.113.7"
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert _address("203.0.113.7", "1.2.3.4") == "203.0.113.7"  # not one of ours


def test_the_address_a_trusted_proxy_saw_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "192.0.2.1"]
    assert _address(PROXY, "198.51.100.20") == "198.51.100.20"
    # The client's own invention is to the left of what our proxies wrote: it is not read.
    assert _address(PROXY, "1.2.3.4, 198.51.100.20") == "198.51.100.20"
    # Two of our proxies in a row: the first untrusted address from the right.
    assert _address(PROXY, "1.2.3.4, 198.51.100.20, 192.0.2.1") == "198.51.100.20"
    assert _address(PROXY, "") == PROXY
    assert _address(PROXY, "garbage") == PROXY
    assert _address(PROXY, "198.51.100.20:51234") == "198.51.100.20"


def test_an_ipv6_client_is_counted_by_its_64(settings):
    settings.TRUSTED_PROXIES = []
    assert _address("2001:db8:1:2:aaaa::1") == _address("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert _address("::ffff:203.0.113.7") == "203.0.113.7"


def test_a_client_forging_x_forwarded_for_without_trusted_proxies_stays_one_address(cast, limits):
    attacker = at("203.0.113.7")
    for i in range(3):
        sign_in(attacker, "alice@acme.example", "guess", forwarded_for=f"198.51.100.{i}")
    assert sign_in(attacker, "alice@acme.example", forwarded_for="198.51.100.77").status_code == 429
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {"203.0.113.7"}


def test_a_client_forging_x_forwarded_for_through_the_trusted_proxy_is_still_itself(cast, behind_proxy):
    proxy = at(PROXY)
    for i in range(3):  # the proxy appends the real client, 203.0.113.7, after the forged value
        sign_in(proxy, "alice@acme.example", "guess", forwarded_for=f"198.51.100.{i}, 203.0.113.7")
    assert sign_in(proxy, "alice@acme.example", forwarded_for="198.51.100.77, 203.0.113.7").status_code == 429
    assert set(LoginFailure.objects.values_list("address", flat=True)) == {"203.0.113.7"}


def test_twenty_bad_sign_ins_from_one_client_behind_the_proxy_lock_out_nobody_else(cast, behind_proxy):
    behind_proxy.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    proxy = at(PROXY)
    for i in range(20):
        sign_in(proxy, f"someone{i}@acme.example", "guess", forwarded_for="203.0.113.7")
    assert sign_in(proxy, "ivan@acme.example", forwarded_for="203.0.113.7").status_code == 429
    colleague = at(PROXY)
    assert sign_in(colleague, "ivan@acme.example", forwarded_for="203.0.113.8").status_code == 302
    assert signed_in(colleague)


# --- changing a password counts too ------------------------------------------------------------------------


def test_guessing_the_current_password_on_the_change_page_is_throttled(cast, login, limits):
    client = login(cast.alice)
    for _ in range(3):
        response = client.post("/account/password/", {"old_password": "guess", "new_password1": "a brand new password",
                                                      "new_password2": "a brand new password"})
        assert response.status_code == 200
    response = client.post("/account/password/", {"old_password": PASSWORD, "new_password1": "a brand new password",
                                                  "new_password2": "a brand new password"})
    assert response.status_code == 429
    cast.alice.refresh_from_db()
    assert cast.alice.check_password(PASSWORD)
