"""Thresholds shared by every rule and page that compares Operations with another group.

The Responsiveness page uses the same ones to decide whether a ratio may be coloured, so the
page and the findings never disagree about what is a difference (docs/findings.md).
"""

from __future__ import annotations

from teamalign.calc.metrics import Comparison

from .registry import Threshold, register_thresholds

COMPARISON_GROUP = "comparison"
COMPARISON = (
    Threshold("min_tickets", 20, "Tickets each group needs",
              "A comparison between two groups (Operations and the other departments, one IT team and the "
              "rest) is made only when each group has at least this many measured tickets; below it, pages "
              "say “too few tickets to compare”.", unit="count", minimum=5, maximum=100_000, integer=True),
    Threshold("alpha", 0.01, "Significance level",
              "A difference counts only when the statistical test says chance alone would produce it less "
              "often than this (p-value). 0.01 is 0.05 shared over the five priorities (Bonferroni).",
              unit="p_value", minimum=0.0001, maximum=0.1),
    Threshold("alert_ratio", 1.5, "Ratio that counts as waiting longer",
              "Operations' median time divided by the other departments' at the same priority; from this "
              "ratio a significant difference is a finding and is shown in red.",
              unit="ratio", minimum=1.05, maximum=20),
)
register_thresholds(COMPARISON_GROUP, "Comparing Operations with other groups", COMPARISON)


def comparison(thresholds: dict[str, float]) -> Comparison:
    """The calc layer's comparison settings from an organisation's thresholds."""
    return Comparison(min_tickets=int(thresholds[f"{COMPARISON_GROUP}.min_tickets"]),
                      alpha=float(thresholds[f"{COMPARISON_GROUP}.alpha"]),
                      alert_ratio=float(thresholds[f"{COMPARISON_GROUP}.alert_ratio"]))
