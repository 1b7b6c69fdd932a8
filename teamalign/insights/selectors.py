"""Reads of the findings, always for one organisation.

The page, ``teamalign metrics findings --json`` and ``GET /api/v1/orgs/{slug}/findings`` all read
the stored findings through :func:`findings_payload` (the page renders the same dicts), so the
three cannot disagree. Stored findings carry the data version they were computed from; when the
organisation's data or thresholds have moved on since, reading recomputes them first
(:func:`findings_state`), so nobody is shown findings of data that is no longer there.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

from django.urls import NoReverseMatch, reverse

from teamalign.errors import ValidationError
from teamalign.orgs.models import Organisation

from . import registry
from .models import Finding, FindingSettings, FindingsState
from .registry import Severity

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- thresholds

def threshold_overrides(organisation: Organisation) -> dict[str, float]:
    stored = FindingSettings.objects.filter(organisation=organisation).values_list("thresholds", flat=True).first()
    return dict(stored or {})


def thresholds(organisation: Organisation) -> dict[str, float]:
    """Every threshold by full key: the organisation's value where it set one, else the default.

    A stored value that no longer fits its threshold (an unknown key, a number out of range
    after an upgrade narrowed it) is ignored rather than trusted."""
    table = registry.threshold_table()
    values = {key: threshold.default for key, threshold in table.items()}
    for key, value in threshold_overrides(organisation).items():
        if key in table:
            try:
                values[key] = table[key].clean(value)
            except ValidationError:
                log.warning("ignoring the stored threshold %s=%r of %s", key, value, organisation.slug)
    return values


# --------------------------------------------------------------------------- data version

def data_version(organisation: Organisation) -> str:
    """What the findings depend on, as one string: each data source's version, the thresholds'
    version and the rules' fingerprint ("tickets=12@1767225600;settings=3;rules=1a2b3c4d5e")."""
    parts = [f"{name}={version(organisation)}" for name, version in registry.data_sources().items()]
    settings_version = FindingSettings.objects.filter(organisation=organisation).values_list(
        "version", flat=True).first() or 0
    parts += [f"settings={settings_version}", f"rules={registry.rules_fingerprint()}"]
    return ";".join(parts)


def data_described(organisation: Organisation) -> list[str]:
    """What the findings were looked for in, in words ("50,000 tickets"); empty with no data."""
    return [text for describe in registry.data_descriptions().values() if (text := describe(organisation))]


def findings_state(organisation: Organisation, *, fresh: bool = True) -> FindingsState | None:
    """The last computation; with ``fresh``, the findings are recomputed first when out of date."""
    state = FindingsState.objects.filter(organisation=organisation).first()
    if fresh and (state is None or state.data_version != data_version(organisation)):
        from .services import findings_recompute

        state = findings_recompute(organisation=organisation)
    return state


# --------------------------------------------------------------------------- findings

def findings(organisation: Organisation, *, area: str | None = None, resolved: bool = False,
             fresh: bool = True) -> list[Finding]:
    """Active findings (or, with ``resolved``, the ones later data resolved, latest first),
    worst first: severity, then the rules' order (the playbook's), then within a rule its own
    weight (a ratio, a count), then the key."""
    findings_state(organisation, fresh=fresh)
    found = Finding.objects.filter(organisation=organisation, resolved_at__isnull=not resolved)
    if area:
        found = found.filter(area=area)
    if resolved:
        return list(found.order_by("-resolved_at", "key"))
    return list(found.order_by("-severity", "rule_order", "-weight", "key"))


def link_url(organisation: Organisation, link: dict) -> str | None:
    """The address of an evidence link (a URL name of an organisation page and its query)."""
    try:
        path = reverse(link["url_name"], args=[organisation.slug])
    except NoReverseMatch:
        # A rule naming a page that does not exist is a bug of the rule; the finding still shows.
        log.error("finding link to an unknown page %r", link.get("url_name"))
        return None
    params = {k: v for k, v in (link.get("params") or {}).items() if v is not None and v != ""}
    anchor = link.get("anchor") or ""
    return (f"{path}?{urlencode(params)}" if params else path) + (f"#{quote(anchor)}" if anchor else "")


def finding_as_dict(organisation: Organisation, finding: Finding) -> dict:
    evidence = dict(finding.evidence or {})
    evidence["links"] = [{**link, "url": link_url(organisation, link)} for link in evidence.get("links", [])]
    return {
        "key": finding.key, "rule": finding.rule, "subject": finding.subject, "area": finding.area,
        "pillar": finding.pillar, "pillar_label": finding.pillar_label,
        "severity": finding.severity_slug, "severity_label": Severity(finding.severity).label,
        "title": finding.title, "evidence": evidence, "recommendations": list(finding.recommendations or []),
        "first_seen_at": finding.first_seen_at.isoformat(), "last_seen_at": finding.last_seen_at.isoformat(),
        "resolved_at": finding.resolved_at.isoformat() if finding.resolved_at else None,
        "data_version": finding.data_version,
    }


def findings_payload(organisation: Organisation, *, area: str | None = None) -> dict:
    """Everything the Findings page shows, as JSON-ready data (the CLI and the API print it).
    ``area`` keeps one area's findings; an unknown area is a ValidationError naming the known ones."""
    if area is not None and area not in registry.areas():
        raise ValidationError(f"unknown area '{area}'; known: {', '.join(registry.areas())}")
    state = findings_state(organisation)
    active = findings(organisation, area=area, fresh=False)
    resolved = findings(organisation, area=area, resolved=True, fresh=False)
    counts = {s.slug: 0 for s in sorted(Severity, reverse=True)}
    for finding in active:
        counts[Severity(finding.severity).slug] += 1
    return {
        "organisation": organisation.slug,
        "area": area,
        "data_version": state.data_version if state else None,
        "computed_at": state.computed_at.isoformat() if state and state.computed_at else None,
        "errors": list(state.errors) if state else [],
        "counts": counts,
        "findings": [finding_as_dict(organisation, f) for f in active],
        "resolved": [finding_as_dict(organisation, f) for f in resolved],
    }
