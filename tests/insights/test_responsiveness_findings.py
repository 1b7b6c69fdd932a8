"""The Responsiveness findings (teamalign/tickets/findings.py): each planted pattern of the demo's
ticket planter yields its finding, a clean organisation yields none, and a sample too small to
carry a comparison yields neither a finding nor a red ratio."""

from __future__ import annotations

import pytest

from teamalign.insights import selectors, services
from teamalign.tickets.demo import PATTERNS

pytestmark = pytest.mark.django_db

EXPECTED = {
    # pattern → the findings it must yield, and the ones it may also yield (its consequences)
    "p2_wait": ({"ops_waits_longer:P2"}, {"ops_resolved_later:P2"}),
    "watermelon": ({"reopen_outlier:Business Applications", "reassignment_ping_pong:Business Applications"}, set()),
    "shifts": ({"sla_calendar_mismatch"}, set()),
    "stuck": ({"ops_aged_backlog"}, set()),
}


def keys(org) -> set[str]:
    return {f.key for f in selectors.findings(org)}


def test_a_clean_organisation_yields_no_finding(demo_acme, plant):
    plant(demo_acme, patterns=())
    assert keys(demo_acme) == set()
    payload = selectors.findings_payload(demo_acme)
    assert payload["findings"] == [] and payload["errors"] == []


@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_planted_pattern_yields_its_finding(demo_acme, plant, pattern):
    plant(demo_acme, patterns=(pattern,))
    must, may = EXPECTED[pattern]
    found = keys(demo_acme)
    assert must <= found, found
    assert found <= must | may, found


def test_the_demo_patterns_together_read_as_the_issue_says(demo_acme, plant):
    plant(demo_acme, patterns=PATTERNS, tickets=8000)
    found = {f.key: f for f in selectors.findings(demo_acme)}
    assert set().union(*(must for must, _may in EXPECTED.values())) <= set(found)

    wait = found["ops_waits_longer:P2"]
    assert wait.severity_slug == "high" and wait.pillar == "responsiveness"
    assert wait.title.startswith("Operations waits ") and "longer than other departments for a first response at P2: " \
        in wait.title
    figures = {f["label"]: f["value"] for f in wait.evidence["figures"]}
    assert figures["Ratio (Operations ÷ others)"] > 3
    assert figures["95 % interval of the ratio, low"] > 1.5
    assert wait.evidence["statistics"]["p_value"] < 0.01
    assert {r["kind"] for r in wait.recommendations} >= {"process", "cross_functional_meeting"}
    assert all(r["text"] and r["reason"] for r in wait.recommendations)

    watermelon = found["reopen_outlier:Business Applications"]
    assert watermelon.severity_slug == "high" and watermelon.evidence["statistics"]["watermelon"] is True
    assert "a green SLA over work that comes back" in watermelon.title
    # Worst first: the P2 wait leads, the green-SLA watermelon next.
    assert [f.key for f in selectors.findings(demo_acme)][:2] == ["ops_waits_longer:P2",
                                                                   "reopen_outlier:Business Applications"]


def test_every_evidence_link_opens_a_page_that_shows_it(demo_acme, plant, cast, login):
    plant(demo_acme, patterns=PATTERNS)
    client = login(cast.victor)
    for finding in selectors.findings_payload(demo_acme)["findings"]:
        assert finding["evidence"]["links"], finding["key"]
        for link in finding["evidence"]["links"]:
            assert link["url"], link
            assert client.get(link["url"]).status_code == 200, link


def test_the_thresholds_move_the_findings(demo_acme, plant):
    plant(demo_acme, patterns=("watermelon",))
    assert "reopen_outlier:Business Applications" in keys(demo_acme)
    services.finding_settings_save(organisation=demo_acme, thresholds={"reopen_outlier.min_rate": 0.5})
    assert "reopen_outlier:Business Applications" not in keys(demo_acme)  # 35 % is below 50 %
    resolved = {f.key for f in selectors.findings(demo_acme, resolved=True)}
    assert "reopen_outlier:Business Applications" in resolved


def test_a_bigger_minimum_count_silences_comparisons_on_too_few_tickets(demo_acme, plant):
    plant(demo_acme, patterns=("p2_wait",), tickets=1200)
    assert "ops_waits_longer:P2" in keys(demo_acme)
    services.finding_settings_save(organisation=demo_acme, thresholds={"comparison.min_tickets": 500})
    assert keys(demo_acme) == set()


def _sample_with_rules(acme, shared_event_log, import_tickets):
    """The real ServiceNow sample with two locations placed, as a new user places them from the
    suggestions: Operations (Location 204, the most frequent) and Finance (Location 51). At P1
    that compares the resolution times of 5 Operations tickets with 1 of Finance: 4.61×."""
    from teamalign.tickets.services import requester_rule_save

    departments = {d.name: d for d in acme.departments.all()}
    requester_rule_save(organisation=acme, field="location", value="Location 204", department=departments["Operations"])
    requester_rule_save(organisation=acme, field="location", value="Location 51", department=departments["Finance"])
    result = import_tickets(acme, shared_event_log)
    assert result.created == 890


def test_the_real_sample_shows_no_red_ratio_on_a_handful_of_tickets(acme, shared_event_log, import_tickets, cast,
                                                                    login):
    from teamalign.tickets import selectors as ticket_selectors

    _sample_with_rules(acme, shared_event_log, import_tickets)
    figures = ticket_selectors.responsiveness(acme)
    p1 = next(r for r in figures["operations_vs_others"] if r["priority"] == 1)
    assert (p1["operations_resolution_measured"], p1["others_resolution_measured"]) == (5, 1)
    assert p1["resolution_ratio"] == pytest.approx(4.61, abs=0.005)  # the ratio that was shown in red …
    assert p1["resolution_verdict"] == "too_few" and not p1["resolution_alert"]  # … carries nothing
    assert not any(r["response_alert"] or r["resolution_alert"] for r in figures["operations_vs_others"])
    html = login(cast.olivia).get("/o/acme/responsiveness/").content.decode()
    table = html[html.index('id="ops-vs-others"'):html.index("</table>", html.index('id="ops-vs-others"'))]
    assert "too few tickets to compare" in table
    assert " bad" not in table and "4.61×" not in table
    assert not any(f.rule in {"ops_waits_longer", "ops_resolved_later"} for f in selectors.findings(acme))


def test_a_source_without_first_response_data_says_what_cannot_be_known(acme, list_csv, import_tickets):
    from tests.tickets_db.conftest import ticket_row

    rows = [ticket_row(f"INC{i:04d}", state="Closed", resolved_at="2026-03-02 11:00:00") for i in range(30)]
    import_tickets(acme, list_csv(rows))
    found = {f.key: f for f in selectors.findings(acme)}
    missing = found["no_first_response:servicenow"]
    assert missing.severity_slug == "info"
    assert missing.title.startswith("Time to first response cannot be known for 30 of the 30 answered tickets "
                                    "from ServiceNow")
    assert "import the incident event log" in missing.recommendations[0]["text"]


def test_findings_are_computed_again_after_an_import(demo_acme, plant, django_capture_on_commit_callbacks):
    from teamalign.insights.models import FindingsState

    with django_capture_on_commit_callbacks(execute=True):
        plant(demo_acme, patterns=("watermelon",))
    state = FindingsState.objects.get(organisation=demo_acme)  # computed by the job, not by a reader
    assert state.data_version == selectors.data_version(demo_acme)
    assert "reopen_outlier:Business Applications" in {f.key for f in selectors.findings(demo_acme, fresh=False)}


def test_resolution_waits_are_a_finding_of_their_own(demo_acme, plant):
    """Pattern 1 delays the first response of Operations' P2 tickets, so they are also resolved
    later (about 1.5×): with the alert ratio at 1.3 that is its own finding, and only at P2."""
    services.finding_settings_save(organisation=demo_acme, thresholds={"comparison.alert_ratio": 1.3})
    plant(demo_acme, patterns=("p2_wait",), tickets=6000)
    found = {f.key: f for f in selectors.findings(demo_acme)}
    assert set(found) == {"ops_waits_longer:P2", "ops_resolved_later:P2"}
    later = found["ops_resolved_later:P2"]
    assert later.title.startswith("Operations' P2 tickets take ") and "longer to resolve than other departments'" \
        in later.title
    assert later.evidence["links"][1]["params"]["breached"] == "resolution"


def test_a_clean_organisation_stays_clean_with_lower_thresholds(demo_acme, plant):
    services.finding_settings_save(organisation=demo_acme, thresholds={"comparison.alert_ratio": 1.3})
    plant(demo_acme, patterns=(), tickets=6000)
    assert keys(demo_acme) == set()
