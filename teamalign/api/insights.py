"""API endpoints of the findings: the findings themselves and the thresholds behind them.

Mounted on the shared ``api`` router (imported at the bottom of teamalign/api/urls.py). Thin:
each endpoint checks the organisation and role, then calls the insights selectors and services.
``GET …/findings`` returns exactly what ``teamalign metrics findings --json`` prints and the
Findings page shows (selectors.findings_payload).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, create_model

from teamalign.insights import registry, selectors, services
from teamalign.orgs.roles import Permission

from .auth import org_membership
from .errors import error_responses
from .params import string_enum
from .urls import api


# The areas that have finding rules (each area's findings.py registers them when the apps load,
# before the URLconf imports this module), as the schema's enum.
FindingArea = string_enum("FindingArea", registry.areas())


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


def _threshold_type(threshold: registry.Threshold):
    """A threshold's value as the schema states it: what Threshold.clean accepts."""
    if threshold.choices:
        return Literal[tuple(int(c) if threshold.integer else c for c in threshold.choices)]
    return Annotated[int if threshold.integer else float,
                     Field(ge=threshold.minimum, le=threshold.maximum, allow_inf_nan=False)]


# Every known threshold as an optional field named by its full key ("comparison.min_tickets"),
# with its limits; any other key is refused (422).
ThresholdValues = create_model(
    "ThresholdValues", __config__=ConfigDict(extra="forbid", populate_by_name=False),
    **{key.replace(".", "__"): (_threshold_type(t) | None, Field(None, alias=key, description=t.label))
       for key, t in registry.threshold_table().items()})


class ThresholdsIn(Schema):
    thresholds: ThresholdValues


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


@api.get("/v1/orgs/{org_slug}/findings", response={200: FindingsOut, **error_responses(403, 404, 422)}, tags=["findings"])
def findings(request, org_slug: str, area: FindingArea | None = None):
    """The findings, worst first, with their evidence and recommendations, and those later data
    resolved; `area` keeps the findings one area's page leads with (e.g. `responsiveness`); an
    unknown area is refused (422)."""
    membership = org_membership(request, org_slug, Permission.VIEW)
    return selectors.findings_payload(membership.organisation, area=area.value if area else None)


@api.get("/v1/orgs/{org_slug}/findings/thresholds", response={200: list[ThresholdOut], **error_responses(403, 404)},
         tags=["findings"])
def thresholds(request, org_slug: str):
    """Every threshold: its value for this organisation, its default, its unit and limits."""
    membership = org_membership(request, org_slug, Permission.VIEW)
    return _thresholds(membership.organisation)


@api.put("/v1/orgs/{org_slug}/findings/thresholds",
         response={200: list[ThresholdOut], **error_responses(400, 403, 404, 422)}, tags=["findings"])
def thresholds_set(request, org_slug: str, payload: ThresholdsIn):
    """Change thresholds (full keys → numbers; fractions as 0..1); the findings are computed again
    in the background. An unknown key or a value out of range is refused (422), naming it."""
    membership = org_membership(request, org_slug, Permission.MANAGE)
    services.finding_settings_save(organisation=membership.organisation,
                                   thresholds=payload.thresholds.model_dump(by_alias=True, exclude_none=True),
                                   user=request.auth)
    return _thresholds(membership.organisation)


@api.delete("/v1/orgs/{org_slug}/findings/thresholds", response={200: list[ThresholdOut], **error_responses(403, 404)},
            tags=["findings"])
def thresholds_reset(request, org_slug: str):
    """Every threshold back to its documented default."""
    membership = org_membership(request, org_slug, Permission.MANAGE)
    services.finding_settings_reset(organisation=membership.organisation, user=request.auth)
    return _thresholds(membership.organisation)
