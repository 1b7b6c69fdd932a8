from __future__ import annotations

from django.urls import reverse

from teamalign.orgs.roles import Permission, role_allows
from teamalign.orgs.selectors import invitations_for_user, user_memberships

from .navigation import areas


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {
        "memberships": list(user_memberships(user)),
        "open_invitation_count": invitations_for_user(user).count(),
    }
    membership = getattr(request, "membership", None)
    if membership is None:
        return context
    org = membership.organisation
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match else ""
    nav = [
        {"label": a.label, "url": reverse(a.url_name, args=[org.slug]), "active": current.startswith(a.url_name)}
        for a in areas() if role_allows(membership.role, a.permission)
    ]
    return context | {
        "nav_areas": nav,
        "organisation": org,
        "membership": membership,
        "can_import": role_allows(membership.role, Permission.IMPORT),
        "can_edit_directory": role_allows(membership.role, Permission.DIRECTORY),
        "can_manage": role_allows(membership.role, Permission.MANAGE),
    }
