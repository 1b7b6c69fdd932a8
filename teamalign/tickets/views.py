"""Pages of the Responsiveness area: the figures, the ticket list and timeline, and the settings
(schedules, SLA policies, requester rules). Thin: forms validate, selectors read, services write."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.core.cache import cache
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from teamalign.errors import ValidationError
from teamalign.insights import selectors as insight_selectors
from teamalign.orgs.access import org_view
from teamalign.orgs.models import Department
from teamalign.orgs.roles import Permission, role_allows
from teamalign.web.forms import form_saved
from teamalign.web.params import query_form, read_query

from . import charts, selectors, services
from .forms import RequesterRuleForm, ResponsivenessFilterForm, ScheduleForm, SlaPolicyForm, TicketFilterForm
from .models import RequesterRule, Schedule, SlaPolicy, Ticket
from .tasks import tickets_recompute_job

BREAKDOWN_ROWS = 15
FIGURES_HTML_SECONDS = 3600


@org_view(Permission.VIEW)
@query_form(ResponsivenessFilterForm)
def responsiveness(request: HttpRequest) -> HttpResponse:
    """The figures. Their HTML is kept per process for the data version, filters and role, so a
    page over a million tickets costs a few small queries once it has been computed."""
    org = request.organisation
    form, values = read_query(request, ResponsivenessFilterForm, organisation=org)
    filters = selectors.Filters(department=values["department"], since=values["since"],
                                priority=values["priority"])
    # The findings lead the page: the stored ones, computed again first when the data moved on
    # (which also leaves the unfiltered figures cached, from the same read of the tickets).
    findings_block = insight_selectors.findings_payload(org, area="responsiveness") \
        if selectors.has_tickets(org) else None
    key, version = selectors.figures_key(org, filters)
    can_manage = role_allows(request.membership.role, Permission.MANAGE)
    html_key = f"tickets:figures-html:{org.pk}:{version}:{key}:{int(can_manage)}"
    figures_html = cache.get(html_key)
    if figures_html is not None:
        figures_html = mark_safe(figures_html)  # our own rendering, escaped when it was made
    if figures_html is None:
        figures = selectors.responsiveness(org, filters)
        figures_html = render_to_string("tickets/_figures.html", _figures_context(org, figures, filters),
                                        request=request)
        cache.set(html_key, figures_html, FIGURES_HTML_SECONDS)
    return render(request, "tickets/responsiveness.html", {"form": form, "figures_html": figures_html,
                                                           "findings_block": findings_block})


def _figures_context(org, figures: dict, filters: selectors.Filters) -> dict:
    monthly = figures["monthly"]
    everyone = figures["all"]
    breakdowns = [(key, title, figures["breakdowns"][key][:BREAKDOWN_ROWS], len(figures["breakdowns"][key]))
                  for key, (_column, title) in selectors.metrics.BREAKDOWNS.items()]
    # When no ticket at all has a measured first response, the response columns would be
    # "not measured" in every row: they are left out and the page says why once.
    show_response = everyone["response_median"] is not None or everyone["response_measured"] > 0
    show_resolution_chart = any(r["resolution_attainment"] is not None for r in monthly if r["segment"] != "all")
    filter_query = urlencode({k: v for k, v in {
        "department": filters.department.pk if filters.department else "", "since": filters.since or "",
        "priority": filters.priority or ""}.items() if v})
    return {
        "figures": figures, "filters": filters,
        "filtered": bool(filters.department or filters.since or filters.priority),
        "has_operations": Department.objects.filter(organisation=org, kind=Department.Kind.OPERATIONS).exists(),
        "ops": figures["operations"], "others": figures["others"],
        "monthly_rows": [r for r in monthly if r["segment"] != "all"],
        "show_response": show_response,
        "response_chart": charts.monthly_response(monthly) if monthly and show_response else None,
        "attainment_chart": charts.monthly_attainment(monthly) if show_resolution_chart else None,
        "breakdowns": breakdowns, "segments": charts.SEGMENTS,
        "policies": selectors.policies(org),
        "backlog_as_of": [{**row, "earliest": datetime.fromisoformat(row["earliest"]),
                           "latest": datetime.fromisoformat(row["latest"])} for row in figures["backlog_as_of"]],
        "source_verdicts": figures["source_verdicts"], "filter_query": filter_query,
    }


@org_view(Permission.VIEW)
@query_form(TicketFilterForm)
def ticket_list(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    form, d = read_query(request, TicketFilterForm, organisation=org)
    filters = selectors.ListFilters(
        department=d["department"], team=d["team"], priority=d["priority"], state=d["state"] or None,
        kind=d["kind"] or None, category=d["category"] or None, it_team=d["it_team"] or None,
        breached=d["breached"] or None, since=d["since"], query=d["q"].strip(), unresolved=d["unresolved"],
        source=(d["source"] or "").strip() or None, verdict_differs=d["verdict"] == "differs")
    page = Paginator(selectors.tickets(org, filters), 50).get_page(request.GET.get("page"))
    return render(request, "tickets/ticket_list.html", {"form": form, "page": page})


@org_view(Permission.VIEW)
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = get_object_or_404(Ticket.objects.filter(organisation=request.organisation).select_related(
        "requester_person", "requester_department", "requester_team", "policy", "policy__schedule",
        "import_run"), pk=ticket_id)
    return render(request, "tickets/ticket_detail.html", {
        "ticket": ticket, "timeline": selectors.ticket_timeline(ticket),
        "response_basis_text": selectors.response_basis_text(ticket),
        "source_figures": selectors.source_figures(ticket),
        "response_waiting": ticket.state == "new" and ticket.response_basis != "none"
        and ticket.first_response_at is None,
        "resolution_waiting": ticket.is_open and ticket.resolution_business_seconds is None})


# --------------------------------------------------------------------------- settings

def _recompute_later(request: HttpRequest, what: str) -> None:
    tickets_recompute_job.enqueue(request.organisation.pk)
    messages.success(request, f"{what} The tickets are being measured again in the background; the figures "
                              "update when that has finished.")


@org_view(Permission.MANAGE)
def settings(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    services.schedule_default(org)
    services.policies_ensure_default(org)
    return render(request, "tickets/settings.html", {
        "schedules": Schedule.objects.filter(organisation=org),
        "policies": selectors.policies(org),
        "rules": RequesterRule.objects.filter(organisation=org).select_related("department", "team"),
        "rule_form": RequesterRuleForm(organisation=org),
    })


@org_view(Permission.MANAGE)
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    _recompute_later(request, "Recompute queued.")
    return redirect("responsiveness_settings", request.organisation.slug)


@org_view(Permission.MANAGE)
def schedule_edit(request: HttpRequest, schedule_id: int | None = None) -> HttpResponse:
    org = request.organisation
    schedule = None if schedule_id is None else get_object_or_404(Schedule, organisation=org, pk=schedule_id)
    initial = None if schedule else {"timezone": org.timezone,
                                     **{f"day_{d}": "09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}}
    form = ScheduleForm(request.POST or None, schedule=schedule, **({"initial": initial} if initial else {}))
    if request.method == "POST" and form.is_valid() and form_saved(form, lambda: services.schedule_save(
            organisation=org, schedule=schedule, **form.service_arguments())):
        _recompute_later(request, f"Schedule '{form.cleaned_data['name']}' saved.")
        return redirect("responsiveness_settings", org.slug)
    return render(request, "tickets/edit.html", {"form": form, "object": schedule, "what": "schedule"})


@org_view(Permission.MANAGE)
@require_POST
def schedule_delete(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = get_object_or_404(Schedule, organisation=request.organisation, pk=schedule_id)
    try:
        services.schedule_delete(schedule=schedule)
        messages.success(request, f"Schedule '{schedule.name}' deleted.")
    except ValidationError as exc:
        messages.error(request, str(exc))
    return redirect("responsiveness_settings", request.organisation.slug)


@org_view(Permission.MANAGE)
def sla_policy_edit(request: HttpRequest, sla_policy_id: int | None = None) -> HttpResponse:
    org = request.organisation
    policy = None if sla_policy_id is None else get_object_or_404(SlaPolicy, organisation=org, pk=sla_policy_id)
    if policy is None and request.method != "POST":
        form = SlaPolicyForm(organisation=org, initial={"schedule": services.schedule_default(org).pk,
                                                        "pause_states": ["on_hold"]})
    else:
        form = SlaPolicyForm(request.POST or None, organisation=org, policy=policy)
    if request.method == "POST" and form.is_valid() and form_saved(form, lambda: services.sla_policy_save(
            organisation=org, policy=policy, **form.service_arguments())):
        _recompute_later(request, "SLA policy saved.")
        return redirect("responsiveness_settings", org.slug)
    return render(request, "tickets/edit.html", {"form": form, "object": policy, "what": "SLA policy"})


@org_view(Permission.MANAGE)
@require_POST
def sla_policy_delete(request: HttpRequest, sla_policy_id: int) -> HttpResponse:
    policy = get_object_or_404(SlaPolicy, organisation=request.organisation, pk=sla_policy_id)
    services.sla_policy_delete(policy=policy)
    _recompute_later(request, f"Policy {policy} deleted.")
    return redirect("responsiveness_settings", request.organisation.slug)


@org_view(Permission.MANAGE)
@require_POST
def requester_rule_add(request: HttpRequest) -> HttpResponse:
    org = request.organisation
    form = RequesterRuleForm(request.POST, organisation=org)
    if form.is_valid() and form_saved(form, lambda: services.requester_rule_save(organisation=org, **form.cleaned_data)):
        _recompute_later(request, "Rule added.")
        return redirect("responsiveness_settings", org.slug)
    for error in form.non_field_errors():
        messages.error(request, error)
    for name, errors in form.errors.items():
        if name != "__all__":
            messages.error(request, f"{form.fields[name].label}: {' '.join(errors)}")
    return redirect("responsiveness_settings", org.slug)


@org_view(Permission.MANAGE)
@require_POST
def requester_rule_delete(request: HttpRequest, requester_rule_id: int) -> HttpResponse:
    rule = get_object_or_404(RequesterRule, organisation=request.organisation, pk=requester_rule_id)
    services.requester_rule_delete(rule=rule)
    _recompute_later(request, "Rule deleted.")
    return redirect("responsiveness_settings", request.organisation.slug)
