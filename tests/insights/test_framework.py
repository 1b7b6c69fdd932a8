"""The findings framework: rules registered by decorator, findings kept under a stable key with
first seen / last seen / resolved, recomputed only when the data or the thresholds moved on, and
thresholds validated per organisation."""

from __future__ import annotations

import pytest

from teamalign.errors import ValidationError
from teamalign.insights import registry, selectors, services
from teamalign.insights.apps import discover_rules
from teamalign.insights.models import Finding, FindingSettings, FindingsState
from teamalign.insights.registry import (
    Figure,
    Found,
    Link,
    Pillar,
    Recommendation,
    RecommendationKind,
    Severity,
    Threshold,
)

pytestmark = pytest.mark.django_db


class Switch:
    """What the test rule finds: a dict subject → severity, changed by the test between runs."""

    subjects: dict[str, Severity] = {}
    fail = False


@pytest.fixture
def test_rule(monkeypatch):
    monkeypatch.setattr(registry, "_RULES", dict(registry._RULES))
    Switch.subjects, Switch.fail = {}, False

    @registry.rule("test_gap", area="responsiveness", pillar=Pillar.PARTNERSHIP, name="A test gap", order=1,
                   thresholds=(Threshold("limit", 3, "Limit", "A test limit.", unit="count", minimum=1, maximum=9,
                                         integer=True),))
    def test_gap(ctx):
        if Switch.fail:
            raise RuntimeError("the rule broke")
        for subject, severity in Switch.subjects.items():
            yield Found(subject=subject, severity=severity, title=f"{subject} is {ctx.threshold('limit'):g} off",
                        figures=(Figure("Gap", 3, "count"),), links=(Link("Responsiveness", "responsiveness"),),
                        recommendations=(Recommendation(RecommendationKind.CULTURAL_SHIFT, "Talk.", "Because."),))

    return test_gap


def stored(org) -> dict[str, Finding]:
    return {f.key: f for f in Finding.objects.filter(organisation=org)}


def test_every_area_registers_its_rules_in_its_findings_module():
    assert "teamalign.tickets.findings" in discover_rules()
    keys = {r.key for r in registry.rules()}
    assert {"ops_waits_longer", "ops_resolved_later", "sla_calendar_mismatch", "ops_aged_backlog", "reopen_outlier",
            "reassignment_ping_pong", "no_first_response"} <= keys
    assert all(r.pillar in Pillar for r in registry.rules())
    assert "tickets" in registry.data_sources()


def test_a_rule_key_is_refused_twice_and_cannot_hold_separators(test_rule):
    with pytest.raises(RuntimeError):
        registry.rule("test_gap", area="x", pillar=Pillar.EXPERIENCE, name="dup")(lambda ctx: [])
    with pytest.raises(ValueError):
        registry.rule("bad:key", area="x", pillar=Pillar.EXPERIENCE, name="bad")


def test_findings_keep_their_key_from_first_seen_to_resolved_and_back(cast, test_rule):
    org = cast.acme
    Switch.subjects = {"north": Severity.MEDIUM, "south": Severity.LOW}
    state = services.findings_recompute(organisation=org)
    first = stored(org)
    assert set(first) == {"test_gap:north", "test_gap:south"}
    north = first["test_gap:north"]
    assert north.first_seen_at == north.last_seen_at == state.computed_at and north.resolved_at is None
    assert north.title == "north is 3 off" and north.pillar == "partnership" and north.area == "responsiveness"
    assert north.evidence["links"] == [{"label": "Responsiveness", "url_name": "responsiveness", "params": {},
                                        "anchor": ""}]
    assert north.data_version == state.data_version == selectors.data_version(org)

    # Nothing changed: reading does not compute again.
    assert services.findings_recompute(organisation=org).computed_at == state.computed_at

    # South is no longer found: resolved by later data, with the data version that resolved it.
    Switch.subjects = {"north": Severity.HIGH}
    later = services.findings_recompute(organisation=org, force=True)
    now = stored(org)
    assert now["test_gap:south"].resolved_at == later.computed_at
    assert now["test_gap:south"].resolved_data_version == later.data_version
    assert now["test_gap:north"].severity == Severity.HIGH
    assert now["test_gap:north"].first_seen_at == north.first_seen_at  # the same finding, followed
    assert now["test_gap:north"].last_seen_at == later.computed_at
    assert [f.key for f in selectors.findings(org, resolved=True)] == ["test_gap:south"]

    # Found again: re-opened under the same key.
    Switch.subjects = {"north": Severity.HIGH, "south": Severity.LOW}
    services.findings_recompute(organisation=org, force=True)
    assert stored(org)["test_gap:south"].resolved_at is None
    assert Finding.objects.filter(organisation=org).count() == 2


def test_findings_are_worst_first_and_per_organisation(cast, test_rule):
    Switch.subjects = {"a": Severity.LOW, "b": Severity.HIGH, "c": Severity.INFO, "d": Severity.MEDIUM}
    assert [f.subject for f in selectors.findings(cast.acme)] == ["b", "d", "a", "c"]
    Switch.subjects = {}
    assert selectors.findings(cast.globex) == []
    assert len(selectors.findings(cast.acme)) == 4  # Globex's computation touches nothing of Acme's


def test_a_failing_rule_is_recorded_and_its_findings_kept(cast, test_rule):
    Switch.subjects = {"north": Severity.MEDIUM}
    services.findings_recompute(organisation=cast.acme)
    Switch.fail = True
    state = services.findings_recompute(organisation=cast.acme, force=True)
    assert state.errors == [{"rule": "test_gap", "message": "RuntimeError: the rule broke"}]
    assert stored(cast.acme)["test_gap:north"].resolved_at is None  # not "resolved" by a failure
    assert selectors.findings_payload(cast.acme)["errors"] == state.errors


def test_a_rule_returning_one_subject_twice_is_an_error(cast, monkeypatch):
    monkeypatch.setattr(registry, "_RULES", dict(registry._RULES))

    @registry.rule("test_twice", area="responsiveness", pillar=Pillar.EXPERIENCE, name="twice")
    def twice(ctx):
        return [Found(subject="x", severity=Severity.LOW, title="x"), Found(subject="x", severity=Severity.LOW,
                                                                           title="x again")]

    state = services.findings_recompute(organisation=cast.acme)
    assert [e["rule"] for e in state.errors] == ["test_twice"]


def test_reading_computes_again_when_the_data_or_thresholds_moved_on(cast, test_rule):
    from teamalign.tickets.services import data_version_bump

    org = cast.acme
    Switch.subjects = {"north": Severity.MEDIUM}
    selectors.findings(org)
    before = FindingsState.objects.get(organisation=org).data_version
    data_version_bump(org)
    Switch.subjects = {}
    assert selectors.findings(org) == []  # stale: computed again on the way in
    assert FindingsState.objects.get(organisation=org).data_version != before

    Switch.subjects = {"west": Severity.LOW}
    services.finding_settings_save(organisation=org, thresholds={"test_gap.limit": 5})
    assert [f.title for f in selectors.findings(org)] == ["west is 5 off"]


def test_thresholds_have_documented_defaults_and_organisation_values(cast, test_rule):
    table = registry.threshold_table()
    assert table["comparison.min_tickets"].default == 20 and table["comparison.alpha"].default == 0.01
    assert selectors.thresholds(cast.acme)["test_gap.limit"] == 3
    services.finding_settings_save(organisation=cast.acme, thresholds={"test_gap.limit": 7,
                                                                       "comparison.min_tickets": 20})
    settings = FindingSettings.objects.get(organisation=cast.acme)
    assert settings.thresholds == {"test_gap.limit": 7}  # the default is not stored as an override
    assert settings.version == 1
    assert selectors.thresholds(cast.acme)["test_gap.limit"] == 7
    assert selectors.thresholds(cast.globex)["test_gap.limit"] == 3
    services.finding_settings_save(organisation=cast.acme, thresholds={"test_gap.limit": 7})
    assert FindingSettings.objects.get(organisation=cast.acme).version == 1  # no change, no new version
    services.finding_settings_reset(organisation=cast.acme)
    assert selectors.thresholds(cast.acme)["test_gap.limit"] == 3


@pytest.mark.parametrize("values, message", [
    ({"nope.nothing": 1}, "unknown threshold"),
    ({"test_gap.limit": 0}, "at least 1"),
    ({"test_gap.limit": 2.5}, "a whole number"),
    ({"test_gap.limit": "many"}, "is not a number"),
    ({"test_gap.limit": float("nan")}, "a finite number"),
    ({"test_gap.limit": True}, "a number is needed"),
    ({"ops_aged_backlog.age_days": 14}, "one of 3, 7, 30"),
    ({"reopen_outlier.min_rate": 1.5}, "at most 100 %"),
])
def test_bad_thresholds_are_refused_naming_them(cast, test_rule, values, message):
    with pytest.raises(ValidationError, match=message):
        services.finding_settings_save(organisation=cast.acme, thresholds=values)
    assert not FindingSettings.objects.filter(organisation=cast.acme, version__gt=0).exists()


def test_a_stored_value_out_of_range_is_ignored(cast, test_rule):
    FindingSettings.objects.create(organisation=cast.acme, thresholds={"test_gap.limit": 99, "gone.rule": 1})
    assert selectors.thresholds(cast.acme)["test_gap.limit"] == 3


def test_a_change_of_thresholds_queues_the_findings_job(cast, test_rule, django_capture_on_commit_callbacks):
    Switch.subjects = {"north": Severity.MEDIUM}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.finding_settings_save(organisation=cast.acme, thresholds={"test_gap.limit": 4})
    assert len(callbacks) == 1
    state = FindingsState.objects.get(organisation=cast.acme)  # the (immediate) job computed them
    assert state.data_version == selectors.data_version(cast.acme)
    assert stored(cast.acme)["test_gap:north"].title == "north is 4 off"


def test_the_job_does_nothing_for_an_organisation_that_is_gone(db):
    from teamalign.insights.tasks import findings_recompute_job

    assert findings_recompute_job.call(987654) == ""
