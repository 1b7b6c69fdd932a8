"""A figure with no data behind it is "not measured" — null in JSON, words on the page — never 0.

ServiceNow list exports and Jira exports without the first-response field record no first
responses; Jira records no reassignment or reopen counts. Each is checked on the page, in
`teamalign metrics responsiveness --json` and in the API, which must agree.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from teamalign.cli import main
from teamalign.tickets import services
from teamalign.tickets.models import SlaPolicy, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def fixture(request):
    from pathlib import Path

    def path(name: str) -> Path:
        return Path(__file__).parent / "fixtures" / name

    return path


def three_ways(login, user, capsys, *, department=None, priority=None, since=None) -> tuple[dict, dict, dict]:
    """The Responsiveness figures from the page, the CLI's --json and the API, for the same filters."""
    from django.core.cache import cache

    cache.clear()  # the page keeps its HTML per data version: make it compute the figures again
    page_query, api_query, argv = {}, {}, ["metrics", "responsiveness", "--org", "acme", "--json"]
    if department is not None:
        page_query["department"], api_query["department"] = department.pk, department.name
        argv += ["--department", department.name]
    if priority is not None:
        page_query["priority"] = api_query["priority"] = priority
        argv += ["--priority", str(priority)]
    if since is not None:
        page_query["since"] = api_query["since"] = since
        argv += ["--since", since]
    client = login(user)
    page = client.get(reverse("responsiveness", args=["acme"]), page_query)
    assert page.status_code == 200
    capsys.readouterr()
    assert main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    api = client.get("/api/v1/orgs/acme/responsiveness", api_query)
    assert api.status_code == 200
    return json.loads(json.dumps(page.context["figures"], default=str)), printed, api.json()


def test_a_servicenow_list_export_leaves_response_not_measured_on_page_cli_and_api(
        cast, acme, login, capsys, fixture, import_tickets):
    result = import_tickets(acme, fixture("servicenow_list_no_last_update.csv"))
    assert result.created == 6
    assert "6 not measured: the export has no first-response data" in result.details["first_responses"]
    operations = cast.objects["acme"]["departments"]["Operations"]
    for filters in ({}, {"department": operations}, {"department": operations, "priority": 3}):
        page, cli, api = three_ways(login, cast.victor, capsys, **filters)
        assert page == cli == api
        for group in ("operations", "others", "all"):
            row = page[group]
            assert (row["response_attainment"], row["response_median"], row["response_p90"]) == (None, None, None)
            assert row["response_measured"] == 0 and row["response_not_recorded"] == row["tickets"]
        assert page["response_not_recorded_sources"] == ["servicenow"]
    # The filters exclude something: Operations has 4 of the 6 tickets, 2 of them at P3.
    assert page["tickets"] == 2 and cli["all"]["tickets"] == 2
    assert three_ways(login, cast.victor, capsys, department=operations)[0]["tickets"] == 4
    # The new tickets, weeks old, did not "breach" a response nobody records.
    assert not Ticket.objects.filter(organisation=acme, response_breached__isnull=False).exists()
    assert not Ticket.objects.filter(organisation=acme, response_due_at__isnull=False).exists()

    html = login(cast.olivia).get(reverse("responsiveness", args=["acme"])).content.decode()
    assert "Time to first response is <strong>not measured</strong>: ServiceNow export" in html
    # No response card, column or chart claims a figure; resolution is measured as usual.
    assert 'id="ops-response-attainment"' not in html and 'id="ops-response-median"' not in html
    assert "Response median" not in html and 'id="ops-resolution-attainment"' in html
    assert 'id="monthly-response-not-measured"' in html


def test_response_stays_unmeasured_after_the_tickets_are_measured_again(acme, fixture, import_tickets):
    import_tickets(acme, fixture("servicenow_list_no_last_update.csv"))
    SlaPolicy.objects.filter(organisation=acme).update(response_target_seconds=60)
    services.tickets_recompute(acme)
    assert set(Ticket.objects.filter(organisation=acme).values_list("response_basis", flat=True)) == {"none"}
    assert not Ticket.objects.filter(organisation=acme, response_breached__isnull=False).exists()


def test_a_jira_export_without_the_first_response_field_and_counts_is_not_measured(
        cast, acme, login, capsys, fixture, import_tickets):
    import_tickets(acme, fixture("jira_without_first_response.csv"))
    page, cli, api = three_ways(login, cast.alice, capsys)
    assert page == cli == api
    everyone = page["all"]
    assert everyone["response_attainment"] is None and everyone["response_not_recorded"] == 4
    # Jira records no reopen or reassignment counts: not measured, not 0 %.
    assert (everyone["reopen_rate"], everyone["mean_reassignments"]) == (None, None)
    # Resolution is measured as usual: two resolved, and the P1 still open past its 4 h target.
    assert everyone["resolution_measured"] == 3
    ticket = Ticket.objects.get(organisation=acme, external_id="OPS-202")
    assert (ticket.reassignment_count, ticket.reopen_count, ticket.response_basis) == (None, None, "none")
    body = login(cast.alice).get(f"/api/v1/orgs/acme/tickets/{ticket.pk}").json()
    assert (body["reassignment_count"], body["reopen_count"], body["response_basis"]) == (None, None, "none")
    html = login(cast.alice).get(reverse("responsiveness_ticket_detail", args=["acme", ticket.pk])).content.decode()
    assert "is not measured: this Jira export has no first-response data" in html
    assert html.count(">not recorded<") >= 2


def test_a_jira_export_with_the_first_response_field_is_measured(cast, acme, fixture_file, import_tickets):
    result = import_tickets(acme, fixture_file("jira_service_management.csv"))
    assert set(Ticket.objects.filter(organisation=acme).values_list("response_basis", flat=True)) == {"time"}
    assert result.details["first_responses"].startswith("12 from the export's first-response times")


def test_tickets_without_first_response_data_are_left_out_beside_measured_ones(
        cast, acme, login, capsys, fixture, fixture_file, import_tickets):
    import_tickets(acme, fixture("servicenow_list_no_last_update.csv"))
    # Taken at noon on 5 March: the call logged at 10:00 is not yet due for its 4 h response.
    import_tickets(acme, fixture("topdesk_calls_durations.csv"), mapping=fixture("topdesk_durations_mapping.toml"),
                   as_of=datetime(2026, 3, 5, 12, tzinfo=UTC))
    page, cli, api = three_ways(login, cast.alice, capsys)
    assert page == cli == api
    assert page["all"]["response_not_recorded"] == 6 and page["all"]["response_measured"] == 2
    assert page["all"]["response_attainment"] == 1.0
    html = login(cast.alice).get(reverse("responsiveness", args=["acme"])).content.decode()
    assert "6 tickets are left out of the first-response figures: ServiceNow export" in html
    assert 'id="ops-response-attainment"' in html


def test_the_ticket_list_says_why_a_time_is_missing(cast, acme, login, fixture, import_tickets):
    import_tickets(acme, fixture("servicenow_list_no_last_update.csv"))
    html = login(cast.alice).get(reverse("responsiveness_ticket_list", args=["acme"])).content.decode()
    assert html.count(">not recorded<") == 6
    assert html.count(">open<") == 4
