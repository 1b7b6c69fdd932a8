"""Each area's headline for the Overview: one figure with its verdict, or — where the area has no
data yet — what data would measure it and where to bring it.

An area registers a function from its app's ``ready()``; the Overview shows the registered
headlines in the navigation's order (``navigation.AREA_ORDER``). A headline function reads through
its area's selectors only and must be cheap (the Overview calls every one on each view): read
cached or stored figures, never recompute a whole area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .navigation import AREA_ORDER


@dataclass(frozen=True)
class Headline:
    """What the Overview says about one area.

    ``value`` is the figure as people read it ("79.8 %", "2 h 41 m", "+12"), or None when the area
    is not measured; then ``missing`` says what data would measure it and ``action_url`` where to
    bring it. ``tone`` is "good", "bad" or "" (no colour), decided by a documented threshold.
    """

    area: str
    label: str
    value: str | None = None
    note: str = ""
    url: str | None = None
    tone: str = ""
    missing: str = ""
    action_label: str = ""
    action_url: str | None = None
    details: dict = field(default_factory=dict)

    @property
    def measured(self) -> bool:
        return self.value is not None


HeadlineFunction = Callable[..., Headline | None]
_HEADLINES: dict[str, HeadlineFunction] = {}


def register_headline(area: str, function: HeadlineFunction) -> None:
    """``function(organisation, *, user_can_import: bool) -> Headline | None`` for ``area`` (a key
    of ``navigation.AREA_ORDER``); None hides the area on the Overview."""
    if area not in AREA_ORDER:
        raise ValueError(f"unknown area {area}")
    _HEADLINES[area] = function


def headlines(organisation, *, user_can_import: bool) -> list[Headline]:
    """The registered headlines for an organisation, in the navigation's order."""
    found = []
    for area in AREA_ORDER:
        function = _HEADLINES.get(area)
        if function is None:
            continue
        headline = function(organisation, user_can_import=user_can_import)
        if headline is not None:
            found.append(headline)
    return found
