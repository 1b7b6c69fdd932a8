"""Writes of the findings: computing them, and an organisation's thresholds.

``findings_recompute`` runs every registered rule for one organisation and stores what they
found under each finding's stable key: new keys are created (first seen now), keys found again
are updated (last seen now; a resolved one is re-opened), and active keys no rule found this
time are resolved ("resolved by later data"), with the data version that resolved them.
A rule that raises is a bug: it is logged and recorded on the state, and its earlier findings
are left as they were instead of being resolved by a failure.

It runs as a job after each import and each change of thresholds (``findings_recompute_later``),
and on demand when a reader finds the stored findings out of date (selectors.findings_state).
"""

from __future__ import annotations

import logging
import math
import time

from django.db import transaction
from django.utils import timezone as dj_timezone

from teamalign.errors import ValidationError
from teamalign.orgs.models import Organisation, User

from . import registry, selectors
from .models import Finding, FindingSettings, FindingsState
from .registry import Found, Rule, RuleContext

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- computing

def _run(rule: Rule, ctx: RuleContext) -> list[Found]:
    ctx.rule = rule
    found = list(rule.function(ctx) or ())
    subjects = [f.subject for f in found]
    if len(subjects) != len(set(subjects)):
        raise RuntimeError(f"rule {rule.key} returned one subject twice: {subjects}")
    return found


def findings_recompute(*, organisation: Organisation, force: bool = False) -> FindingsState:
    """Run every rule for ``organisation`` and store the findings; a no-op when they are current
    (unless ``force``). One transaction, the organisation's state row locked, so a job and a
    reader recomputing at once do it one after the other."""
    started = time.perf_counter()
    with transaction.atomic():
        FindingsState.objects.get_or_create(organisation=organisation)
        state = FindingsState.objects.select_for_update().get(organisation=organisation)
        version = selectors.data_version(organisation)
        if state.data_version == version and not force:
            return state
        now = dj_timezone.now()
        ctx = RuleContext(organisation=organisation, thresholds=selectors.thresholds(organisation))
        results: dict[str, tuple[Rule, Found]] = {}
        errors, failed = [], set()
        for rule in registry.rules():
            try:
                found = _run(rule, ctx)
            except Exception as exc:  # one broken rule must not hide every other finding
                log.exception("finding rule %s failed for %s", rule.key, organisation.slug)
                errors.append({"rule": rule.key, "message": f"{exc.__class__.__name__}: {exc}"})
                failed.add(rule.key)
                continue
            for item in found:
                key = f"{rule.key}:{item.subject}" if item.subject else rule.key
                results[key] = (rule, item)

        stored = {f.key: f for f in Finding.objects.filter(organisation=organisation)}
        creates, updates = [], []
        for key, (rule, item) in results.items():
            finding = stored.get(key) or Finding(organisation=organisation, key=key, first_seen_at=now)
            finding.rule, finding.subject, finding.area = rule.key, item.subject, rule.area
            finding.pillar, finding.severity, finding.rule_order = str(rule.pillar), int(item.severity), rule.order
            finding.weight = item.weight if math.isfinite(item.weight) else 0.0
            finding.title = item.title
            finding.evidence = item.evidence()
            finding.recommendations = [r.as_dict() for r in item.recommendations]
            finding.data_version, finding.last_seen_at = version, now
            finding.resolved_at, finding.resolved_data_version = None, ""
            (updates if finding.pk else creates).append(finding)
        for key, finding in stored.items():
            if key in results or finding.resolved_at is not None or finding.rule in failed:
                continue
            finding.resolved_at, finding.resolved_data_version = now, version
            updates.append(finding)
        Finding.objects.bulk_create(creates)
        Finding.objects.bulk_update(updates, [
            "rule", "subject", "area", "pillar", "severity", "rule_order", "weight", "title", "evidence", "recommendations",
            "data_version", "last_seen_at", "resolved_at", "resolved_data_version"])
        state.data_version, state.computed_at, state.errors = version, now, errors
        state.seconds = round(time.perf_counter() - started, 3)
        state.save()
    return state


def findings_recompute_later(organisation: Organisation) -> None:
    """Queue the findings job once the current transaction commits (after an import, a
    recompute of the tickets, a change of thresholds). Areas call this from their services."""
    from .tasks import findings_recompute_job

    transaction.on_commit(lambda: findings_recompute_job.enqueue(organisation.pk))


# --------------------------------------------------------------------------- thresholds

def finding_settings_save(*, organisation: Organisation, thresholds: dict, user: User | None = None) -> FindingSettings:
    """Set thresholds (full keys → numbers); a value equal to the default is stored as "use the
    default". Unknown keys and bad values are refused, naming the threshold. The findings are
    recomputed by a job once this commits."""
    table = registry.threshold_table()
    unknown = sorted(set(thresholds) - set(table))
    if unknown:
        raise ValidationError(f"unknown threshold(s): {', '.join(unknown)}; known: {', '.join(sorted(table))}")
    errors, cleaned = [], {}
    for key, value in thresholds.items():
        try:
            cleaned[key] = table[key].clean(value)
        except ValidationError as exc:
            errors.append(str(exc))
    if errors:
        raise ValidationError("; ".join(errors))
    with transaction.atomic():
        settings, _ = FindingSettings.objects.select_for_update().get_or_create(organisation=organisation)
        merged = {**settings.thresholds, **cleaned}
        merged = {k: v for k, v in merged.items() if k in table and v != table[k].default}
        if merged != settings.thresholds:
            settings.thresholds = merged
            settings.version += 1
            settings.updated_at, settings.updated_by = dj_timezone.now(), user
            settings.save()
            findings_recompute_later(organisation)
    return settings


def finding_settings_reset(*, organisation: Organisation, user: User | None = None) -> FindingSettings:
    """Every threshold back to its documented default."""
    with transaction.atomic():
        settings, _ = FindingSettings.objects.select_for_update().get_or_create(organisation=organisation)
        if settings.thresholds:
            settings.thresholds = {}
            settings.version += 1
            settings.updated_at, settings.updated_by = dj_timezone.now(), user
            settings.save()
            findings_recompute_later(organisation)
    return settings
