"""The areas in the main navigation. An area appears once its app registers it, so areas
that are not built yet show nothing rather than an empty page."""

from __future__ import annotations

from dataclasses import dataclass

from teamalign.orgs.roles import Permission

# The order of the product's areas; only registered ones are shown.
AREA_ORDER = ["overview", "findings", "responsiveness", "perception", "value", "partnership", "actions", "data"]


@dataclass(frozen=True)
class Area:
    key: str
    label: str
    url_name: str
    permission: Permission = Permission.VIEW


_AREAS: dict[str, Area] = {}


def register_area(area: Area) -> None:
    if area.key not in AREA_ORDER:
        raise ValueError(f"unknown area {area.key}")
    _AREAS[area.key] = area


def areas() -> list[Area]:
    return [_AREAS[key] for key in AREA_ORDER if key in _AREAS]


register_area(Area("overview", "Overview", "overview"))
register_area(Area("data", "Data", "data"))
