"""Objects of the Responsiveness area (tickets app) for the cast, so that the isolation tests
can try its pages with a real ticket, schedule, SLA policy and requester rule of each organisation.

Belongs with the tickets tests: move it to tests/tickets/cast.py (or merge it into one there) when
that area plants its own; tests/conftest.py calls `plant(cast)` of every tests/<area>/cast.py.
"""

from __future__ import annotations

from datetime import UTC, datetime


def plant(cast) -> None:
    from django.apps import apps

    if not apps.is_installed("teamalign.tickets"):
        return
    from teamalign.tickets import services
    from teamalign.tickets.models import RequesterRule, Ticket

    opened = datetime(2026, 1, 5, 10, tzinfo=UTC)
    for slug, org in (("acme", cast.acme), ("globex", cast.globex)):
        objects = cast.objects[slug]
        operations = objects["departments"]["Operations"]
        services.policies_ensure_default(org)  # the default schedule and SLA policies
        objects["requester_rule"] = RequesterRule.objects.create(
            organisation=org, field=RequesterRule.Field.LOCATION, value=f"{org.name} depot", department=operations)
        objects["ticket"] = Ticket.objects.create(
            organisation=org, source="servicenow", external_id=f"INC-{slug.upper()}-1", kind="incident",
            state="new", priority=2, title=f"The {org.name} label printer is down", opened_at=opened, as_of=opened,
            requester_person=objects["people"]["olivia" if slug == "acme" else "gina"],
            requester_department=operations)
