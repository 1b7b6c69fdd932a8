"""tickets_recompute: settings changes reach every stored ticket, and only changed rows are written."""

from __future__ import annotations

import pytest

from teamalign.tickets.models import SlaPolicy, Ticket
from teamalign.tickets.services import requester_rule_save, sla_policy_save, tickets_recompute

from .conftest import ticket_row

pytestmark = pytest.mark.django_db


def test_a_tighter_policy_turns_met_tickets_into_breaches(acme, list_csv, import_tickets):
    # Resolved in 2 business hours; the default P3 target is 3 business days.
    import_tickets(acme, list_csv([ticket_row("INC1"), ticket_row("INC2", priority="4 - Low")]))
    assert Ticket.objects.get(external_id="INC1").resolution_breached is False
    assert tickets_recompute(acme) == {"tickets": 2, "updated": 0}
    policy = SlaPolicy.objects.get(organisation=acme, kind="incident", priority=3)
    sla_policy_save(organisation=acme, policy=policy, kind="incident", priority=3, response_target_seconds=None,
                    resolution_target_seconds=3600, schedule=policy.schedule, pause_states=["on_hold"])
    assert tickets_recompute(acme) == {"tickets": 2, "updated": 1}
    ticket = Ticket.objects.get(external_id="INC1")
    assert ticket.resolution_breached is True and ticket.response_breached is None
    assert Ticket.objects.get(external_id="INC2").resolution_breached is False


def test_a_new_rule_places_requesters_already_imported(cast, acme, list_csv, import_tickets):
    import_tickets(acme, list_csv([ticket_row("INC1", **{"caller_id": "Temp Worker", "caller_id.email": "",
                                                          "location": "Depot 7"})]))
    assert Ticket.objects.get(external_id="INC1").requester_department is None
    requester_rule_save(organisation=acme, field="location", value="Depot 7",
                        department=cast.objects["acme"]["departments"]["Operations"])
    assert tickets_recompute(acme)["updated"] == 1
    assert Ticket.objects.get(external_id="INC1").requester_department.name == "Operations"


def test_a_reimport_after_the_directory_changed_moves_the_ticket(cast, acme, list_csv, import_tickets):
    from teamalign.orgs.services import person_save

    path = list_csv([ticket_row("INC1", **{"caller_id": "New Starter", "caller_id.email": "new@acme.example"})])
    import_tickets(acme, path)
    person_save(organisation=acme, name="New Starter", email="new@acme.example",
                team=cast.objects["acme"]["teams"]["Finance"])
    result = import_tickets(acme, path)
    assert (result.created, result.updated) == (0, 1)
    assert Ticket.objects.get(external_id="INC1").requester_department.name == "Finance"
