"""The findings on every surface: the Findings page, the Responsiveness page's block, the
thresholds page, `teamalign metrics findings --json` and `GET /api/v1/orgs/{slug}/findings` —
the three readers agree, and no input makes any of them fail."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamalign.cli import main
from teamalign.insights import selectors
from teamalign.insights.models import Finding, FindingSettings, FindingsState
from teamalign.tickets.demo import PATTERNS

pytestmark = pytest.mark.django_db


def page_keys(html: str) -> list[str]:
    block = html[html.index('<div class="findings">'):html.index("</div>\n\n", html.index('<div class="findings">'))]
    return re.findall(r'<article class="finding [^"]*" id="[^"]*" data-key="([^"]+)"', block)


def test_the_page_the_cli_and_the_api_give_the_same_findings(demo_acme, plant, cast, login, capsys):
    plant(demo_acme, patterns=PATTERNS)
    html = login(cast.olivia).get("/o/acme/findings/").content.decode()
    assert main(["metrics", "findings", "--org", "acme", "--json"]) == 0
    from_cli = json.loads(capsys.readouterr().out)
    from_api = login(cast.victor).get("/api/v1/orgs/acme/findings").json()
    assert from_cli == from_api
    keys = [f["key"] for f in from_api["findings"]]
    assert len(keys) >= 5 and page_keys(html) == keys
    for finding in from_api["findings"]:
        title = finding["title"].replace("'", "&#x27;")
        assert title in html
        for recommendation in finding["recommendations"]:
            assert recommendation["text"].replace("'", "&#x27;") in html
    assert from_api["counts"]["high"] >= 2 and from_api["data_version"].startswith("tickets=")


def test_the_findings_page_leads_with_a_verdict_and_links_its_evidence(demo_acme, plant, cast, login):
    plant(demo_acme, patterns=PATTERNS)
    html = login(cast.victor).get("/o/acme/findings/").content.decode()
    verdict = re.search(r'<p class="verdict" id="verdict">([^<]+)</p>', html).group(1)
    assert re.fullmatch(r"\d+ findings: \d+ high(, \d+ medium)?( and \d+ (medium|low|notes?))?\. Worst first, each "
                        r"with its evidence and what to change\.", verdict), verdict
    assert 'href="/o/acme/responsiveness/?priority=2#ops-vs-others"' in html
    assert 'href="/o/acme/responsiveness/#by-it_team"' in html and 'href="/o/acme/responsiveness/#backlog"' in html
    assert "What to change" in html and "Why: " in html
    assert "None" not in html and "nan" not in re.sub(r"[A-Za-z]nan|nan[a-z]", "", html)
    assert "Thresholds" not in html  # the viewer cannot change them: no link to a 403


def test_a_clean_organisation_and_an_empty_one_say_why_there_is_no_finding(demo_acme, plant, cast, login):
    html = login(cast.gary).get("/o/globex/findings/").content.decode()
    assert "No findings yet: there is no data to look at" in html
    plant(demo_acme, patterns=())
    html = login(cast.alice).get("/o/acme/findings/").content.decode()
    assert "No findings. Nothing in 4,000 tickets passes the thresholds" in html


def test_the_responsiveness_page_leads_with_its_findings(demo_acme, plant, cast, login):
    plant(demo_acme, patterns=("p2_wait",))
    html = login(cast.olivia).get("/o/acme/responsiveness/").content.decode()
    block = html.index('id="findings"')
    assert block < html.index('aria-label="Filters"') < html.index('id="operations-cards"')
    assert "Operations waits " in html[block:html.index('aria-label="Filters"')]
    assert 'href="/o/acme/findings/#finding-ops_waits_longer-p2"' in html
    table = html[html.index('id="ops-vs-others"'):]
    p2 = table[table.index("<td>P2</td>"):table.index("</tr>", table.index("<td>P2</td>"))]
    assert 'class="num ratio response-ratio bad"' in p2  # comparable, significant and 1.5× or more: red


def test_the_page_escapes_what_the_data_says(cast, login):
    org = cast.acme
    now = timezone.now()
    FindingsState.objects.create(organisation=org, data_version=selectors.data_version(org), computed_at=now)
    Finding.objects.create(
        organisation=org, key="reopen_outlier:<script>", rule="reopen_outlier", subject="<script>",
        area="responsiveness", pillar="responsiveness", severity=3, title="<script>alert(1)</script> reopens",
        evidence={"figures": [{"label": "<b>x</b>", "value": 1, "unit": "count"}],
                  "links": [{"label": "<i>tickets</i>", "url_name": "responsiveness_ticket_list",
                             "params": {"it_team": "<script>"}}], "statistics": {}},
        recommendations=[{"kind": "process", "text": "<em>do</em>", "reason": "<u>why</u>"}],
        data_version="x", first_seen_at=now, last_seen_at=now)
    html = login(cast.olivia).get("/o/acme/findings/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; reopens" in html
    assert "<em>do</em>" not in html and "<b>x</b>" not in html
    assert "it_team=%3Cscript%3E" in html


def test_an_evidence_link_to_an_unknown_page_is_shown_as_text(cast, login):
    org = cast.acme
    now = timezone.now()
    FindingsState.objects.create(organisation=org, data_version=selectors.data_version(org), computed_at=now)
    Finding.objects.create(organisation=org, key="x:y", rule="x", subject="y", area="responsiveness",
                           pillar="responsiveness", severity=1, title="A finding",
                           evidence={"links": [{"label": "Gone page", "url_name": "no_such_page", "params": {}}]},
                           data_version="x", first_seen_at=now, last_seen_at=now)
    page = login(cast.olivia).get("/o/acme/findings/")
    assert page.status_code == 200 and b"Gone page" in page.content


# --------------------------------------------------------------------------- thresholds page


def test_an_admin_changes_thresholds_on_the_page(cast, login):
    client = login(cast.alice)
    page = client.get("/o/acme/findings/thresholds/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tickets each group needs" in html and "Default: 20 tickets." in html
    assert 'name="reopen_outlier__green_attainment" value="90"' in html and "E+" not in html
    assert "Default: 1.5×." in html and "Default: 90 %." in html
    form = {name: field.initial for name, field in page.context["form"].fields.items()}
    form.update({"comparison__min_tickets": "30", "reopen_outlier__min_rate": "25"})  # a percentage
    response = client.post("/o/acme/findings/thresholds/", form)
    assert response.status_code == 302
    assert FindingSettings.objects.get(organisation=cast.acme).thresholds == {
        "comparison.min_tickets": 30, "reopen_outlier.min_rate": 0.25}
    again = client.get("/o/acme/findings/thresholds/").content.decode()
    assert 'name="reopen_outlier__min_rate" value="25"' in again
    assert client.post("/o/acme/findings/thresholds/reset/").status_code == 302
    assert FindingSettings.objects.get(organisation=cast.acme).thresholds == {}


def test_a_bad_threshold_on_the_page_is_shown_not_saved(cast, login):
    client = login(cast.alice)
    form = {name: field.initial for name, field in client.get("/o/acme/findings/thresholds/").context["form"]
            .fields.items()}
    form["comparison__min_tickets"] = "2"
    response = client.post("/o/acme/findings/thresholds/", form)
    assert response.status_code == 200 and "at least 5" in response.content.decode()
    assert not FindingSettings.objects.filter(organisation=cast.acme, version__gt=0).exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["comparison__min_tickets", "comparison__alpha", "ops_aged_backlog__age_days",
                                        "reopen_outlier__min_rate", "junk"]),
                       st.text(max_size=30) | st.integers(-10**12, 10**12).map(str), max_size=5))
def test_no_form_input_breaks_the_thresholds_page(cast, login, data):
    response = login(cast.alice).post("/o/acme/findings/thresholds/", data)
    assert response.status_code in (200, 302)


# --------------------------------------------------------------------------- API and CLI


def test_the_api_lists_and_changes_thresholds(cast, client, login):
    admin = login(cast.alice)
    listed = {t["key"]: t for t in admin.get("/api/v1/orgs/acme/findings/thresholds").json()}
    assert listed["comparison.min_tickets"]["value"] == 20 and listed["comparison.min_tickets"]["default"] == 20
    assert listed["ops_aged_backlog.age_days"]["choices"] == [3, 7, 30]
    changed = admin.put("/api/v1/orgs/acme/findings/thresholds", {"thresholds": {"comparison.alpha": 0.05}},
                        content_type="application/json")
    assert changed.status_code == 200
    assert {t["key"]: t["value"] for t in changed.json()}["comparison.alpha"] == 0.05
    refused = admin.put("/api/v1/orgs/acme/findings/thresholds", {"thresholds": {"comparison.alpha": 0.5}},
                        content_type="application/json")
    assert refused.status_code == 422 and "comparison.alpha (body): Input should be less than or equal to 0.1" in refused.json()["detail"]
    assert admin.delete("/api/v1/orgs/acme/findings/thresholds").status_code == 200
    assert selectors.thresholds(cast.acme)["comparison.alpha"] == 0.01


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=30), inner, max_size=3),
                    max_leaves=8))
def test_no_json_body_breaks_the_thresholds_endpoint(cast, login, body):
    response = login(cast.alice).put("/api/v1/orgs/acme/findings/thresholds", json.dumps(body, allow_nan=True),
                                     content_type="application/json")
    assert response.status_code in (200, 400, 422), response.content


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_no_area_breaks_the_findings_endpoint(cast, login, area):
    response = login(cast.olivia).get("/api/v1/orgs/acme/findings", {"area": area})
    if area == "responsiveness":
        assert response.status_code == 200 and response.json()["findings"] == []
    else:
        assert response.status_code == 422 and "area" in response.json()["detail"]


def test_an_area_with_a_nul_byte_is_refused_not_a_server_error(cast, login):
    response = login(cast.olivia).get("/api/v1/orgs/acme/findings", {"area": "x\x00"})
    assert response.status_code == 422


def test_the_cli_prints_the_findings_and_refuses_an_unknown_organisation(demo_acme, plant, capsys):
    plant(demo_acme, patterns=("watermelon",))
    assert main(["metrics", "findings", "--org", "acme"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Acme: 2 findings (2 high), looked for in 4,000 tickets" in out
    assert "[HIGH] Business Applications meets" in out and "evidence:" in out and "→ Process:" in out
    assert main(["metrics", "findings", "--org", "acme", "--area", "responsiveness", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["findings"]) == 2
    assert main(["metrics", "findings", "--org", "acme", "--area", "value"]) == 2
    assert "unknown area 'value'; known: responsiveness" in " ".join(capsys.readouterr().out.split())
    assert main(["metrics", "findings", "--org", "nowhere"]) == 2
    assert "no organisation with the slug 'nowhere'" in capsys.readouterr().out
    assert main(["metrics", "findings", "--org", "acme", "--recompute", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["findings"]) == 2
