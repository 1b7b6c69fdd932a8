"""API endpoints of the Responsiveness area: the figures, and tickets with their timeline.

Mounted on the shared ``api`` router (imported at the bottom of teamalign/api/urls.py). Thin:
each endpoint checks the organisation and role, then calls the tickets selectors.
"""

from __future__ import annotations

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Query, Schema
from ninja.errors import HttpError

from teamalign.orgs.models import Department, Team
from teamalign.orgs.roles import Permission
from teamalign.tickets import selectors
from teamalign.tickets.models import Ticket, TicketKind, TicketState

from .auth import org_membership
from .urls import api


class ResponsivenessQuery(Schema):
    department: str | None = None  # a department's name (case-insensitive) or id
    since: date | None = None
    priority: int | None = None


class TicketListQuery(ResponsivenessQuery):
    team: int | None = None
    state: str | None = None  # a normalised state, or "open"
    kind: str | None = None
    category: str | None = None
    it_team: str | None = None
    breached: str | None = None  # response, resolution or any
    unresolved: bool = False
    source: str | None = None  # the tool the tickets came from, e.g. jira
    verdict: str | None = None  # "differs": the source's SLA verdict differs from teamalign's
    q: str = ""
    offset: int = 0
    limit: int = 100


class TicketOut(Schema):
    id: int
    source: str
    external_id: str
    kind: str
    title: str
    priority: int | None
    priority_raw: str
    state: str
    state_raw: str
    category: str
    requester: str
    requester_department: str | None
    requester_team: str | None
    assignment_group: str
    assigned_to: str
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reassignment_count: int | None  # null: the export records no reassignments
    reopen_count: int | None
    response_basis: str  # time, calendar_duration, business_duration or none (not measured)
    response_business_seconds: int | None
    resolution_business_seconds: int | None
    response_calendar_seconds: int | None
    resolution_calendar_seconds: int | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    response_breached: bool | None
    resolution_breached: bool | None
    source_response_seconds: int | None
    source_resolution_seconds: int | None
    source_response_business_seconds: int | None
    source_resolution_business_seconds: int | None
    source_response_breached: bool | None
    source_resolution_breached: bool | None
    as_of: datetime
    as_of_source: str  # export, given or import


class TimelineOut(Schema):
    at: datetime
    what: str
    detail: str
    kind: str


class TicketDetailOut(TicketOut):
    policy: str | None
    timeline: list[TimelineOut]


class TicketPageOut(Schema):
    count: int
    offset: int
    limit: int
    tickets: list[TicketOut]


def _department(organisation, value: str | None) -> Department | None:
    if not value:
        return None
    found = Department.objects.filter(organisation=organisation)
    department = found.filter(pk=int(value)).first() if value.isdigit() else \
        found.filter(name__iexact=value.strip()).first()
    if department is None:
        raise HttpError(400, f"no department '{value}' in this organisation")
    return department


def _priority(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= 5:
        raise HttpError(400, "priority must be 1 to 5")
    return value


def _ticket_out(ticket: Ticket) -> dict:
    out = {field: getattr(ticket, field) for field in TicketOut.model_fields
           if field not in {"requester", "requester_department", "requester_team"}}
    out["requester"] = ticket.requester_raw
    out["requester_department"] = ticket.requester_department.name if ticket.requester_department else None
    out["requester_team"] = ticket.requester_team.name if ticket.requester_team else None
    return out


@api.get("/v1/orgs/{org_slug}/responsiveness", tags=["responsiveness"])
def responsiveness(request, org_slug: str, filters: Query[ResponsivenessQuery]):
    """The Responsiveness figures, exactly as the page and `teamalign metrics responsiveness --json` give them."""
    membership = org_membership(request, org_slug, Permission.VIEW)
    org = membership.organisation
    return selectors.responsiveness(org, selectors.Filters(
        department=_department(org, filters.department), since=filters.since, priority=_priority(filters.priority)))


@api.get("/v1/orgs/{org_slug}/tickets", response=TicketPageOut, tags=["responsiveness"])
def tickets(request, org_slug: str, filters: Query[TicketListQuery]):
    """Tickets, newest first, filtered like the ticket list page."""
    membership = org_membership(request, org_slug, Permission.VIEW)
    org = membership.organisation
    if filters.state and filters.state != "open" and filters.state not in TicketState.values:
        raise HttpError(400, f"state must be open or one of {', '.join(TicketState.values)}")
    if filters.kind and filters.kind not in TicketKind.values:
        raise HttpError(400, f"kind must be one of {', '.join(TicketKind.values)}")
    if filters.breached and filters.breached not in {"response", "resolution", "any"}:
        raise HttpError(400, "breached must be response, resolution or any")
    if filters.verdict and filters.verdict != "differs":
        raise HttpError(400, "verdict must be differs")
    if filters.source and (len(filters.source) > 40 or "\x00" in filters.source):
        raise HttpError(400, "source is a tool's name such as jira or zendesk (at most 40 characters)")
    team = get_object_or_404(Team, organisation=org, pk=filters.team) if filters.team else None
    found = selectors.tickets(org, selectors.ListFilters(
        department=_department(org, filters.department), team=team, priority=_priority(filters.priority),
        state=filters.state, kind=filters.kind, category=filters.category, it_team=filters.it_team,
        breached=filters.breached, since=filters.since, query=filters.q.strip(), unresolved=filters.unresolved,
        source=(filters.source or "").strip() or None, verdict_differs=filters.verdict == "differs"))
    offset, limit = max(0, filters.offset), max(1, min(filters.limit, 1000))
    return {"count": found.count(), "offset": offset, "limit": limit,
            "tickets": [_ticket_out(t) for t in found[offset:offset + limit]]}


@api.get("/v1/orgs/{org_slug}/tickets/{int:ticket_id}", response=TicketDetailOut, tags=["responsiveness"])
def ticket_detail(request, org_slug: str, ticket_id: int):
    """One ticket with its timeline: state changes (pauses marked), first response, resolution, due times."""
    membership = org_membership(request, org_slug, Permission.VIEW)
    ticket = get_object_or_404(Ticket.objects.filter(organisation=membership.organisation).select_related(
        "requester_department", "requester_team", "policy"), pk=ticket_id)
    out = _ticket_out(ticket)
    out["policy"] = str(ticket.policy) if ticket.policy else None
    out["timeline"] = [vars(e) for e in selectors.ticket_timeline(ticket)]
    return out
