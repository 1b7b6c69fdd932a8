from __future__ import annotations

from django.urls import reverse

from teamalign.orgs.roles import Permission, role_allows
from teamalign.orgs.selectors import user_memberships

from .navigation import areas


def navigation(request) -> dict:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    org = membership.organisation
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match else ""
    nav = [
        {"label": a.label, "url": reverse(a.url_name, args=[org.slug]), "active": current.startswith(a.url_name)}
        for a in areas() if role_allows(membership.role, a.permission)
    ]
    return {
        "nav_areas": nav,
        "organisation": org,
        "membership": membership,
        "can_import": role_allows(membership.role, Permission.IMPORT),
        "can_manage": role_allows(membership.role, Permission.MANAGE),
        "memberships": list(user_memberships(request.user)),
    }
