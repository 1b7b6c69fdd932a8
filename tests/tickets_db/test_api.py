"""The Responsiveness API: the same figures as the page, tickets and their timeline."""

from __future__ import annotations

import pytest

from teamalign.tickets import selectors
from teamalign.tickets.models import Ticket

from .conftest import ticket_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(acme, list_csv, import_tickets):
    import_tickets(acme, list_csv([ticket_row("INC1", priority="2 - High"), ticket_row("INC2"),
                                   ticket_row("INC3", state="New", resolved_at="")]))


def test_the_figures_are_the_pages(login, cast, acme, tickets):
    response = login(cast.victor).get("/api/v1/orgs/acme/responsiveness", {"priority": 3, "department": "Operations"})
    assert response.status_code == 200
    expected = selectors.responsiveness(acme, selectors.Filters(
        department=cast.objects["acme"]["departments"]["Operations"], priority=3))
    assert response.json() == expected


def test_tickets_are_listed_filtered_and_paged(login, cast, tickets):
    client = login(cast.victor)
    page = client.get("/api/v1/orgs/acme/tickets", {"state": "open"}).json()
    assert page["count"] == 1 and page["tickets"][0]["external_id"] == "INC3"
    page = client.get("/api/v1/orgs/acme/tickets", {"limit": 2, "offset": 2}).json()
    assert (page["count"], len(page["tickets"])) == (3, 1)
    assert client.get("/api/v1/orgs/acme/tickets", {"state": "sleeping"}).status_code == 422
    assert client.get("/api/v1/orgs/acme/tickets", {"department": "Nope"}).status_code == 404


def test_a_ticket_comes_with_its_timeline(login, cast, tickets):
    ticket = Ticket.objects.get(external_id="INC1")
    body = login(cast.victor).get(f"/api/v1/orgs/acme/tickets/{ticket.pk}").json()
    assert body["requester_department"] == "Operations" and body["policy"] == "Incident P2"
    assert body["timeline"][0]["what"] == "Opened"


def test_other_organisations_tickets_are_not_found(login, cast, tickets):
    ticket = Ticket.objects.get(external_id="INC1")
    client = login(cast.gary)
    assert client.get(f"/api/v1/orgs/acme/tickets/{ticket.pk}").status_code == 404
    assert client.get(f"/api/v1/orgs/globex/tickets/{ticket.pk}").status_code == 404
    assert client.get("/api/v1/orgs/acme/responsiveness").status_code == 404
