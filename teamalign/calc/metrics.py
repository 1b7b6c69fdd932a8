"""Responsiveness figures from a frame of tickets: pure Polars, no Django, no database.

Input: one row per ticket with the columns of :data:`TICKET_COLUMNS` (the selectors load them).
Output: JSON-ready dicts, the same for the web page, the API and ``teamalign metrics``.

Definitions (PRODUCT.md, "Metric definitions"; the derived columns are made by the import):

* **Median / p90** of business seconds to first response and to resolution, over the tickets
  measured (those with a first response / a resolution). p90 interpolates linearly between
  the two nearest ranks (NumPy's default), the median is the usual middle value.
* **Attainment** = met / measured, where measured counts tickets with a breach flag (met or
  breached) and met those not breached. Tickets not yet due, or without a target, have no flag
  and are excluded. Shown as a fraction 0..1; null when nothing was measured.
* **Not measured** is null, never 0: a median, p90 or attainment with no ticket behind it; the
  response figures of tickets whose export records no first responses (``response_basis`` none,
  counted in ``response_not_recorded``); reopen and reassignment figures over tickets whose
  export records no such counts (null counts).
* **Open backlog by age**: open tickets (new, in progress, on hold) bucketed by *calendar* age
  at the time their export was taken (``as_of``): <1d, 1–3d, 3–7d, 7–30d, >30d. Calendar, not
  business, because backlog age is how long the requester has been waiting. ``backlog_as_of``
  says, per origin of that instant (the export's last update, an instant given with the import,
  or the import itself), how many open tickets are measured at which instants.
* **Reopen rate** = share of tickets reopened at least once; **mean reassignments** per ticket;
  both over the tickets whose export records the count.
* **Source verdicts**: where the source tool gave its own SLA verdict (``source_*_breached``),
  per source: how many tickets both verdicts cover, on how many they differ, and both
  attainments over the same tickets.
* **Operations vs others at the same priority**: for each priority, Operations' median divided
  by the median of the other customer departments (kind "other": the IT department's own
  tickets and tickets of unknown departments are in neither group). Above 1 means Operations
  waits longer.
* **Month** is the calendar month the ticket was opened in the organisation's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

OPEN_STATES = ("new", "in_progress", "on_hold")
DAY = 86_400
BACKLOG_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("<1d", 0, DAY), ("1–3d", DAY, 3 * DAY), ("3–7d", 3 * DAY, 7 * DAY),
    ("7–30d", 7 * DAY, 30 * DAY), (">30d", 30 * DAY, None))

#: What the calculations read. ``department_kind`` is it / operations / other / null (unknown).
TICKET_COLUMNS: dict[str, pl.DataType] = {
    "department": pl.Utf8, "department_kind": pl.Utf8, "team": pl.Utf8, "priority": pl.Int8,
    "category": pl.Utf8, "assignment_group": pl.Utf8, "state": pl.Utf8,
    "opened_at": pl.Datetime("us", "UTC"), "as_of": pl.Datetime("us", "UTC"),
    "response_business_seconds": pl.Int64, "resolution_business_seconds": pl.Int64,
    "response_breached": pl.Boolean, "resolution_breached": pl.Boolean,
    "reopen_count": pl.Int32, "reassignment_count": pl.Int32,
    "source": pl.Utf8, "response_basis": pl.Utf8, "as_of_source": pl.Utf8,
    "source_response_breached": pl.Boolean, "source_resolution_breached": pl.Boolean,
}

#: Breakdowns shown on the page: key → (column, title).
BREAKDOWNS: dict[str, tuple[str, str]] = {
    "department": ("department", "Requesting department"),
    "team": ("team", "Requesting team"),
    "priority": ("priority", "Priority"),
    "category": ("category", "Category"),
    "it_team": ("assignment_group", "IT team (assignment group)"),
}


def _measures() -> list[pl.Expr]:
    response, resolution = pl.col("response_business_seconds"), pl.col("resolution_business_seconds")
    age = (pl.col("as_of") - pl.col("opened_at")).dt.total_seconds()
    is_open = pl.col("state").is_in(OPEN_STATES)
    measures = [
        pl.len().alias("tickets"),
        is_open.sum().alias("open"),
        response.median().alias("response_median"),
        response.quantile(0.9, interpolation="linear").alias("response_p90"),
        resolution.median().alias("resolution_median"),
        resolution.quantile(0.9, interpolation="linear").alias("resolution_p90"),
    ]
    for what in ("response", "resolution"):
        flag = pl.col(f"{what}_breached")
        measures += [flag.is_not_null().sum().alias(f"{what}_measured"),
                     (flag == False).sum().alias(f"{what}_met")]  # noqa: E712 (a column, not a bool)
    measures.append((pl.col("response_basis") == "none").sum().alias("response_not_recorded"))
    for label, low, high in BACKLOG_BUCKETS:
        # The first bucket has no lower bound: a ticket opened after its as-of instant (a clock
        # skew in the source) is new, and every open ticket lands in a bucket.
        inside = is_open & ((age >= low) if low else pl.lit(True)) \
            & ((age < high) if high is not None else pl.lit(True))
        measures.append(inside.sum().alias(f"backlog {label}"))
    measures += [
        (pl.col("reopen_count") > 0).mean().alias("reopen_rate"),
        pl.col("reassignment_count").mean().alias("mean_reassignments"),
    ]
    return measures


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    """Attainment from met/measured, and seconds as whole numbers."""
    return frame.with_columns(
        *(pl.when(pl.col(f"{w}_measured") > 0).then(pl.col(f"{w}_met") / pl.col(f"{w}_measured"))
          .alias(f"{w}_attainment") for w in ("response", "resolution")),
        *(pl.col(c).round(0).cast(pl.Int64) for c in ("response_median", "response_p90", "resolution_median",
                                                         "resolution_p90")),
    )


def _rows(frame: pl.DataFrame) -> list[dict]:
    """Rows as dicts, with the backlog buckets gathered into one list."""
    out = []
    for row in frame.iter_rows(named=True):
        row["backlog"] = [row.pop(f"backlog {label}") for label, _l, _h in BACKLOG_BUCKETS]
        for key in ("reopen_rate", "mean_reassignments", "response_attainment", "resolution_attainment"):
            if row.get(key) is not None:
                row[key] = round(float(row[key]), 4)
        out.append(row)
    return out


def summary(tickets: pl.DataFrame) -> dict:
    """Every measure over all of ``tickets``."""
    return _rows(_finish(tickets.select(_measures())))[0]


def breakdown(tickets: pl.DataFrame, by: str | Sequence[str], *, sort_by_count: bool = True) -> list[dict]:
    """Every measure per value of ``by`` (a column or several); most tickets first, or by key."""
    keys = [by] if isinstance(by, str) else list(by)
    grouped = _finish(tickets.group_by(keys).agg(_measures()))
    grouped = grouped.sort(["tickets", *keys], descending=[True] + [False] * len(keys), nulls_last=True) \
        if sort_by_count else grouped.sort(keys, nulls_last=True)
    rows = _rows(grouped)
    if len(keys) == 1:
        for row in rows:
            row["key"] = row[keys[0]]
    return rows


def _segment(tickets: pl.DataFrame) -> pl.Expr:
    kind = pl.col("department_kind")
    return (pl.when(kind == "operations").then(pl.lit("operations"))
            .when(kind == "other").then(pl.lit("others")).otherwise(pl.lit(None, dtype=pl.Utf8)))


def operations_vs_others(tickets: pl.DataFrame) -> list[dict]:
    """Per priority: Operations' and the other departments' medians and attainment, and the ratios."""
    segmented = tickets.with_columns(_segment(tickets).alias("segment")).filter(
        pl.col("segment").is_not_null() & pl.col("priority").is_not_null())
    rows = {(r["priority"], r["segment"]): r for r in breakdown(segmented, ["priority", "segment"])}
    out = []
    for priority in sorted({p for p, _s in rows}):
        ops, others = rows.get((priority, "operations")), rows.get((priority, "others"))
        row: dict = {"priority": priority}
        for what in ("response", "resolution"):
            ops_median = ops[f"{what}_median"] if ops else None
            others_median = others[f"{what}_median"] if others else None
            row[f"operations_{what}_median"] = ops_median
            row[f"others_{what}_median"] = others_median
            row[f"operations_{what}_attainment"] = ops[f"{what}_attainment"] if ops else None
            row[f"others_{what}_attainment"] = others[f"{what}_attainment"] if others else None
            row[f"{what}_ratio"] = round(ops_median / others_median, 3) \
                if ops_median is not None and others_median else None
        row["operations_tickets"] = ops["tickets"] if ops else 0
        row["others_tickets"] = others["tickets"] if others else 0
        out.append(row)
    return out


def monthly(tickets: pl.DataFrame, timezone: str) -> list[dict]:
    """Per month opened (in ``timezone``): Operations, the other departments, and all tickets."""
    months = tickets.with_columns(
        pl.col("opened_at").dt.convert_time_zone(timezone).dt.strftime("%Y-%m").alias("month"),
        _segment(tickets).alias("segment"))
    split = breakdown(months.filter(pl.col("segment").is_not_null()), ["month", "segment"], sort_by_count=False)
    everyone = breakdown(months.with_columns(pl.lit("all").alias("segment")), ["month", "segment"],
                         sort_by_count=False)
    return sorted(split + everyone, key=lambda r: (r["month"], r["segment"]))


def backlog_as_of(tickets: pl.DataFrame) -> list[dict]:
    """Open tickets per origin of the instant their age is measured at (export, given, import),
    with the earliest and latest such instants; most open tickets first."""
    open_tickets = tickets.filter(pl.col("state").is_in(OPEN_STATES))
    if open_tickets.height == 0:
        return []
    grouped = open_tickets.group_by("as_of_source").agg(
        pl.len().alias("open"), pl.col("as_of").min().alias("earliest"), pl.col("as_of").max().alias("latest"))
    return [{"source": r["as_of_source"] or "export", "open": r["open"], "earliest": r["earliest"].isoformat(),
             "latest": r["latest"].isoformat()}
            for r in grouped.sort(["open", "as_of_source"], descending=[True, False]).iter_rows(named=True)]


def source_verdicts(tickets: pl.DataFrame) -> list[dict]:
    """Per source tool that gave SLA verdicts: where its verdict and teamalign's differ."""
    theirs_any = pl.col("source_response_breached").is_not_null() | pl.col("source_resolution_breached").is_not_null()
    judged = tickets.filter(theirs_any)
    if judged.height == 0:
        return []
    exprs = [pl.len().alias("tickets")]
    differs = pl.lit(False)
    for what in ("response", "resolution"):
        ours, theirs = pl.col(f"{what}_breached"), pl.col(f"source_{what}_breached")
        both = ours.is_not_null() & theirs.is_not_null()
        differ = both & (ours != theirs)
        differs = differs | differ
        exprs += [both.sum().alias(f"{what}_compared"), differ.sum().alias(f"{what}_differ"),
                  (both & ~ours).sum().alias(f"{what}_met"), (both & ~theirs).sum().alias(f"{what}_source_met"),
                  (differ & theirs).sum().alias(f"{what}_source_breached_teamalign_met"),
                  (differ & ~theirs).sum().alias(f"{what}_source_met_teamalign_breached")]
    exprs.append(differs.sum().alias("differ"))
    out = []
    for row in judged.group_by("source").agg(exprs).sort("source").iter_rows(named=True):
        for what in ("response", "resolution"):
            compared, met, source_met = row[f"{what}_compared"], row.pop(f"{what}_met"), row.pop(f"{what}_source_met")
            row[f"{what}_attainment"] = round(met / compared, 4) if compared else None
            row[f"{what}_source_attainment"] = round(source_met / compared, 4) if compared else None
        out.append(row)
    return out


def responsiveness(tickets: pl.DataFrame, *, timezone: str = "UTC") -> dict:
    """The whole Responsiveness view: Operations first, then the comparisons and breakdowns."""
    segment = _segment(tickets)
    as_of = tickets["as_of"].max() if tickets.height else None
    unknown = tickets.filter(pl.col("department").is_null()).height
    return {
        "tickets": tickets.height,
        "as_of": as_of.isoformat() if isinstance(as_of, datetime) else None,
        "without_department": unknown,
        "backlog_buckets": [label for label, _l, _h in BACKLOG_BUCKETS],
        "operations": summary(tickets.filter(segment == "operations")),
        "others": summary(tickets.filter(segment == "others")),
        "all": summary(tickets),
        "operations_vs_others": operations_vs_others(tickets),
        "monthly": monthly(tickets, timezone),
        "breakdowns": {key: breakdown(tickets, column) for key, (column, _title) in BREAKDOWNS.items()},
        "response_not_recorded_sources": sorted(
            tickets.filter(pl.col("response_basis") == "none")["source"].drop_nulls().unique().to_list()),
        "backlog_as_of": backlog_as_of(tickets),
        "source_verdicts": source_verdicts(tickets),
    }
