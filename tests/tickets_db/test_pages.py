"""The Responsiveness pages: figures, ticket list and timeline, settings; and `metrics --json`."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from teamalign.cli import main
from teamalign.tickets.models import RequesterRule, Schedule, SlaPolicy, Ticket

from .conftest import ticket_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(cast, acme, list_csv, import_tickets):
    """Operations (Olivia) and Finance (Victor) tickets at P2; one open, one in no department."""
    finance = {"caller_id": "Victor Varga", "caller_id.email": "victor@acme.example"}
    rows = [
        ticket_row("INC1", priority="2 - High", resolved_at="2026-03-02 15:00:00"),  # Ops, 6 h
        ticket_row("INC2", priority="2 - High", resolved_at="2026-03-03 11:00:00"),  # Ops, 10 h
        ticket_row("INC3", priority="2 - High", resolved_at="2026-03-02 11:00:00", **finance),  # Finance, 2 h
        ticket_row("INC4", priority="3 - Moderate", state="In Progress", resolved_at=""),
        ticket_row("INC5", **{"caller_id": "Who Knows", "caller_id.email": ""}),
    ]
    import_tickets(acme, list_csv(rows))
    return rows


def url(name: str, *args) -> str:
    return reverse(name, args=["acme", *args])


def test_the_page_leads_with_operations_and_compares_at_the_same_priority(login, cast, tickets):
    page = login(cast.olivia).get(url("responsiveness"))
    assert page.status_code == 200
    figures = page.context["figures"]
    assert figures["operations"]["tickets"] == 3 and figures["others"]["tickets"] == 1
    p2 = next(r for r in figures["operations_vs_others"] if r["priority"] == 2)
    assert (p2["operations_resolution_median"], p2["others_resolution_median"]) == (8 * 3600, 2 * 3600)
    assert p2["resolution_ratio"] == 4.0
    # Three tickets against one cannot carry a ratio: the page says so instead of showing 4.00×.
    assert p2["resolution_comparable"] is False and p2["resolution_verdict"] == "too_few"
    html = page.content.decode()
    assert 'id="ops-resolution-median">8 h 00 m<' in html
    assert "4.00×" not in html and "too few tickets to compare" in html
    assert "1 ticket has a requester who is in no department" in html


def test_the_page_filters_by_department_since_and_priority(login, cast, tickets):
    finance = cast.objects["acme"]["departments"]["Finance"]
    page = login(cast.victor).get(url("responsiveness"), {"department": finance.pk, "priority": 2,
                                                          "since": "2026-03-01"})
    assert page.context["figures"]["tickets"] == 1
    assert page.context["figures"]["filters"] == {"department": "Finance", "since": "2026-03-01", "priority": 2}
    empty = login(cast.victor).get(url("responsiveness"), {"since": "2027-01-01"})
    assert empty.context["figures"]["tickets"] == 0 and b"No tickets match these filters" in empty.content


def test_metrics_json_prints_the_numbers_the_page_shows(login, cast, tickets, capsys):
    page = login(cast.alice).get(url("responsiveness"), {"priority": 2, "since": "2026-03-01"})
    assert main(["metrics", "responsiveness", "--org", "acme", "--priority", "2", "--since", "2026-03-01",
                 "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(page.context["figures"], default=str))
    ops = cast.objects["acme"]["departments"]["Operations"]
    page = login(cast.alice).get(url("responsiveness"), {"department": ops.pk})
    assert main(["metrics", "responsiveness", "--org", "acme", "--department", "operations", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(page.context["figures"], default=str))


def test_metrics_without_json_prints_tables_and_rejects_unknown_names(cast, tickets, capsys):
    assert main(["metrics", "responsiveness", "--org", "acme"]) == 0
    assert "Operations" in capsys.readouterr().out
    assert main(["metrics", "responsiveness", "--org", "acme", "--department", "Nope"]) == 2
    assert main(["metrics", "responsiveness", "--org", "nope"]) == 2


def test_cached_figures_follow_imports(login, cast, acme, tickets, list_csv, import_tickets):
    client = login(cast.alice)
    assert client.get(url("responsiveness")).context["figures"]["tickets"] == 5
    import_tickets(acme, list_csv([ticket_row("INC9")], name="more.csv"))
    assert client.get(url("responsiveness")).context["figures"]["tickets"] == 6


def test_the_ticket_list_filters_and_the_detail_shows_the_timeline(login, cast, acme, tickets):
    client = login(cast.victor)
    listed = client.get(url("responsiveness_ticket_list"), {"state": "open"})
    assert [t.external_id for t in listed.context["page"]] == ["INC4"]
    unplaced = client.get(url("responsiveness_ticket_list"), {"unresolved": "on"})
    assert [t.external_id for t in unplaced.context["page"]] == ["INC5"]
    ticket = Ticket.objects.get(organisation=acme, external_id="INC1")
    detail = client.get(url("responsiveness_ticket_detail", ticket.pk))
    assert detail.status_code == 200
    whats = [e.what for e in detail.context["timeline"]]
    assert whats[0] == "Opened" and "Resolution due" in whats


def test_another_organisations_ticket_is_not_found(login, cast, tickets):
    ticket = Ticket.objects.get(external_id="INC1")
    assert login(cast.gary).get(reverse("responsiveness_ticket_detail", args=["globex", ticket.pk])).status_code == 404


def test_text_from_the_file_is_escaped(login, cast, acme, list_csv, import_tickets):
    import_tickets(acme, list_csv([ticket_row("INC7", short_description="<script>alert(1)</script>")]))
    ticket = Ticket.objects.get(external_id="INC7")
    html = login(cast.alice).get(url("responsiveness_ticket_detail", ticket.pk)).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_only_admins_change_the_settings(login, cast, tickets):
    assert login(cast.ivan).get(url("responsiveness_settings")).status_code == 403
    assert login(cast.alice).get(url("responsiveness_settings")).status_code == 200


def test_an_admin_edits_a_schedule_with_holidays(login, cast, acme, tickets):
    schedule = Schedule.objects.get(organisation=acme)
    response = login(cast.alice).post(url("responsiveness_schedule_edit", schedule.pk), {
        "name": "Warehouse hours", "timezone": "Europe/London", "holidays": "2026-12-24\n2026-12-31",
        "holiday_country": "gb", "holiday_subdivision": "eng", "day_mon": "06:00-14:00, 22:00-06:00",
        "day_tue": "06:00-14:00", "day_wed": "", "day_thu": "", "day_fri": "", "day_sat": "", "day_sun": ""})
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.name == "Warehouse hours" and schedule.holiday_country == "GB"
    assert schedule.weekly["mon"] == [["06:00", "14:00"], ["22:00", "06:00"]]
    assert schedule.holidays == ["2026-12-24", "2026-12-31"]


def test_a_bad_schedule_is_refused_with_a_message(login, cast, acme, tickets):
    response = login(cast.alice).post(url("responsiveness_schedule_new"), {
        "name": "Bad", "timezone": "Mars/Olympus", "day_mon": "9-5", **{f"day_{d}": "" for d in
                                                                       ("tue", "wed", "thu", "fri", "sat", "sun")}})
    assert response.status_code == 200
    assert not Schedule.objects.filter(organisation=acme, name="Bad").exists()
    assert response.context["form"].errors


def test_changing_a_policy_measures_the_tickets_again(login, cast, acme, tickets):
    policy = SlaPolicy.objects.get(organisation=acme, kind="incident", priority=2)
    assert Ticket.objects.get(external_id="INC1").resolution_breached is False
    response = login(cast.alice).post(url("responsiveness_sla_policy_edit", policy.pk), {
        "kind": "incident", "priority": "2", "response_target_hours": "1", "resolution_target_hours": "3",
        "schedule": policy.schedule_id, "pause_states": ["on_hold"]})
    assert response.status_code == 302
    # The tests run background jobs at once, so the recompute has happened.
    assert Ticket.objects.get(external_id="INC1").resolution_breached is True
    assert Ticket.objects.get(external_id="INC3").resolution_breached is False


def test_a_requester_rule_is_added_and_deleted(login, cast, acme, tickets):
    client = login(cast.alice)
    ops = cast.objects["acme"]["departments"]["Operations"]
    client.post(url("responsiveness_requester_rule_add"), {"field": "requester_name", "value": "who knows",
                                                          "department": ops.pk})
    assert Ticket.objects.get(external_id="INC5").requester_department == ops
    rule = RequesterRule.objects.get(organisation=acme)
    client.post(url("responsiveness_requester_rule_delete", rule.pk))
    assert Ticket.objects.get(external_id="INC5").requester_department is None


def test_settings_forms_need_the_csrf_token(login, cast, acme, tickets):
    client = login(cast.alice, enforce_csrf_checks=True)
    assert client.post(url("responsiveness_tickets_recompute")).status_code == 403


def test_the_figures_are_served_from_the_cache_until_the_data_changes(login, cast, acme, tickets, list_csv,
                                                                     import_tickets):
    client = login(cast.alice)
    first = client.get(url("responsiveness")).content.decode()
    again = client.get(url("responsiveness"))
    assert "figures" not in again.context  # not computed again
    assert 'id="ops-resolution-median">8 h 00 m<' in again.content.decode()
    assert again.content.decode().count("ops-vs-others") == first.count("ops-vs-others")
    import_tickets(acme, list_csv([ticket_row("INC8", priority="2 - High", resolved_at="2026-03-02 19:00:00")],
                                  name="later.csv"))
    assert client.get(url("responsiveness")).context["figures"]["tickets"] == 6


def test_renaming_a_department_shows_at_once(login, cast, tickets):
    from teamalign.orgs.services import department_save

    client = login(cast.alice)
    assert "Finance" in client.get(url("responsiveness")).content.decode()
    finance = cast.objects["acme"]["departments"]["Finance"]
    department_save(organisation=cast.acme, department=finance, name="Treasury", kind="other")
    page = client.get(url("responsiveness")).content.decode()
    assert "Treasury" in page
