"""Vega-Lite specifications of the Responsiveness page (rendered by the offline bundle, see
teamalign/web/charts.py); each chart sits beside a table holding the same numbers."""

from __future__ import annotations

from teamalign.web.charts import PALETTE

SEGMENTS = {"operations": "Operations", "others": "Other departments", "all": "All tickets"}
COLOURS = {"Operations": PALETTE["operations"], "Other departments": PALETTE["other"], "All tickets": PALETTE["it"]}


def _spec(data: list[dict], layer_encoding: dict, title: str, y_title: str, y_format: str = "") -> dict:
    axis = {"title": y_title, **({"format": y_format} if y_format else {})}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        # Left-aligned and small, so a phone-width chart shows its whole title.
        "title": {"text": title, "anchor": "start", "fontSize": 12}, "width": "container", "height": 220,
        "data": {"values": data},
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "title": None},
            "y": {**layer_encoding, "axis": axis},
            "color": {"field": "segment", "type": "nominal", "title": None,
                      "scale": {"domain": list(COLOURS), "range": list(COLOURS.values())}},
        },
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": None}},
    }


def monthly_response(monthly: list[dict]) -> dict:
    data = [{"month": r["month"], "segment": SEGMENTS[r["segment"]],
             "hours": round(r["response_median"] / 3600, 2) if r["response_median"] is not None else None}
            for r in monthly if r["segment"] != "all"]
    return _spec(data, {"field": "hours", "type": "quantitative"},
                 "Median time to first response, by month opened", "Business hours")


def monthly_attainment(monthly: list[dict]) -> dict:
    data = [{"month": r["month"], "segment": SEGMENTS[r["segment"]], "attainment": r["resolution_attainment"]}
            for r in monthly if r["segment"] != "all"]
    return _spec(data, {"field": "attainment", "type": "quantitative", "scale": {"domain": [0, 1]}},
                 "Resolution target met, by month opened", "Attainment", ".0%")
