"""Pages for the directory (departments, teams, people), users and roles, organisation settings,
and the Data area (uploads and import history). Thin: forms validate, services write."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from teamalign.errors import ValidationError
from teamalign.web.forms import form_saved
from teamalign.web.params import query_form, read_query

from . import selectors, services
from .access import org_view
from .forms import (DepartmentForm, InvitationForm, OrganisationForm, PeopleFilterForm, PersonForm, RoleForm, TeamForm,
                    UploadForm)
from .import_runs import (
    describe_size,
    import_formats,
    import_kinds,
    import_options_check,
    import_run_create,
    import_run_enqueue,
    import_run_live,
    import_run_rerun,
    import_run_rerun_blocker,
)
from .models import Department, ImportRun, Invitation, Membership, Person, Team
from .roles import Permission


# Data: uploads and import history ---------------------------------------------------------------

@org_view(Permission.VIEW)
def data(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    from teamalign.ops.reaper import interrupted_mark

    interrupted_mark(runs=ImportRun.objects.filter(organisation=org))  # runs whose process died
    page = Paginator(selectors.import_runs(org), 25).get_page(request.GET.get("page"))
    form = UploadForm(kinds=import_kinds(), formats=import_formats())
    return render(request, "orgs/data.html", {"page": page, "form": form,
                                              "upload_limit": settings.UPLOAD_MAX_BYTES})


@org_view(Permission.IMPORT)
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    form = UploadForm(request.POST, request.FILES, kinds=import_kinds(), formats=import_formats())
    if form.is_valid():
        uploaded = form.cleaned_data["file"]
        if uploaded.size > settings.UPLOAD_MAX_BYTES:
            form.add_error("file", f"The file is {describe_size(uploaded.size)}; the upload limit is "
                                   f"{describe_size(settings.UPLOAD_MAX_BYTES)}. Use the command line "
                                   "`teamalign import` for larger files.")
        else:
            run = None
            try:
                kind, fmt = form.cleaned_data["kind"], form.cleaned_data["format"]
                options = import_options_check(kind=kind, format=fmt, timezone=form.cleaned_data["timezone"].strip(),
                                               as_of=form.cleaned_data["as_of"], organisation_timezone=org.timezone)
                run = import_run_create(organisation=org, kind=kind, file_name=uploaded.name, source=uploaded,
                                        user=request.user, via="web", format=fmt, options=options)
            except ValidationError as exc:
                form.add_error(None, str(exc))
            if run is not None:
                import_run_enqueue(run)
                return redirect("import_run", org.slug, run.pk)
    page = Paginator(selectors.import_runs(org), 25).get_page(1)
    return render(request, "orgs/data.html", {"page": page, "form": form,
                                              "upload_limit": settings.UPLOAD_MAX_BYTES},
                  status=400)


@org_view(Permission.VIEW)
def import_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(ImportRun.objects.filter(organisation=request.organisation)
                            .select_related("created_by", "retry_of"), pk=run_id)
    run = import_run_live(run)
    template = "orgs/_import_run_status.html" if request.headers.get("HX-Request") else "orgs/import_run.html"
    return render(request, template, {
        "run": run, "rerun_blocker": import_run_rerun_blocker(run) if run.is_finished else None,
        "retries": run.retries.order_by("-pk") if run.is_finished else [],
        "elapsed_text": _elapsed(run) if run.status == ImportRun.Status.RUNNING else "",
        "details": _details(run) if run.status == ImportRun.Status.SUCCEEDED else [],
    })


# What an importer reports in ImportRun.details, as the page names it; unknown keys are shown with
# their name in words, and these are not shown (timings, or figures the page shows already).
_DETAIL_LABELS = {
    "source": "Source", "as_of": "Export taken", "state_changes": "State changes",
    "unresolved_requesters_top": "Most frequent requesters in no department",
    "without_policy": "Tickets matching no SLA policy", "departments_created": "Departments created",
    "teams_created": "Teams created",
}
_DETAIL_HIDDEN = {"seconds", "stage_seconds", "format", "tickets", "unresolved_requesters"}


def _detail_text(value) -> str:
    from datetime import datetime

    from django.contrib.humanize.templatetags.humanize import intcomma
    from django.template.defaultfilters import date as date_format

    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return intcomma(value)
    if isinstance(value, list):
        shown = [str(v) for v in value[:20] if not isinstance(v, dict | list)]
        return ", ".join(shown) + (f" … and {len(value) - 20:,} more" if len(value) > 20 else "")
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "j M Y, H:i")
    return ""  # a nested structure is for the API and the log, not for the page


def _details(run: ImportRun) -> list[tuple[str, str]]:
    rows = []
    for key, value in run.details.items():
        if key in _DETAIL_HIDDEN or value in (None, "", [], {}, 0):
            continue
        text = _detail_text(value)
        if text:
            rows.append((_DETAIL_LABELS.get(key, key.replace("_", " ").capitalize()), text))
    return rows


def _elapsed(run: ImportRun) -> str:
    """How long a running import has been going, as people say it ("45 s", "3 m 05 s")."""
    if run.started_at is None:
        return ""
    seconds = max(0, int((timezone.now() - run.started_at).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} m {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"


@org_view(Permission.IMPORT)
@require_POST
def import_run_retry(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(ImportRun.objects.filter(organisation=request.organisation), pk=run_id)
    try:
        retry = import_run_rerun(run=run, user=request.user, via="web")
    except ValidationError as exc:
        messages.error(request, str(exc))
        return redirect("import_run", request.organisation.slug, run.pk)
    return redirect("import_run", request.organisation.slug, retry.pk)


# Departments ------------------------------------------------------------------------------------

@org_view(Permission.VIEW)
def departments(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/departments.html", {
        "departments": selectors.departments_with_counts(request.organisation).order_by("kind", "name"),
        "form": DepartmentForm(initial={"kind": Department.Kind.OTHER}),
    })


@org_view(Permission.DIRECTORY)
def department_edit(request: HttpRequest, department_id: int | None = None) -> HttpResponse:
    org = request.organisation
    department = None if department_id is None else get_object_or_404(Department, organisation=org, pk=department_id)
    initial = {"name": department.name, "kind": department.kind} if department else {}
    form = DepartmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and form_saved(form, lambda: services.department_save(
            organisation=org, department=department, **form.cleaned_data)):
        messages.success(request, f"Department '{form.cleaned_data['name']}' saved.")
        return redirect("departments", org.slug)
    return render(request, "orgs/edit.html", {"form": form, "object": department, "what": "department",
                                              "back": "departments"})


@org_view(Permission.DIRECTORY)
@require_POST
def department_delete(request: HttpRequest, department_id: int) -> HttpResponse:
    department = get_object_or_404(Department, organisation=request.organisation, pk=department_id)
    try:
        services.department_delete(department=department)
        messages.success(request, f"Department '{department.name}' deleted.")
    except ValidationError as exc:
        messages.error(request, str(exc))
    return redirect("departments", request.organisation.slug)


# Teams ------------------------------------------------------------------------------------------

@org_view(Permission.VIEW)
def teams(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/teams.html", {"teams": selectors.teams_with_counts(request.organisation)})


@org_view(Permission.DIRECTORY)
def team_edit(request: HttpRequest, team_id: int | None = None) -> HttpResponse:
    org = request.organisation
    team = None if team_id is None else get_object_or_404(Team, organisation=org, pk=team_id)
    initial = {"name": team.name, "department": team.department_id} if team else {}
    form = TeamForm(request.POST or None, initial=initial, organisation=org)
    if request.method == "POST" and form.is_valid() and form_saved(form, lambda: services.team_save(
            organisation=org, team=team, **form.cleaned_data)):
        messages.success(request, f"Team '{form.cleaned_data['name']}' saved.")
        return redirect("teams", org.slug)
    return render(request, "orgs/edit.html", {"form": form, "object": team, "what": "team", "back": "teams"})


@org_view(Permission.DIRECTORY)
@require_POST
def team_delete(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(Team, organisation=request.organisation, pk=team_id)
    try:
        services.team_delete(team=team)
        messages.success(request, f"Team '{team.name}' deleted.")
    except ValidationError as exc:
        messages.error(request, str(exc))
    return redirect("teams", request.organisation.slug)


# People -----------------------------------------------------------------------------------------

@org_view(Permission.VIEW)
@query_form(PeopleFilterForm)
def people(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    form, values = read_query(request, PeopleFilterForm, organisation=org)
    department = values["department"]
    found = selectors.people_search(org, values["q"].strip(), department.pk if department else None)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(request, "orgs/people.html", {"page": page, "form": form})


@org_view(Permission.DIRECTORY)
def person_edit(request: HttpRequest, person_id: int | None = None) -> HttpResponse:
    org = request.organisation
    person = None if person_id is None else get_object_or_404(Person, organisation=org, pk=person_id)
    initial = {"name": person.name, "email": person.email, "title": person.title, "is_leader": person.is_leader,
               "department": person.department_id, "team": person.team_id} if person else {}
    form = PersonForm(request.POST or None, initial=initial, organisation=org)
    if request.method == "POST" and form.is_valid() and form_saved(form, lambda: services.person_save(
            organisation=org, person=person, **form.cleaned_data)):
        messages.success(request, f"{form.cleaned_data['name']} saved.")
        return redirect("people", org.slug)
    return render(request, "orgs/edit.html", {"form": form, "object": person, "what": "person", "back": "people"})


@org_view(Permission.DIRECTORY)
@require_POST
def person_delete(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, organisation=request.organisation, pk=person_id)
    services.person_delete(person=person)
    messages.success(request, f"{person.name} deleted.")
    return redirect("people", request.organisation.slug)


# Users and roles, organisation settings ---------------------------------------------------------

def _members_page(request: HttpRequest, *, form: InvitationForm, status: int = 200, **extra) -> HttpResponse:
    org = request.organisation
    return render(request, "orgs/members.html", {
        "form": form,
        "memberships": Membership.objects.filter(organisation=org).select_related("user", "person", "organisation"),
        "invitations": selectors.open_invitations(org),
        "role_form": RoleForm(),
        **extra,
    }, status=status)


@org_view(Permission.MANAGE)
def members(request: HttpRequest) -> HttpResponse:
    """The members, the open invitations, and the form that invites an email address.

    The answer to the form is the same page, status and work whether the address has a login
    somewhere or not (an invitation is made either way), so the form tells nobody which addresses
    have logins."""
    form = InvitationForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _members_page(request, form=form)
    try:
        invitation, secret = services.invitation_create(
            organisation=request.organisation, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
            invited_by=request.user)
    except ValidationError as exc:
        form.add_error(None, str(exc))
        return _members_page(request, form=form)
    return _members_page(request, form=InvitationForm(), new_invitation=invitation,
                         new_invitation_link=request.build_absolute_uri(reverse("invitation", args=[secret])))


@org_view(Permission.MANAGE)
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, organisation=request.organisation, pk=invitation_id)
    try:
        services.invitation_revoke(invitation=invitation)
        messages.success(request, f"The invitation of {invitation.email} is revoked; its link no longer works.")
    except ValidationError as exc:
        messages.error(request, str(exc))
    return redirect("members", request.organisation.slug)


@org_view(Permission.MANAGE)
@require_POST
def member_password_reset(request: HttpRequest, membership_id: int) -> HttpResponse:
    """A one-time link for the member to choose a new password, shown to the admin to pass on."""
    membership = get_object_or_404(Membership.objects.select_related("user"), organisation=request.organisation,
                                   pk=membership_id)
    try:
        uidb64, token = services.password_reset_by_admin(admin=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, str(exc))
        return redirect("members", request.organisation.slug)
    link = request.build_absolute_uri(reverse("password_reset_confirm", args=[uidb64, token]))
    return _members_page(request, form=InvitationForm(), reset_for=membership.user, reset_link=link,
                         reset_hours=settings.PASSWORD_RESET_TIMEOUT // 3600)


@org_view(Permission.MANAGE)
@require_POST
def member_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, organisation=request.organisation, pk=membership_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        if membership.role == "admin" and form.cleaned_data["role"] != "admin" and not Membership.objects.filter(
                organisation=request.organisation, role="admin").exclude(pk=membership.pk).exists():
            messages.error(request, "An organisation keeps at least one admin.")
        else:
            services.membership_set(user=membership.user, organisation=request.organisation,
                                    role=form.cleaned_data["role"])
            messages.success(request, f"{membership.user.email} is now {form.cleaned_data['role']}.")
    return redirect("members", request.organisation.slug)


@org_view(Permission.MANAGE)
@require_POST
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, organisation=request.organisation, pk=membership_id)
    try:
        services.membership_remove(membership=membership)
        messages.success(request, f"{membership.user.email} no longer has access.")
    except ValidationError as exc:
        messages.error(request, str(exc))
    return redirect("members", request.organisation.slug)


@org_view(Permission.MANAGE)
def organisation_settings(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    form = OrganisationForm(request.POST or None, initial={"name": org.name, "timezone": org.timezone,
                                                           "currency": org.currency})
    if request.method == "POST" and form.is_valid() and form_saved(
            form, lambda: services.organisation_update(organisation=org, **form.cleaned_data)):
        messages.success(request, "Settings saved.")
        return redirect("organisation_settings", org.slug)
    return render(request, "orgs/settings.html", {"form": form})
