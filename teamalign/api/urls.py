"""The REST API (django-ninja). Thin: every endpoint resolves the organisation and role, then
calls selectors and services. The OpenAPI schema is at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import File, NinjaAPI, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from teamalign.errors import TeamalignError
from teamalign.orgs import selectors
from teamalign.orgs.import_runs import describe_size, import_kinds, import_options_check, import_run_create
from teamalign.orgs.models import ImportRun
from teamalign.orgs.roles import Permission
from teamalign.orgs.selectors import user_memberships
from teamalign.orgs.tasks import import_run_job

from .auth import AUTH, org_membership

api = NinjaAPI(title="teamalign API", version="1", urls_namespace="api", auth=AUTH, docs_url="/v1/docs",
               openapi_url="/v1/openapi.json")


@api.exception_handler(TeamalignError)
def teamalign_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


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


def _query_or_form(request, name: str, from_query: str) -> str:
    """A parameter a client may send in the query string or as a field of the multipart form
    (curl -F); the two must agree when both are given."""
    from_form = request.POST.get(name, "")
    if from_query and from_form and from_query.strip() != from_form.strip():
        raise HttpError(400, f"{name} is given twice, in the query string and in the form, with different values")
    return from_query or from_form


@api.get("/v1/me", response=MeOut, tags=["account"])
def me(request):
    return {"email": request.auth.email, "name": request.auth.name, "organisations": [
        {"organisation": m.organisation.slug, "name": m.organisation.name, "role": m.role}
        for m in user_memberships(request.auth)]}


@api.get("/v1/orgs/{org_slug}/departments", response=list[DepartmentOut], tags=["directory"])
def departments(request, org_slug: str):
    membership = org_membership(request, org_slug, Permission.VIEW)
    return list(selectors.departments_with_counts(membership.organisation))


@api.get("/v1/orgs/{org_slug}/teams", response=list[TeamOut], tags=["directory"])
def teams(request, org_slug: str):
    membership = org_membership(request, org_slug, Permission.VIEW)
    return [{"id": t.id, "name": t.name, "department": t.department.name, "people_count": t.people_count}
            for t in selectors.teams_with_counts(membership.organisation)]


@api.get("/v1/orgs/{org_slug}/people", response=list[PersonOut], tags=["directory"])
def people(request, org_slug: str, q: str = "", offset: int = 0, limit: int = 100):
    membership = org_membership(request, org_slug, Permission.VIEW)
    limit = max(1, min(limit, 1000))
    found = selectors.people_search(membership.organisation, q)[max(0, offset):max(0, offset) + limit]
    return [{"id": p.id, "name": p.name, "email": p.email, "title": p.title, "is_leader": p.is_leader,
             "department": p.department.name if p.department else None,
             "team": p.team.name if p.team else None} for p in found]


@api.get("/v1/orgs/{org_slug}/imports", response=list[ImportRunOut], tags=["imports"])
def imports(request, org_slug: str, limit: int = 50):
    membership = org_membership(request, org_slug, Permission.VIEW)
    return list(selectors.import_runs(membership.organisation)[:max(1, min(limit, 500))])


@api.get("/v1/orgs/{org_slug}/imports/{int:run_id}", response=ImportRunOut, tags=["imports"])
def import_detail(request, org_slug: str, run_id: int):
    membership = org_membership(request, org_slug, Permission.VIEW)
    return get_object_or_404(ImportRun, organisation=membership.organisation, pk=run_id)


@api.post("/v1/orgs/{org_slug}/imports/{kind}", response={202: ImportRunOut}, tags=["imports"])
def import_upload(request, org_slug: str, kind: str, file: File[UploadedFile], format: str = "",
                  timezone: str = "", as_of: str = ""):
    """Queue an import of an uploaded file; poll the returned run until it has finished.

    ``format`` names the source format when detection from the header is not wanted;
    ``timezone`` is the zone of timestamps without one (default: the organisation's);
    ``as_of`` (tickets) is when the export was taken — ``2026-03-01`` or ``2026-03-01T12:00``, in
    the organisation's zone unless it has an offset — given in the query string or as a field of
    the multipart form."""
    membership = org_membership(request, org_slug, Permission.IMPORT)
    as_of = _query_or_form(request, "as_of", as_of)
    if kind not in import_kinds():
        raise HttpError(400, f"unknown import kind '{kind}'; known: {', '.join(import_kinds())}")
    if file.size > settings.UPLOAD_MAX_BYTES:
        raise HttpError(413, f"the file is {describe_size(file.size)}, larger than the upload limit of "
                             f"{describe_size(settings.UPLOAD_MAX_BYTES)}; import it with the command line")
    options = import_options_check(kind=kind, format=format, timezone=timezone, as_of=as_of,
                                   organisation_timezone=membership.organisation.timezone)
    run = import_run_create(organisation=membership.organisation, kind=kind, file_name=file.name, source=file,
                            user=request.auth, via="api", format=format, options=options)
    result = import_run_job.enqueue(run.pk)
    ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    run.refresh_from_db()
    return Status(202, run)


from . import tickets  # noqa: E402,F401  the Responsiveness endpoints register on `api`
from . import insights  # noqa: E402,F401  the findings endpoints register on `api`
