"""The findings framework: what a rule is, what it returns, and where rules are registered.

A rule is a small function in its area's ``findings.py`` (``teamalign/tickets/findings.py``…),
registered with :func:`rule`. The insights app imports every ``teamalign.<app>.findings``
module when Django starts (apps.py), so adding a rule is adding one function. A rule reads
figures through its area's selectors only and returns zero or more :class:`Found`; the
service (services.py) turns them into stored findings with a stable key ``rule:subject``,
so a finding can be followed from one computation to the next.

Nothing here touches the database; ``RuleContext`` carries the organisation, its thresholds
and a memo so that rules of one area share the figures they read.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

from teamalign.errors import ValidationError


class Pillar(StrEnum):
    """The six pillars of the Alignment Index (PRODUCT.md)."""

    RESPONSIVENESS = "responsiveness"
    EXPERIENCE = "experience"
    MATURITY = "maturity"
    VALUE_CLARITY = "value_clarity"
    PARTNERSHIP = "partnership"
    SHARED_ACCOUNTABILITY = "shared_accountability"

    @property
    def label(self) -> str:
        return PILLAR_LABELS[self]


PILLAR_LABELS = {
    Pillar.RESPONSIVENESS: "Responsiveness",
    Pillar.EXPERIENCE: "Experience",
    Pillar.MATURITY: "Maturity",
    Pillar.VALUE_CLARITY: "Value clarity",
    Pillar.PARTNERSHIP: "Partnership",
    Pillar.SHARED_ACCOUNTABILITY: "Shared accountability",
}


class Severity(IntEnum):
    """How much a finding matters (docs/findings.md, "Severity"); higher is worse."""

    INFO = 0  # something cannot be known from the data: a gap in what is measured
    LOW = 1  # past the threshold, but small or on low-priority work
    MEDIUM = 2  # clearly past the threshold
    HIGH = 3  # far past the threshold, on urgent work, or hidden behind a green SLA

    @property
    def label(self) -> str:
        return SEVERITY_LABELS[self]

    @property
    def slug(self) -> str:
        return self.name.lower()


SEVERITY_LABELS = {Severity.INFO: "Note", Severity.LOW: "Low", Severity.MEDIUM: "Medium", Severity.HIGH: "High"}


class RecommendationKind(StrEnum):
    """The kinds of change PRODUCT.md's playbook recommends."""

    CROSS_FUNCTIONAL_MEETING = "cross_functional_meeting"
    ORG_DESIGN = "org_design"
    CULTURAL_SHIFT = "cultural_shift"
    PROCESS = "process"
    VALUE = "value"

    @property
    def label(self) -> str:
        return RECOMMENDATION_LABELS[self]


RECOMMENDATION_LABELS = {
    RecommendationKind.CROSS_FUNCTIONAL_MEETING: "Cross-functional meeting",
    RecommendationKind.ORG_DESIGN: "Org design",
    RecommendationKind.CULTURAL_SHIFT: "Cultural shift",
    RecommendationKind.PROCESS: "Process",
    RecommendationKind.VALUE: "Value",
}

#: Units a figure or a threshold can have; they decide how it is formatted.
UNITS = ("seconds", "fraction", "count", "ratio", "number", "days", "p_value", "text")


@dataclass(frozen=True)
class Threshold:
    """A number a rule compares with, with its documented default; organisations may change it.

    ``unit`` "fraction" is stored as 0..1 and entered and shown as a percentage.
    """

    name: str  # short, within its rule or group: "min_ratio"
    default: float
    label: str
    help: str
    unit: str = "number"
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    choices: tuple[float, ...] = ()

    def clean(self, value: Any) -> float:
        """``value`` as a number this threshold accepts; ValidationError naming it otherwise."""
        if isinstance(value, bool):
            raise ValidationError(f"{self.label}: a number is needed")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError(f"{self.label}: '{value}' is not a number") from None
        if not math.isfinite(number):
            raise ValidationError(f"{self.label}: a finite number is needed")
        if self.integer:
            if number != int(number):
                raise ValidationError(f"{self.label}: a whole number is needed")
            number = int(number)
        if self.choices and number not in self.choices:
            raise ValidationError(f"{self.label}: one of {', '.join(f'{c:g}' for c in self.choices)}")
        if self.minimum is not None and number < self.minimum:
            raise ValidationError(f"{self.label}: at least {self.shown(self.minimum)}")
        if self.maximum is not None and number > self.maximum:
            raise ValidationError(f"{self.label}: at most {self.shown(self.maximum)}")
        return number

    def shown(self, value: float) -> str:
        return f"{100 * value:g} %" if self.unit == "fraction" else f"{value:g}"


@dataclass(frozen=True)
class Figure:
    label: str
    value: Any  # None: not measured
    unit: str = "number"

    def as_dict(self) -> dict:
        return {"label": self.label, "value": self.value, "unit": self.unit}


@dataclass(frozen=True)
class Link:
    """A page that shows the evidence: a URL name of an organisation page and its query."""

    label: str
    url_name: str
    params: dict = field(default_factory=dict)
    anchor: str = ""  # an element id on that page ("backlog")

    def as_dict(self) -> dict:
        return {"label": self.label, "url_name": self.url_name, "params": dict(self.params), "anchor": self.anchor}


@dataclass(frozen=True)
class Recommendation:
    kind: RecommendationKind
    text: str
    reason: str

    def as_dict(self) -> dict:
        return {"kind": str(self.kind), "text": self.text, "reason": self.reason}


@dataclass(frozen=True)
class Found:
    """What a rule returns for one subject (a priority, an IT team, a source…).

    ``title`` is one sentence with its numbers; ``weight`` orders findings of the same
    severity, worst first (for example the ratio); ``statistics`` records the tests behind it.
    """

    subject: str
    severity: Severity
    title: str
    figures: tuple[Figure, ...] = ()
    links: tuple[Link, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    statistics: dict = field(default_factory=dict)
    weight: float = 0.0

    def evidence(self) -> dict:
        return {"figures": [f.as_dict() for f in self.figures], "links": [link.as_dict() for link in self.links],
                "statistics": dict(self.statistics)}


@dataclass
class RuleContext:
    """What a rule is given: the organisation, every threshold (full keys) and a shared memo."""

    organisation: Any
    thresholds: dict[str, float]
    rule: Rule | None = None
    _memo: dict[str, Any] = field(default_factory=dict)

    def threshold(self, name: str) -> float:
        """A threshold by full key ("comparison.min_tickets") or by the current rule's short name."""
        if "." not in name and self.rule is not None:
            name = f"{self.rule.key}.{name}"
        return self.thresholds[name]

    def memo(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per computation of the findings, shared by every rule."""
        if name not in self._memo:
            self._memo[name] = compute()
        return self._memo[name]


RuleFunction = Callable[[RuleContext], Iterable[Found]]


@dataclass(frozen=True)
class Rule:
    key: str  # stable: part of every finding's key
    area: str  # the area whose page shows its findings first ("responsiveness")
    pillar: Pillar
    name: str  # what it detects, for the settings page and the docs
    function: RuleFunction
    thresholds: tuple[Threshold, ...] = ()
    version: int = 1  # bump when the rule's logic changes, so stored findings are recomputed
    order: int = 100  # position among rules (ties of severity and weight)


_RULES: dict[str, Rule] = {}
_SHARED: dict[str, tuple[str, tuple[Threshold, ...]]] = {}
_SOURCES: dict[str, Callable[[Any], str]] = {}
_DESCRIBE: dict[str, Callable[[Any], str | None]] = {}


def rule(key: str, *, area: str, pillar: Pillar, name: str, thresholds: Iterable[Threshold] = (),
         version: int = 1, order: int = 100) -> Callable[[RuleFunction], RuleFunction]:
    """Register the decorated function as the finding rule ``key``."""
    if ":" in key or "." in key:
        raise ValueError(f"a rule key cannot contain ':' or '.': {key!r}")

    def register(function: RuleFunction) -> RuleFunction:
        existing = _RULES.get(key)
        if existing is not None and existing.function.__qualname__ != function.__qualname__:
            raise RuntimeError(f"two finding rules are registered as {key!r}")
        _RULES[key] = Rule(key=key, area=area, pillar=Pillar(pillar), name=name, function=function,
                           thresholds=tuple(thresholds), version=version, order=order)
        return function

    return register


def register_thresholds(group: str, label: str, thresholds: Iterable[Threshold]) -> None:
    """Thresholds shared by several rules (and pages), e.g. "comparison": the statistics rules."""
    _SHARED[group] = (label, tuple(thresholds))


def register_data_source(name: str, version: Callable[[Any], str],
                         describe: Callable[[Any], str | None] | None = None) -> None:
    """A kind of data findings are computed from, and how to read its current version for an
    organisation (findings computed from other versions are out of date); ``describe`` says in
    a few words what there is ("50,000 tickets"), or None when there is nothing yet."""
    _SOURCES[name] = version
    if describe is not None:
        _DESCRIBE[name] = describe


def rules() -> list[Rule]:
    return sorted(_RULES.values(), key=lambda r: (r.order, r.key))


def areas() -> list[str]:
    """The areas whose pages lead with findings (the rules' areas)."""
    return sorted({r.area for r in _RULES.values()})


def data_sources() -> dict[str, Callable[[Any], str]]:
    return dict(sorted(_SOURCES.items()))


def data_descriptions() -> dict[str, Callable[[Any], str | None]]:
    return dict(sorted(_DESCRIBE.items()))


def threshold_groups() -> list[tuple[str, str, tuple[Threshold, ...]]]:
    """(group key, label, thresholds): the shared groups first, then each rule's own."""
    groups = [(key, label, items) for key, (label, items) in sorted(_SHARED.items())]
    groups += [(r.key, r.name, r.thresholds) for r in rules() if r.thresholds]
    return groups


def threshold_table() -> dict[str, Threshold]:
    """Every threshold by full key ("ops_aged_backlog.min_tickets")."""
    return {f"{group}.{t.name}": t for group, _label, items in threshold_groups() for t in items}


def rules_fingerprint() -> str:
    """Changes when a rule is added, removed, given a new version or its module's source changes
    (a reworded title, a new recommendation): stored findings then go stale and are recomputed."""
    return _fingerprint(tuple((r.key, r.version, r.function.__module__) for r in rules()))


@functools.cache
def _fingerprint(signature: tuple) -> str:
    digest = hashlib.sha256(repr(signature).encode())
    for module in sorted({entry[2] for entry in signature}):
        try:
            digest.update(inspect.getsource(sys.modules[module]).encode())
        except (OSError, TypeError, KeyError):
            pass  # no source (a frozen build): the keys and versions alone decide
    return digest.hexdigest()[:10]
