"""API endpoints of the Responsiveness area: the figures, and tickets with their timeline.

Mounted on the shared ``api`` router (imported at the bottom of teamalign/api/urls.py). Thin:
each endpoint checks the organisation and role, then calls the tickets selectors.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.shortcuts import get_object_or_404
from ninja import Path, Query, Schema
from ninja.errors import HttpError
from pydantic import Field

from teamalign.orgs.models import Department, Team
from teamalign.orgs.roles import Permission
from teamalign.tickets import selectors
from teamalign.tickets.models import Ticket, TicketKind, TicketState

from .auth import org_membership
from .errors import error_responses
from .params import ID_MAX, FilterDate, ObjectId, Offset, Priority, Text
from .urls import SAME_ORG, api, links

StateFilter = Literal["open", *TicketState.values]
KindFilter = Literal[*TicketKind.values]


class ResponsivenessQuery(Schema):
    department: Text | None = None  # a department's name (any case) or id; 404 when the organisation has none
    since: FilterDate | None = None  # opened on or after midnight of this day, in the organisation's time zone
    priority: Priority | None = None


class TicketListQuery(ResponsivenessQuery):
    team: ObjectId | None = None  # a team's id; 404 when the organisation has none
    state: StateFilter | None = None  # a normalised state, or "open" for any open one
    kind: KindFilter | None = None
    category: Text | None = None
    it_team: Text | None = None
    breached: Literal["response", "resolution", "any"] | None = None
    unresolved: bool = False  # only tickets whose requester is in no department
    source: Annotated[str, Field(max_length=40, pattern=r"^[^\x00]*$")] | None = None  # the tool, e.g. jira
    verdict: Literal["differs"] | None = None  # "differs": the source's SLA verdict differs from teamalign's
    q: Text = ""  # searches numbers and titles
    offset: Offset = 0
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


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
    """A department named by id or by name; 404 when this organisation has none such."""
    if not value or not value.strip():
        return None
    found = Department.objects.filter(organisation=organisation)
    # isascii: "²" and "٣" are digits to str.isdigit() but not to int().
    if value.isascii() and value.isdigit() and 0 < int(value) <= ID_MAX:
        department = found.filter(pk=int(value)).first()
    else:
        department = found.filter(name__iexact=value.strip()).first()
    if department is None:
        raise HttpError(404, f"No department '{value}' in this organisation.")
    return department


def _ticket_out(ticket: Ticket) -> dict:
    out = {field: getattr(ticket, field) for field in TicketOut.model_fields
           if field not in {"requester", "requester_department", "requester_team"}}
    out["requester"] = ticket.requester_raw
    out["requester_department"] = ticket.requester_department.name if ticket.requester_department else None
    out["requester_team"] = ticket.requester_team.name if ticket.requester_team else None
    return out


@api.get("/v1/orgs/{org_slug}/responsiveness", response={200: dict, **error_responses(403, 404, 422)},
         tags=["responsiveness"])
def responsiveness(request, org_slug: str, filters: Query[ResponsivenessQuery]):
    """The Responsiveness figures, exactly as the page and `teamalign metrics responsiveness --json` give them."""
    membership = org_membership(request, org_slug, Permission.VIEW)
    org = membership.organisation
    return selectors.responsiveness(org, selectors.Filters(
        department=_department(org, filters.department), since=filters.since, priority=filters.priority))


@api.get("/v1/orgs/{org_slug}/tickets", response={200: TicketPageOut, **error_responses(403, 404, 422)},
         tags=["responsiveness"],
         openapi_extra={"responses": {200: {"links": links(ticket=("ticket_detail", {
             **SAME_ORG, "ticket_id": "$response.body#/tickets/0/id"}))}}})
def tickets(request, org_slug: str, filters: Query[TicketListQuery]):
    """Tickets, newest first, filtered like the ticket list page."""
    membership = org_membership(request, org_slug, Permission.VIEW)
    org = membership.organisation
    team = None
    if filters.team is not None:
        team = Team.objects.filter(organisation=org, pk=filters.team).first()
        if team is None:
            raise HttpError(404, f"No team {filters.team} in this organisation.")
    found = selectors.tickets(org, selectors.ListFilters(
        department=_department(org, filters.department), team=team, priority=filters.priority,
        state=filters.state, kind=filters.kind, category=filters.category, it_team=filters.it_team,
        breached=filters.breached, since=filters.since, query=filters.q.strip(), unresolved=filters.unresolved,
        source=(filters.source or "").strip() or None, verdict_differs=filters.verdict == "differs"))
    return {"count": found.count(), "offset": filters.offset, "limit": filters.limit,
            "tickets": [_ticket_out(t) for t in found[filters.offset:filters.offset + filters.limit]]}


@api.get("/v1/orgs/{org_slug}/tickets/{int:ticket_id}",
         response={200: TicketDetailOut, **error_responses(403, 404, 422)}, tags=["responsiveness"])
def ticket_detail(request, org_slug: str, ticket_id: int = Path(..., ge=1, le=ID_MAX)):
    """One ticket with its timeline: state changes (pauses marked), first response, resolution, due times."""
    membership = org_membership(request, org_slug, Permission.VIEW)
    ticket = get_object_or_404(Ticket.objects.filter(organisation=membership.organisation).select_related(
        "requester_department", "requester_team", "policy"), pk=ticket_id)
    out = _ticket_out(ticket)
    out["policy"] = str(ticket.policy) if ticket.policy else None
    out["timeline"] = [vars(e) for e in selectors.ticket_timeline(ticket)]
    return out
