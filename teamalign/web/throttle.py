"""Sign-in throttling that slows password guessing without letting anyone lock a victim out.

Three counts of failed sign-ins within LOGIN_FAILURE_WINDOW, kept in the database so that every
server process sees them:

- per account *and* client address (LOGIN_FAILURE_LIMIT, 5): a guesser at one address stops
  there, and nobody else is affected;
- per account from any address (LOGIN_ACCOUNT_FAILURE_LIMIT, 20): a guesser spreading over a few
  addresses stops too;
- per client address over all accounts (LOGIN_ADDRESS_FAILURE_LIMIT, 20): one address spraying
  passwords across many accounts stops.

The two wide counts are what an attacker could use to lock out somebody else (a victim's account,
or every user behind the same office address), so a browser that has signed in to the account
before — it holds a signed "known device" cookie for it — is exempt from both. Only its own
account-and-address count applies to it.

The client address is REMOTE_ADDR, or, when the request comes from one of TRUSTED_PROXIES, the
address that proxy saw (the rightmost untrusted address of X-Forwarded-For); a forged header from
anybody else is ignored.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from teamalign.orgs.models import LoginFailure

DEVICE_COOKIE = "teamalign_device"
DEVICE_COOKIE_MAX_AGE = 180 * 24 * 3600
DEVICE_COOKIE_SALT = "teamalign.web.throttle.device"
DEVICE_COOKIE_ACCOUNTS = 5  # the most accounts one browser is remembered for


# --- the client's address ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    address = address.strip()
    if address.startswith("[") and "]" in address:  # [2001:db8::1]:443
        address = address[1:address.index("]")]
    elif address.count(":") == 1:  # 203.0.113.7:51234
        address = address.split(":")[0]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        return parsed.ipv4_mapped
    return parsed


def _trusted(address, networks) -> bool:
    return any(address in network for network in networks)


def _key(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    # One IPv6 client usually holds a whole /64: counting addresses inside it separately would let
    # it try 2^64 times as often.
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_address(request: HttpRequest) -> str:
    """The address failures are counted under (IPv6 by /64)."""
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return request.META.get("REMOTE_ADDR", "")[:64]
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if networks and _trusted(peer, networks):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # Each proxy appends the address it received the request from, so the rightmost entries
        # are written by our proxies and anything to the left of the first untrusted one may be
        # the client's own invention.
        for entry in reversed(forwarded.split(",")[-20:]):
            hop = _parse(entry)
            if hop is None:
                break  # garbage where a proxy should have written an address: trust nothing further
            peer = hop
            if not _trusted(hop, networks):
                break
    return _key(peer)[:64]


# --- the known-device cookie ---------------------------------------------------------------------


def _account_mark(username: str) -> str:
    # The cookie names accounts by a digest, not by email: it may sit on a shared computer.
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:20]


def _device_accounts(request: HttpRequest) -> list[str]:
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return []
    try:
        accounts = signing.loads(value, salt=DEVICE_COOKIE_SALT, max_age=DEVICE_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return []
    return [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []


def known_device(request: HttpRequest, username: str) -> bool:
    return _account_mark(username) in _device_accounts(request)


def remember_device(request: HttpRequest, response: HttpResponse, username: str) -> None:
    """After a successful sign-in: this browser is known to the account from now on."""
    mark = _account_mark(username)
    accounts = [mark] + [a for a in _device_accounts(request) if a != mark]
    response.set_cookie(DEVICE_COOKIE, signing.dumps(accounts[:DEVICE_COOKIE_ACCOUNTS], salt=DEVICE_COOKIE_SALT),
                        max_age=DEVICE_COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)


# --- counting ----------------------------------------------------------------------------------------


def login_blocked(request: HttpRequest, username: str) -> bool:
    """Whether a sign-in as `username` from this request is refused without checking the password."""
    username = username.strip().lower()
    address = client_address(request)
    recent = LoginFailure.objects.filter(at__gte=timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW))
    if recent.filter(username=username, address=address).count() >= settings.LOGIN_FAILURE_LIMIT:
        return True
    if known_device(request, username):
        return False
    if username and recent.filter(username=username).count() >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT:
        return True
    return recent.filter(address=address).count() >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


def login_failed(request: HttpRequest, username: str) -> None:
    LoginFailure.objects.create(username=username.strip().lower()[:254], address=client_address(request))
    LoginFailure.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()


def login_succeeded(request: HttpRequest, username: str) -> None:
    # Only this account's failures from this address: clearing the address's count on any success
    # would let a guesser reset it by signing in to an account of their own between guesses.
    LoginFailure.objects.filter(username=username.strip().lower(), address=client_address(request)).delete()
