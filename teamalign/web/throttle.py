"""Login throttling: too many failed logins for one address or one username lock that out for a while.

Failures live in the database so every server process sees the same count."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from teamalign.orgs.models import LoginFailure


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")[:64]


def login_blocked(username: str, address: str) -> bool:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    recent = LoginFailure.objects.filter(at__gte=since)
    by_user = recent.filter(username=username.lower()).count() if username else 0
    by_address = recent.filter(address=address).count()
    # An address may try a few usernames (a shared office), hence the larger limit there.
    return by_user >= settings.LOGIN_FAILURE_LIMIT or by_address >= 4 * settings.LOGIN_FAILURE_LIMIT


def login_failed(username: str, address: str) -> None:
    LoginFailure.objects.create(username=username.lower()[:254], address=address)
    LoginFailure.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()


def login_succeeded(username: str, address: str) -> None:
    LoginFailure.objects.filter(Q(username=username.lower()) | Q(address=address)).delete()
