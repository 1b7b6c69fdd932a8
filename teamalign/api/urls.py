"""The REST API (django-ninja). Thin: every endpoint resolves the organisation and role, then
calls selectors and services. The OpenAPI schema is at /api/v1/openapi.json, docs at /api/v1/docs.

Each operation declares every status it can answer (``error_responses``) and types every
parameter with its constraints (teamalign/api/params.py), so that the schema is what the
server does; tests/api/test_schemathesis.py holds the two to each other.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import File, Form, Path, Query, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.files import UploadedFile
from pydantic import Field, create_model

from teamalign.orgs import selectors
from teamalign.orgs.import_runs import (describe_size, import_formats, import_kinds, import_options_check,
                                        import_run_create)
from teamalign.orgs.models import ImportRun
from teamalign.orgs.roles import Permission
from teamalign.orgs.selectors import user_memberships
from teamalign.orgs.tasks import import_run_job

from . import errors
from .auth import AUTH, org_membership
from .errors import error_responses
from .openapi import TeamalignAPI
from .params import ID_MAX, AsOf, NonEmptyFile, Offset, Text, TimeZone, string_enum

api = TeamalignAPI(title="teamalign API", version="1", urls_namespace="api", auth=AUTH, docs_url="/v1/docs",
                   openapi_url="/v1/openapi.json")
errors.install(api)


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


# 405: imports/people is an upload's URL, which takes POST only.
@api.get("/v1/orgs/{org_slug}/imports/{int:run_id}",
         response={200: ImportRunOut, **error_responses(403, 404, 405, 422)},
         tags=["imports"])
def import_detail(request, org_slug: str, run_id: int = Path(..., ge=1, le=ID_MAX)):
    membership = org_membership(request, org_slug, Permission.VIEW)
    return get_object_or_404(ImportRun, organisation=membership.organisation, pk=run_id)


def _upload_option(name: str, form: Schema, query: Schema) -> str:
    """An option given as a form field or in the query string; the form field wins when both are."""
    chosen = getattr(form, name, None)
    if chosen is None:
        chosen = getattr(query, name, None)
    if chosen is None:
        return ""
    return chosen.value if isinstance(chosen, Enum) else chosen


def import_upload(request, *, org_slug: str, kind: str, file: UploadedFile, form: Schema, query: Schema):
    """Queue an import of an uploaded file; the caller polls the returned run until it has finished."""
    membership = org_membership(request, org_slug, Permission.IMPORT)
    if file.size > settings.UPLOAD_MAX_BYTES:
        raise HttpError(413, f"the file is {describe_size(file.size)}, larger than the upload limit of "
                             f"{describe_size(settings.UPLOAD_MAX_BYTES)}; import it with the command line")
    if "format" not in type(form).model_fields and ("format" in request.POST or "format" in request.GET):
        # Not ignored: a caller who names a format expects it to be used.
        raise ValidationError([{"loc": ("query" if "format" in request.GET else "form", "format"),
                                "msg": f"{kind} imports have one format; leave format out"}])
    format = _upload_option("format", form, query)
    options = import_options_check(kind=kind, format=format, timezone=_upload_option("timezone", form, query),
                                   as_of=_upload_option("as_of", form, query),
                                   organisation_timezone=membership.organisation.timezone)
    run = import_run_create(organisation=membership.organisation, kind=kind, file_name=file.name, source=file,
                            user=request.auth, via="api", format=format, options=options)
    result = import_run_job.enqueue(run.pk)
    ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    run.refresh_from_db()
    return Status(202, run)


def upload_options(kind: str) -> dict[str, tuple]:
    """The options an upload of this kind takes, as pydantic fields; each may be a multipart form
    field or a query parameter."""
    options: dict[str, tuple] = {}
    formats = import_formats().get(kind)
    if formats:
        # The source format, when detection from the file's header is not wanted.
        options["format"] = (string_enum(f"{kind.title()}ImportFormat", formats) | None, None)
    options["timezone"] = (TimeZone | None, None)  # of timestamps without one (default: the organisation's)
    if kind == "tickets":
        # When the export was taken: open tickets' ages are measured as of it (tickets/sources.py).
        options["as_of"] = (AsOf | None, None)
    return options


def _register_upload(kind: str) -> None:
    """POST imports/<kind>: one operation per kind, so that the schema lists each kind's own
    formats (a format of another kind cannot be sent) and no path parameter can take a value
    that another route (imports/{run_id}) also matches."""
    title = kind.title()
    form_model = create_model(f"{title}UploadForm", __base__=Schema, **upload_options(kind))
    query_model = create_model(f"{title}UploadQuery", __base__=Schema, **upload_options(kind))

    def endpoint(request, org_slug: str, file, form, query):
        return import_upload(request, org_slug=org_slug, kind=kind, file=file, form=form, query=query)

    endpoint.__name__ = f"import_upload_{kind}"  # the operation id and the URL name
    endpoint.__doc__ = (f"Upload a file to import as {kind}; answers 202 with the queued run. Options may be "
                        "multipart form fields or query parameters; a form field wins over the same query parameter.")
    endpoint.__annotations__ = {"org_slug": str, "file": File[NonEmptyFile], "form": Form[form_model],
                                "query": Query[query_model]}
    api.post(f"/v1/orgs/{{org_slug}}/imports/{kind}",
             response={202: ImportRunOut, **error_responses(400, 403, 404, 413, 422)}, tags=["imports"],
             openapi_extra={"responses": {202: {"links": links(run=("import_detail", {
                 **SAME_ORG, "run_id": "$response.body#/id"}))}}})(endpoint)


for _kind in import_kinds():
    _register_upload(_kind)


from . import tickets  # noqa: E402,F401  the Responsiveness endpoints register on `api`
from . import insights  # noqa: E402,F401  the findings endpoints register on `api`
