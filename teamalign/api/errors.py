"""The API's one error shape, and everything that turns a failure into it.

Every error the API answers — a bad parameter (422), a missing or bad token (401), a role
without the permission (403), an unknown organisation, object or route (404), a method a
route does not take (405), an oversized upload (413), a malformed body (400) and any
unexpected exception (500, logged with its traceback) — is a JSON object:

    {"detail": "one sentence for a person", "errors": [{"location": "query", "name": "offset",
                                                        "message": "..."}]}

``errors`` lists the parameters at fault and is empty when no one parameter is. The
operations document the statuses they can answer with ``error_responses``; the exception
handlers are installed on the NinjaAPI by ``install``; responses made outside the API's
operations (no route matched, a method the path does not take) are rewritten by
``teamalign.api.middleware.ApiErrorMiddleware`` with ``error_response``.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from teamalign import errors as teamalign_errors

logger = logging.getLogger("teamalign.api")


class FieldErrorOut(Schema):
    location: str  # query, path, form, file, body or header
    name: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut] = []


# Every operation can answer these: a request that cannot be read (more query fields than
# DATA_UPLOAD_MAX_NUMBER_FIELDS, a malformed body), no or a bad token, an unexpected failure.
ALWAYS = (400, 401, 500)


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """``{status: ErrorOut}`` for an operation's ``response=``, with the statuses every operation has."""
    return {status: ErrorOut for status in sorted({*statuses, *ALWAYS})}


def error_response(status: int, detail: str, errors: list[dict] | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail, "errors": errors or []}, status=status)


def _field_errors(exc: ValidationError) -> list[dict]:
    found = []
    for error in exc.errors:
        location, *name = [str(part) for part in error.get("loc", ())] or ["body"]
        found.append({"location": location, "name": ".".join(name), "message": error.get("msg", "is not valid")})
    return found


def install(api: NinjaAPI) -> None:
    """Replace ninja's handlers (HTML tracebacks in DEBUG, a re-raise to Django's HTML 500
    otherwise, a bare list for 422) with handlers that answer in ``ErrorOut``."""

    @api.exception_handler(ValidationError)
    def invalid(request, exc: ValidationError):
        errors = _field_errors(exc)
        named = "; ".join(f"{e['name'] or e['location']} ({e['location']}): {e['message']}" for e in errors)
        return error_response(422, f"Invalid request: {named}." if named else "Invalid request.", errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc: AuthenticationError):
        response = error_response(401, "Authentication required: send an API token as 'Authorization: Bearer ta_…'.")
        response["WWW-Authenticate"] = 'Bearer realm="teamalign"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return error_response(exc.status_code, str(exc))

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        return error_response(404, "Not found.")

    @api.exception_handler(DjangoPermissionDenied)
    def forbidden(request, exc):
        return error_response(403, "Your role does not allow this.")

    @api.exception_handler(teamalign_errors.NotFound)
    def teamalign_not_found(request, exc):
        return error_response(404, str(exc))

    @api.exception_handler(teamalign_errors.PermissionDenied)
    def teamalign_forbidden(request, exc):
        return error_response(403, str(exc))

    @api.exception_handler(teamalign_errors.TeamalignError)
    def teamalign_error(request, exc):
        # A well-formed request whose values teamalign cannot accept (an unknown format, ...).
        return error_response(422, str(exc))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return error_response(413, "The request's form fields are larger than the server accepts.")

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc):
        # TooManyFieldsSent and the like: Django refuses to read the request any further.
        return error_response(400, f"The request cannot be read: {exc}")

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request, exc):
        return error_response(400, f"The multipart body cannot be read: {exc}")

    @api.exception_handler(UnreadablePostError)
    def unreadable(request, exc):
        return error_response(400, "The request body could not be read to its end.")

    @api.exception_handler(Exception)
    def unexpected(request, exc: Exception):
        logger.error("API %s %s failed", request.method, request.get_full_path(), exc_info=exc)
        return error_response(500, "Internal error. It has been logged; please report it with the time it happened.")


def status_detail(status: int) -> str:
    """A sentence for a status answered outside the API's operations."""
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:
        return f"HTTP {status}."
