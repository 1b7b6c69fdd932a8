"""Resolving the current organisation from the URL and enforcing roles on every view.

Every organisation-scoped URL starts with /o/<org_slug>/. A user who has no membership in
that organisation gets 404 (we do not confirm that it exists); a member whose role lacks
the permission gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone as dj_timezone

from .models import Membership
from .roles import Permission, role_allows

SESSION_ORG_KEY = "current_org_slug"


def membership_for(user, org_slug: str) -> Membership:
    membership = (
        Membership.objects.select_related("organisation", "person")
        .filter(user=user, user__is_active=True, organisation__slug=org_slug)
        .first()
    )
    if membership is None:
        raise Http404("No such organisation.")
    return membership


def org_view(permission: Permission) -> Callable:
    """Decorate a view taking (request, org_slug, ...): sets request.organisation / request.membership."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, org_slug: str, *args, **kwargs) -> HttpResponse:
            membership = membership_for(request.user, org_slug)
            # Set before the role check, so that the 403 page keeps the organisation's navigation.
            request.membership = membership
            request.organisation = membership.organisation
            if not role_allows(membership.role, permission):
                raise PermissionDenied("Your role does not allow this.")
            if request.session.get(SESSION_ORG_KEY) != org_slug:
                request.session[SESSION_ORG_KEY] = org_slug
            # Pages show times where the organisation is; the thread is reset for the next request.
            with dj_timezone.override(membership.organisation.timezone):
                return view(request, *args, **kwargs)

        wrapper.required_permission = permission  # read by the isolation tests
        return wrapper

    return decorator
