"""What the source tool says beside our measurement: first responses from its durations, and its
own SLA verdicts with the tickets where they differ from teamalign's."""

from __future__ import annotations

import json
from html import unescape
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from django.urls import reverse

from teamalign.cli import main
from teamalign.tickets import derive, sources
from teamalign.tickets.importers.base import TICKET_SCHEMA, ParsedTickets, empty_history
from teamalign.tickets.models import Ticket

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
HOUR = 3600


def london(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)  # London is on GMT in early March


def test_a_first_response_given_only_as_a_calendar_duration_is_opened_plus_that_duration(acme, login, cast,
                                                                                         import_tickets):
    result = import_tickets(acme, FIXTURES / "topdesk_calls_durations.csv",
                            mapping=FIXTURES / "topdesk_durations_mapping.toml", as_of=london(5, 12))
    first = Ticket.objects.get(organisation=acme, external_id="M2603 001")
    assert first.response_basis == "calendar_duration"
    assert first.first_response_at == london(2, 9, 30)
    assert (first.response_business_seconds, first.response_calendar_seconds) == (30 * 60, 30 * 60)
    # 16:30 + 90 minutes is 18:00: half an hour of it falls in the 09:00–17:00 schedule.
    late = Ticket.objects.get(organisation=acme, external_id="M2603 002")
    assert late.first_response_at == london(2, 18)
    assert (late.response_business_seconds, late.response_calendar_seconds) == (30 * 60, 90 * 60)
    assert (late.source_response_seconds, late.source_resolution_seconds) == (90 * 60, 1050 * 60)
    waiting = Ticket.objects.get(organisation=acme, external_id="M2603 003")
    assert (waiting.first_response_at, waiting.response_basis, waiting.response_breached) == (None, "time", None)
    assert result.details["first_responses"] == (
        "1 from the export's first-response times; 2 from the export's first-response durations: opened + the "
        "calendar duration, business time then measured in our schedule")
    html = unescape(login(cast.alice).get(reverse("responsiveness_ticket_detail",
                                                  args=["acme", late.pk])).content.decode())
    assert "from TOPdesk's first-response duration: opened + 1 h 30 m (calendar), the business time then measured " \
           "in “Business hours”" in html
    assert "TOPdesk's own figures: first response 1 h 30 m calendar; resolution 17 h 30 m calendar" in html


def test_zendesk_first_reply_durations_give_the_response_times(acme, fixture_file, import_tickets):
    """Zendesk keeps no first-reply instant, only the minutes: the response is created + those minutes."""
    import csv

    import_tickets(acme, fixture_file("zendesk_tickets.csv"))
    with fixture_file("zendesk_tickets.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["First reply time in minutes"] not in ("", "-")]
    assert rows
    for row in rows:
        ticket = Ticket.objects.get(organisation=acme, source="zendesk", external_id=row["Id"])
        minutes = int(row["First reply time in minutes"])
        assert ticket.first_response_at - ticket.opened_at == timedelta(minutes=minutes)
        assert ticket.response_calendar_seconds == minutes * 60
        assert ticket.response_business_seconds is not None


def test_a_business_duration_alone_is_taken_as_the_business_time():
    """A source that gives only its business-hours duration: taken as it is, with no calendar figure."""
    frame = pl.DataFrame({name: [None, None] for name in TICKET_SCHEMA}, schema=TICKET_SCHEMA).with_columns(
        pl.Series("external_id", ["Z1", "Z2"]), pl.Series("kind", ["incident"] * 2),
        pl.Series("state", ["resolved", "new"]), pl.Series("priority", [3, 3], dtype=pl.Int8),
        pl.Series("opened_at", [london(2, 9)] * 2, dtype=TICKET_SCHEMA["opened_at"]),
        pl.Series("source_response_business_seconds", [5 * HOUR, None], dtype=pl.Int64))
    parsed = ParsedTickets(source="zendesk", format="zendesk-csv", tickets=frame, history=empty_history(),
                           rows_read=2, rows_rejected=0, warnings=[])
    tickets, counts, warnings = sources.first_responses(parsed)
    assert tickets["response_basis"].to_list() == ["business_duration", "time"] and not warnings
    assert counts == {"business_duration": 1, "time": 1}
    from teamalign.calc.business_hours import Schedule

    rules = derive.Rules(policies=[derive.Policy(1, "incident", 3, 4 * HOUR, None, 7)],
                         schedules={7: Schedule("UTC", {"mon": [("09:00", "17:00")]})}, default_schedule_id=7,
                         as_of=london(2, 10))
    out = derive.measure(tickets, empty_history(), rules)
    assert out["response_business_seconds"].to_list() == [5 * HOUR, None]
    assert out["response_calendar_seconds"].to_list() == [None, None]
    assert out["response_breached"].to_list() == [True, None]  # 5 h > 4 h; the other is not yet due


def test_durations_that_cannot_be_real_are_ignored_with_a_warning():
    frame = pl.DataFrame({name: [None, None] for name in TICKET_SCHEMA}, schema=TICKET_SCHEMA).with_columns(
        pl.Series("external_id", ["A", "B"]), pl.Series("opened_at", [london(2, 9)] * 2,
                                                        dtype=TICKET_SCHEMA["opened_at"]),
        pl.Series("source_response_seconds", [-60, 10**15], dtype=pl.Int64))
    parsed = ParsedTickets(source="csv", format="mapped-csv", tickets=frame, history=empty_history(),
                           rows_read=2, rows_rejected=0, warnings=[])
    tickets, _counts, warnings = sources.first_responses(parsed)
    assert tickets["first_response_at"].to_list() == [None, None]
    assert warnings == ["2 first-response duration(s) are negative or longer than 20 years (bad source data); "
                        "they were ignored"]


# --------------------------------------------------------------------------- verdicts

@pytest.fixture
def jira(acme, import_tickets):
    import_tickets(acme, FIXTURES / "jira_without_first_response.csv")


def test_jiras_own_verdicts_are_kept_beside_ours(acme, jira):
    verdicts = {t.external_id: (t.source_resolution_breached, t.resolution_breached)
                for t in Ticket.objects.filter(organisation=acme)}
    # OPS-201: 2 h left when resolved (met), 6 business hours against 8 (met).
    # FIN-77: 4 h 30 m over Jira's goal (breached), 8 h 30 m against teamalign's 24 h (met).
    # FIN-78: Jira's cycle still runs, so no verdict yet; OPS-202 has no Jira SLA value.
    assert verdicts["OPS-201"] == (False, False)
    assert verdicts["FIN-77"] == (True, False)
    assert verdicts["FIN-78"][0] is None and verdicts["OPS-202"][0] is None


def test_the_page_counts_where_the_verdicts_differ_and_links_to_those_tickets(cast, acme, login, capsys, jira):
    client = login(cast.alice)
    page = client.get(reverse("responsiveness", args=["acme"]))
    verdict = page.context["figures"]["source_verdicts"]
    assert verdict == [{
        "source": "jira", "tickets": 2, "differ": 1,
        "response_compared": 0, "response_differ": 0, "response_attainment": None,
        "response_source_attainment": None, "response_source_breached_teamalign_met": 0,
        "response_source_met_teamalign_breached": 0,
        "resolution_compared": 2, "resolution_differ": 1, "resolution_attainment": 1.0,
        "resolution_source_attainment": 0.5, "resolution_source_breached_teamalign_met": 1,
        "resolution_source_met_teamalign_breached": 0}]
    html = page.content.decode()
    assert "Jira's SLA verdict differs from teamalign's on 1 ticket</strong> (of 2 with a Jira verdict)" in html
    assert "Why: schedule and policy differences." in html
    link = reverse("responsiveness_ticket_list", args=["acme"]) + "?verdict=differs&amp;source=jira"
    assert link in html
    listed = client.get(reverse("responsiveness_ticket_list", args=["acme"]), {"verdict": "differs", "source": "jira"})
    assert [t.external_id for t in listed.context["page"]] == ["FIN-77"]
    assert "Jira: breached" in listed.content.decode()
    # The same count from the CLI and the API.
    assert main(["metrics", "responsiveness", "--org", "acme", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["source_verdicts"] == verdict
    assert client.get("/api/v1/orgs/acme/responsiveness").json()["source_verdicts"] == verdict
    api = client.get("/api/v1/orgs/acme/tickets", {"verdict": "differs"}).json()
    assert [t["external_id"] for t in api["tickets"]] == ["FIN-77"]
    assert api["tickets"][0]["source_resolution_breached"] is True
    assert client.get("/api/v1/orgs/acme/tickets", {"verdict": "maybe"}).status_code == 422


def test_filters_narrow_the_verdicts_and_their_link(cast, acme, login, jira):
    operations = cast.objects["acme"]["departments"]["Operations"]
    page = login(cast.alice).get(reverse("responsiveness", args=["acme"]), {"department": operations.pk})
    assert page.context["figures"]["source_verdicts"][0]["differ"] == 0
    assert "Jira's SLA verdicts agree with teamalign's on all 1 ticket that have both" in page.content.decode()
    finance = cast.objects["acme"]["departments"]["Finance"]
    page = login(cast.alice).get(reverse("responsiveness", args=["acme"]), {"department": finance.pk})
    assert f"?verdict=differs&amp;source=jira&amp;department={finance.pk}" in page.content.decode()


def test_the_ticket_page_shows_both_verdicts_and_where_they_differ(cast, acme, login, jira):
    ticket = Ticket.objects.get(organisation=acme, external_id="FIN-77")
    html = login(cast.alice).get(reverse("responsiveness_ticket_detail", args=["acme", ticket.pk])).content.decode()
    cell = html[html.index('id="source-resolution-verdict"'):]
    assert cell.index("breached") < cell.index("differs") < cell.index("</td>")
    assert "Jira judged the ticket against its own SLA calendar, goals and pause rules" in html


def test_any_verdict_or_source_filter_is_a_page_or_a_clear_422(cast, acme, login, jira):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    client = login(cast.alice)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(verdict=st.one_of(st.just("differs"), st.text(max_size=20)), source=st.text(max_size=60))
    def check(verdict, source):
        query = {"verdict": verdict, "source": source}
        api = client.get("/api/v1/orgs/acme/tickets", query)
        assert api.status_code in (200, 422), api.content
        if api.status_code == 422:
            assert api.json()["detail"]
        page = client.get(reverse("responsiveness_ticket_list", args=["acme"]), query)
        assert page.status_code == 200

    check()
