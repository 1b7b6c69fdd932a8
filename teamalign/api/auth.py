"""API authentication: a per-user token (Authorization: Bearer ta_...) or the browser session.

A request that carries an Authorization header is judged by that header alone: a bad or
unknown token is a 401 whatever the method, never a CSRF failure of the session fallback.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from teamalign.orgs.access import membership_for
from teamalign.orgs.models import ApiToken, Membership
from teamalign.orgs.roles import Permission, role_allows


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        digest = hashlib.sha256(token.encode()).hexdigest()
        api_token = ApiToken.objects.select_related("user").filter(token_hash=digest, user__is_active=True).first()
        if api_token is None:
            return None
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The signed-in browser (the interactive docs), with Django's CSRF check on writes."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        # Checked before the cookie (and so before its CSRF check): a token request with a bad
        # token, or a request from nobody signed in, is unauthenticated (401), not forbidden.
        if "Authorization" in request.headers or not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None


AUTH = [TokenAuth(), SessionAuth()]


def org_membership(request, org_slug: str, permission: Permission) -> Membership:
    """404 for an organisation the caller is not in; 403 for a role without the permission."""
    try:
        membership = membership_for(request.auth, org_slug)
    except Http404:
        raise HttpError(404, "No such organisation.") from None
    if not role_allows(membership.role, permission):
        raise HttpError(403, "Your role does not allow this.")
    return membership
