"""API endpoints of the findings: the findings themselves and the thresholds behind them.

Mounted on the shared ``api`` router (imported at the bottom of teamalign/api/urls.py). Thin:
each endpoint checks the organisation and role, then calls the insights selectors and services.
``GET …/findings`` returns exactly what ``teamalign metrics findings --json`` prints and the
Findings page shows (selectors.findings_payload).
"""

from __future__ import annotations

from typing import Any

from ninja import Schema

from teamalign.insights import registry, selectors, services
from teamalign.orgs.roles import Permission

from .auth import org_membership
from .urls import api


class FigureOut(Schema):
    label: str
    value: Any = None
    unit: str


class LinkOut(Schema):
    label: str
    url_name: str
    params: dict
    anchor: str = ""
    url: str | None


class EvidenceOut(Schema):
    figures: list[FigureOut]
    links: list[LinkOut]
    statistics: dict


class RecommendationOut(Schema):
    kind: str
    text: str
    reason: str


class FindingOut(Schema):
    key: str
    rule: str
    subject: str
    area: str
    pillar: str
    pillar_label: str
    severity: str
    severity_label: str
    title: str
    evidence: EvidenceOut
    recommendations: list[RecommendationOut]
    first_seen_at: str
    last_seen_at: str
    resolved_at: str | None
    data_version: str


class RuleErrorOut(Schema):
    rule: str
    message: str


class FindingsOut(Schema):
    organisation: str
    area: str | None
    data_version: str | None
    computed_at: str | None
    errors: list[RuleErrorOut]
    counts: dict[str, int]
    findings: list[FindingOut]
    resolved: list[FindingOut]


class ThresholdOut(Schema):
    key: str
    group: str
    label: str
    help: str
    unit: str
    value: float
    default: float
    minimum: float | None
    maximum: float | None
    choices: list[float]


class ThresholdsIn(Schema):
    thresholds: dict[str, float]


def _thresholds(organisation) -> list[dict]:
    values = selectors.thresholds(organisation)
    out = []
    for group, _label, items in registry.threshold_groups():
        for t in items:
            key = f"{group}.{t.name}"
            out.append({"key": key, "group": group, "label": t.label, "help": t.help, "unit": t.unit,
                        "value": values[key], "default": t.default, "minimum": t.minimum, "maximum": t.maximum,
                        "choices": list(t.choices)})
    return out


@api.get("/v1/orgs/{org_slug}/findings", response=FindingsOut, tags=["findings"])
def findings(request, org_slug: str, area: str | None = None):
    """The findings, worst first, with their evidence and recommendations, and those later data
    resolved; `area` keeps the findings one area's page leads with (e.g. `responsiveness`); an
    unknown area is refused (400) with the known ones."""
    membership = org_membership(request, org_slug, Permission.VIEW)
    return selectors.findings_payload(membership.organisation, area=area or None)


@api.get("/v1/orgs/{org_slug}/findings/thresholds", response=list[ThresholdOut], tags=["findings"])
def thresholds(request, org_slug: str):
    """Every threshold: its value for this organisation, its default, its unit and limits."""
    membership = org_membership(request, org_slug, Permission.VIEW)
    return _thresholds(membership.organisation)


@api.put("/v1/orgs/{org_slug}/findings/thresholds", response=list[ThresholdOut], tags=["findings"])
def thresholds_set(request, org_slug: str, payload: ThresholdsIn):
    """Change thresholds (full keys → numbers; fractions as 0..1); the findings are computed again
    in the background. An unknown key or a value out of range is refused (400), naming it."""
    membership = org_membership(request, org_slug, Permission.MANAGE)
    services.finding_settings_save(organisation=membership.organisation, thresholds=payload.thresholds,
                                   user=request.auth)
    return _thresholds(membership.organisation)


@api.delete("/v1/orgs/{org_slug}/findings/thresholds", response=list[ThresholdOut], tags=["findings"])
def thresholds_reset(request, org_slug: str):
    """Every threshold back to its documented default."""
    membership = org_membership(request, org_slug, Permission.MANAGE)
    services.finding_settings_reset(organisation=membership.organisation, user=request.auth)
    return _thresholds(membership.organisation)
