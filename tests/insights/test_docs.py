"""docs/findings.md lists every rule and every threshold with its default (a rule added without
its documentation fails here)."""

from __future__ import annotations

from pathlib import Path

from teamalign.insights import registry

DOCS = Path(__file__).resolve().parents[2] / "docs" / "findings.md"


def test_every_rule_has_a_section_in_docs_findings():
    text = DOCS.read_text()
    missing = [r.key for r in registry.rules() if f"### `{r.key}`" not in text]
    assert not missing, f"rules without a section in docs/findings.md: {missing}"


def test_every_threshold_is_documented_with_its_default():
    text = DOCS.read_text()
    missing = [key for key in registry.threshold_table() if f"`{key}`" not in text]
    assert not missing, f"thresholds missing from docs/findings.md: {missing}"


def test_every_pillar_severity_and_recommendation_kind_is_documented():
    text = DOCS.read_text()
    names = [str(p) for p in registry.Pillar] + [s.slug for s in registry.Severity] + \
        [str(k) for k in registry.RecommendationKind]
    assert not [n for n in names if f"`{n}`" not in text]
