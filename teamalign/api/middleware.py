"""Errors answered under /api/ outside the API's operations, in the API's JSON shape.

The operations' own errors go through the exception handlers of teamalign/api/errors.py.
Some answers never reach an operation: no route matched (Django's 404 page), a route that
does not take the method (ninja's bare 405), Django's 400 or 500 pages for a request that
broke before any view ran. A script reading the API must not get an HTML page for those, so
any error response under /api/ that is not JSON is replaced by the same error as JSON; the
status and the Allow header are kept.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from .errors import error_response, status_detail

API_PREFIX = "/api/"


class ApiErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code < 400 or not request.path.startswith(API_PREFIX)
                or response.get("Content-Type", "").startswith("application/json")):
            return response
        json = error_response(response.status_code, self._detail(request, response))
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if header in response:
                json[header] = response[header]
        return json

    @staticmethod
    def _detail(request: HttpRequest, response: HttpResponse) -> str:
        if response.status_code == 404:
            return f"No such endpoint: {request.method} {request.path}. The endpoints are listed at /api/v1/docs."
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            return (f"{request.method} is not allowed on {request.path}"
                    + (f"; it takes {allowed}." if allowed else "."))
        return status_detail(response.status_code)
