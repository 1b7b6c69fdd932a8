"""Error pages and their logging.

The 400, 403 and 404 pages are the templates of the same names, rendered by Django's own handlers
with the request (so a signed-in user keeps the navigation). The 500 page needs a handler of its
own because Django renders it without the request; it falls back to a page without navigation
when the error is in what the navigation needs (the database, say).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

log = logging.getLogger(__name__)


class QuietRefusals(logging.Filter):
    """On `django.request`: a 403 is logged as one line, without the traceback of the
    PermissionDenied that produced it (refusals are expected; tracebacks are for faults)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Once per record: each django.setup() (every CLI verb run in one process does one) adds
        # this filter to the logger again.
        if getattr(record, "status_code", None) == 403 and not getattr(record, "quieted", False):
            record.quieted = True
            record.exc_info = None
            record.exc_text = None
            user = getattr(getattr(record, "request", None), "user", None)
            if user is not None and getattr(user, "is_authenticated", False):
                record.msg = f"{record.msg} (user {user.pk})"
        return True


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the styled 403 page, saying what to do about it."""
    return render(request, "403.html", {"csrf_failure": True}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the styled page with the navigation when it can be drawn."""
    try:
        return render(request, "500.html", status=500)
    except Exception:  # the page must not fail in turn; it loses the navigation instead
        log.exception("the 500 page could not be drawn with the request; drawing it without")
    try:
        return HttpResponseServerError(loader.get_template("500.html").render({}))
    except Exception:
        log.exception("the 500 page could not be drawn at all")
        return HttpResponseServerError("Something went wrong on our side. It has been logged.",
                                       content_type="text/plain; charset=utf-8")
