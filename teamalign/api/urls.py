"""The REST API (django-ninja). Thin: every endpoint resolves the organisation and role, then
calls selectors and services. The OpenAPI schema is at /api/v1/openapi.json, docs at /api/v1/docs.

Each operation declares every status it can answer (``error_responses``) and types every
parameter with its constraints (teamalign/api/params.py), so that the schema is what the
server does; tests/api/test_schemathesis.py holds the two to each other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import register_converter
from ninja import File, Form, Path, Query, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.files import UploadedFile
from pydantic import Field

from teamalign.orgs import selectors
from teamalign.orgs.import_runs import describe_size, import_options_check, import_run_create
from teamalign.orgs.models import ImportRun
from teamalign.orgs.roles import Permission
from teamalign.orgs.selectors import user_memberships
from teamalign.orgs.tasks import import_run_job

from . import errors
from .auth import AUTH, org_membership
from .errors import error_responses
from .openapi import TeamalignAPI
from .params import ID_MAX, Offset, Text, TimeZone, import_format_enum, import_kind_enum

api = TeamalignAPI(title="teamalign API", version="1", urls_namespace="api", auth=AUTH, docs_url="/v1/docs",
               openapi_url="/v1/openapi.json")
errors.install(api)


class ImportKindConverter:
    """An import kind in a URL: lower-case letters, never digits, so that
    ``imports/{kind}`` (POST) and ``imports/{run_id}`` (GET) can never match the same URL."""

    regex = "[a-z][a-z_]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ImportKindConverter, "import_kind")
ImportKind = import_kind_enum()
ImportFormat = import_format_enum()


def links(**targets: tuple[str, dict[str, str]]) -> dict:
    """OpenAPI links from a response to the operations its ids lead to (``openapi_extra``)."""
    return {name: {"operationId": operation, "parameters": parameters}
            for name, (operation, parameters) in targets.items()}


SAME_ORG = {"org_slug": "$request.path.org_slug"}


class MembershipOut(Schema):
    organisation: str
    name: str
    role: str


class MeOut(Schema):
    email: str
    name: str
    organisations: list[MembershipOut]


class DepartmentOut(Schema):
    id: int
    name: str
    kind: str
    people_count: int
    team_count: int


class TeamOut(Schema):
    id: int
    name: str
    department: str
    people_count: int


class PersonOut(Schema):
    id: int
    name: str
    email: str
    title: str
    is_leader: bool
    department: str | None
    team: str | None


class ImportRunOut(Schema):
    id: int
    kind: str
    format: str
    file_name: str
    file_sha256: str
    status: str
    via: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    rows_read: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    progress_done: int
    progress_total: int
    errors: list
    warnings: list
    details: dict


@api.get("/v1/me", response={200: MeOut, **error_responses()}, tags=["account"])
def me(request):
    return {"email": request.auth.email, "name": request.auth.name, "organisations": [
        {"organisation": m.organisation.slug, "name": m.organisation.name, "role": m.role}
        for m in user_memberships(request.auth)]}


@api.get("/v1/orgs/{org_slug}/departments", response={200: list[DepartmentOut], **error_responses(403, 404)},
         tags=["directory"])
def departments(request, org_slug: str):
    membership = org_membership(request, org_slug, Permission.VIEW)
    return list(selectors.departments_with_counts(membership.organisation))


@api.get("/v1/orgs/{org_slug}/teams", response={200: list[TeamOut], **error_responses(403, 404)},
         tags=["directory"])
def teams(request, org_slug: str):
    membership = org_membership(request, org_slug, Permission.VIEW)
    return [{"id": t.id, "name": t.name, "department": t.department.name, "people_count": t.people_count}
            for t in selectors.teams_with_counts(membership.organisation)]


class PeopleQuery(Schema):
    q: Text = ""  # searches names, emails and titles
    offset: Offset = 0
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


@api.get("/v1/orgs/{org_slug}/people", response={200: list[PersonOut], **error_responses(403, 404, 422)},
         tags=["directory"])
def people(request, org_slug: str, query: Query[PeopleQuery]):
    membership = org_membership(request, org_slug, Permission.VIEW)
    found = selectors.people_search(membership.organisation, query.q.strip())[
        query.offset:query.offset + query.limit]
    return [{"id": p.id, "name": p.name, "email": p.email, "title": p.title, "is_leader": p.is_leader,
             "department": p.department.name if p.department else None,
             "team": p.team.name if p.team else None} for p in found]


@api.get("/v1/orgs/{org_slug}/imports", response={200: list[ImportRunOut], **error_responses(403, 404, 422)},
         tags=["imports"],
         openapi_extra={"responses": {200: {"links": links(run=("import_detail", {
             **SAME_ORG, "run_id": "$response.body#/0/id"}))}}})
def imports(request, org_slug: str, limit: int = Query(50, ge=1, le=500)):
    membership = org_membership(request, org_slug, Permission.VIEW)
    return list(selectors.import_runs(membership.organisation)[:limit])


@api.get("/v1/orgs/{org_slug}/imports/{int:run_id}", response={200: ImportRunOut, **error_responses(403, 404, 422)},
         tags=["imports"])
def import_detail(request, org_slug: str, run_id: int = Path(..., ge=1, le=ID_MAX)):
    membership = org_membership(request, org_slug, Permission.VIEW)
    return get_object_or_404(ImportRun, organisation=membership.organisation, pk=run_id)


class UploadOptions(Schema):
    """Sent as multipart form fields beside the file, or in the query string."""

    format: ImportFormat | None = None  # the source format, when detection from the header is not wanted
    timezone: TimeZone | None = None  # of timestamps without one (default: the organisation's)


class UploadQuery(UploadOptions):
    pass


def _upload_option(name: str, form: UploadOptions, query: UploadQuery) -> str:
    """An option given as a form field or in the query string (the same value if both)."""
    in_form, in_query = getattr(form, name), getattr(query, name)
    if in_form is not None and in_query is not None and in_form != in_query:
        raise ValidationError([{"loc": ("form", name), "msg": f"differs from the query's {name} ({in_query.value}); "
                                                            "give it once"}])
    chosen = in_form if in_form is not None else in_query
    return chosen.value if chosen is not None else ""


@api.post("/v1/orgs/{org_slug}/imports/{import_kind:kind}",
          response={202: ImportRunOut, **error_responses(400, 403, 404, 413, 422)}, tags=["imports"],
          openapi_extra={"responses": {202: {"links": links(run=("import_detail", {
              **SAME_ORG, "run_id": "$response.body#/id"}))}}})
def import_upload(request, org_slug: str, kind: ImportKind, file: File[UploadedFile], form: Form[UploadOptions],
                  query: Query[UploadQuery]):
    """Queue an import of an uploaded file; poll the returned run until it has finished.

    ``format`` and ``timezone`` may be multipart form fields or query parameters. A format must
    be one of the kind's (422 otherwise)."""
    membership = org_membership(request, org_slug, Permission.IMPORT)
    if file.size > settings.UPLOAD_MAX_BYTES:
        raise HttpError(413, f"the file is {describe_size(file.size)}, larger than the upload limit of "
                             f"{describe_size(settings.UPLOAD_MAX_BYTES)}; import it with the command line")
    kind, format = kind.value, _upload_option("format", form, query)
    options = import_options_check(kind=kind, format=format, timezone=_upload_option("timezone", form, query))
    run = import_run_create(organisation=membership.organisation, kind=kind, file_name=file.name, source=file,
                            user=request.auth, via="api", format=format, options=options)
    result = import_run_job.enqueue(run.pk)
    ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    run.refresh_from_db()
    return Status(202, run)


from . import tickets  # noqa: E402,F401  the Responsiveness endpoints register on `api`
