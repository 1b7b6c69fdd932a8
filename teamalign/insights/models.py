"""Stored findings, the per-organisation thresholds, and when the findings were last computed.

A finding is kept per organisation under its stable key (``rule:subject``) for as long as the
organisation exists: ``first_seen_at`` / ``last_seen_at`` say when the rules found it, and
``resolved_at`` is set when a later computation no longer finds it (later data resolved it);
finding it again clears ``resolved_at``. Actions (issue 12) can point at a finding by key and
see it close itself; monthly snapshots can copy the active ones.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone as dj_timezone

from teamalign.orgs.models import Organisation

from .registry import PILLAR_LABELS, SEVERITY_LABELS

PILLAR_CHOICES = [(str(p), label) for p, label in PILLAR_LABELS.items()]
SEVERITY_CHOICES = [(int(s), label) for s, label in SEVERITY_LABELS.items()]


class FindingSettings(models.Model):
    """An organisation's thresholds where they differ from the documented defaults.

    ``thresholds`` maps full keys ("comparison.min_tickets") to numbers; ``version`` grows with
    every change, so findings computed under other thresholds are out of date."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, primary_key=True,
                                        related_name="finding_settings")
    thresholds = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=dj_timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")


class FindingsState(models.Model):
    """The last computation of an organisation's findings: from which data, when, and how it went."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, primary_key=True,
                                        related_name="findings_state")
    data_version = models.CharField(max_length=400, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    # Rules that raised: [{"rule": key, "message": text}]; their earlier findings are kept as they were.
    errors = models.JSONField(default=list, blank=True)


class Finding(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="findings")
    key = models.CharField(max_length=300)  # rule:subject, stable across computations
    rule = models.CharField(max_length=80)
    subject = models.CharField(max_length=200, blank=True)
    area = models.CharField(max_length=40)
    pillar = models.CharField(max_length=24, choices=PILLAR_CHOICES)
    severity = models.PositiveSmallIntegerField(choices=SEVERITY_CHOICES)
    rule_order = models.PositiveSmallIntegerField(default=100)  # orders findings of one severity
    weight = models.FloatField(default=0)  # then, within one rule, worst first (a ratio, a count)
    title = models.TextField()
    evidence = models.JSONField(default=dict)  # {"figures": [...], "links": [...], "statistics": {...}}
    recommendations = models.JSONField(default=list)  # [{"kind", "text", "reason"}]
    data_version = models.CharField(max_length=400)  # of the computation that last found it
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_data_version = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["-severity", "rule_order", "-weight", "key"]
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="finding_key_unique_per_org")]
        indexes = [models.Index(fields=["organisation", "resolved_at"], name="finding_org_resolved")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.resolved_at is None

    @property
    def severity_slug(self) -> str:
        from .registry import Severity

        return Severity(self.severity).slug

    @property
    def pillar_label(self) -> str:
        return dict(PILLAR_CHOICES).get(self.pillar, self.pillar)
