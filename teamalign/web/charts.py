"""Vega-Lite chart specifications. Rendered in the browser by the offline bundle in
static/vendor/vega-bundle.js (built from vl-convert-python), or to SVG for reports."""

from __future__ import annotations

import json

import vl_convert

PALETTE = {"it": "#3559a8", "operations": "#d9822b", "other": "#8a94a6"}


def _spec(data: list[dict], mark: dict, encoding: dict, title: str, height: int = 220) -> dict:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": title, "width": "container", "height": height,
        "data": {"values": data}, "mark": mark, "encoding": encoding,
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": None}},
    }


def people_by_department(departments) -> dict:
    labels = {"it": "IT provider", "operations": "Operations", "other": "Comparison group"}
    data = [{"department": d.name, "kind": labels[d.kind], "people": d.people_count} for d in departments]
    return _spec(data, {"type": "bar", "tooltip": True}, {
        "y": {"field": "department", "type": "nominal", "sort": "-x", "title": None},
        "x": {"field": "people", "type": "quantitative", "title": "People"},
        "color": {"field": "kind", "type": "nominal", "title": None,
                  "scale": {"domain": [labels[k] for k in PALETTE], "range": list(PALETTE.values())}},
    }, "People by department", height=max(120, 28 * len(data)))


def to_svg(spec: dict) -> str:
    """Static SVG for reports and pages that must not need JavaScript."""
    return vl_convert.vegalite_to_svg(json.dumps({**spec, "width": 600}))
