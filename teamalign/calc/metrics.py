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
  waits longer. A ratio is only a finding when the comparison can carry it (:class:`Comparison`):
  both groups have at least ``min_tickets`` measured tickets, a Mann–Whitney U test says the
  durations differ (p < ``alpha``), and a seeded bootstrap gives the ratio's interval.
* **Month** is the calendar month the ticket was opened in the organisation's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from . import stats

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


@dataclass(frozen=True)
class Comparison:
    """When a ratio between two groups of tickets can be shown as a difference (docs/findings.md).

    ``min_tickets``: measured tickets each group needs; ``alpha``: the significance level of the
    Mann–Whitney U test; ``alert_ratio``: the ratio from which a significant difference is
    flagged (coloured on the page, a finding); ``confidence``: of the bootstrap interval.
    """

    min_tickets: int = 20
    alpha: float = 0.01
    alert_ratio: float = 1.5
    confidence: float = 0.95

    def key(self) -> str:
        return f"{self.min_tickets}/{self.alpha}/{self.alert_ratio}/{self.confidence}"


#: What a comparison concluded (``*_verdict``).
VERDICTS = {
    "not_measured": "not measured",
    "too_few": "too few tickets to compare",
    "no_difference": "no significant difference",
    "longer": "Operations waits longer",
    "shorter": "Operations waits less",
}


def compare_durations(operations: Sequence[float], others: Sequence[float],
                      comparison: Comparison = Comparison()) -> dict:
    """The statistics behind one ratio: counts, comparable, p-value, interval, verdict, alert.

    ``operations`` and ``others`` are the measured durations (no nulls) of the two groups.
    """
    n_ops, n_others = len(operations), len(others)
    out: dict = {"operations_measured": n_ops, "others_measured": n_others, "comparable": False,
                 "p_value": None, "ratio_low": None, "ratio_high": None, "significant": None,
                 "verdict": "not_measured" if not n_ops or not n_others else "too_few", "alert": False}
    if min(n_ops, n_others) < comparison.min_tickets:
        return out
    test = stats.mann_whitney_u(operations, others)
    interval = stats.bootstrap_median_ratio(operations, others, confidence=comparison.confidence)
    significant = test.p_value < comparison.alpha
    ratio = interval.estimate  # None when the others' median is 0 and Operations' is not: "infinitely" longer
    if not significant or ratio == 1:
        verdict = "no_difference"
    else:
        verdict = "longer" if ratio is None or ratio > 1 else "shorter"
    out.update(comparable=True, p_value=float(f"{test.p_value:.3g}"),
               ratio_low=round(interval.low, 3) if interval.low is not None else None,
               ratio_high=round(interval.high, 3) if interval.high is not None else None,
               significant=significant, verdict=verdict,
               alert=verdict == "longer" and (ratio is None or ratio >= comparison.alert_ratio))
    return out


def operations_vs_others(tickets: pl.DataFrame, comparison: Comparison = Comparison()) -> list[dict]:
    """Per priority: Operations' and the other departments' medians and attainment, the ratios,
    and whether each ratio can be trusted (:func:`compare_durations`: ``{what}_comparable``,
    ``{what}_p_value``, ``{what}_ratio_low``/``_high``, ``{what}_verdict``, ``{what}_alert``)."""
    segmented = tickets.with_columns(_segment(tickets).alias("segment")).filter(
        pl.col("segment").is_not_null() & pl.col("priority").is_not_null())
    rows = {(r["priority"], r["segment"]): r for r in breakdown(segmented, ["priority", "segment"])}
    durations = {
        (priority, segment): frame
        for (priority, segment), frame in segmented.select(
            "priority", "segment", "response_business_seconds", "resolution_business_seconds").group_by(
            ["priority", "segment"])}
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
            column = f"{what}_business_seconds"
            measured = [durations[(priority, segment)][column].drop_nulls().to_numpy()
                        if (priority, segment) in durations else []
                        for segment in ("operations", "others")]
            compared = compare_durations(measured[0], measured[1], comparison)
            row[f"operations_{what}_measured"] = compared.pop("operations_measured")
            row[f"others_{what}_measured"] = compared.pop("others_measured")
            row.update({f"{what}_{key}": value for key, value in compared.items()})
        row["operations_tickets"] = ops["tickets"] if ops else 0
        row["others_tickets"] = others["tickets"] if others else 0
        out.append(row)
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def it_team_outliers(tickets: pl.DataFrame, comparison: Comparison = Comparison()) -> list[dict]:
    """Per IT team (assignment group): its reopen rate and mean reassignments against the tickets
    of every other team, the tests that say whether it stands out, and its resolution attainment.

    Reopen rates are compared with :func:`stats.two_proportions`, reassignment counts with the
    Mann–Whitney U test (from their histogram, so a million tickets cost as little as a hundred).
    Tests are run only when both the team and the rest have ``comparison.min_tickets`` tickets
    (``comparable``); p-values are two-sided. Most tickets first.
    """
    teams = tickets.filter(pl.col("assignment_group").is_not_null()).with_columns(
        pl.col("reopen_count").fill_null(0), pl.col("reassignment_count").fill_null(0))
    if teams.height == 0:
        return []
    per_team = teams.group_by("assignment_group").agg(
        pl.len().alias("tickets"),
        (pl.col("reopen_count") > 0).sum().alias("reopened"),
        pl.col("reassignment_count").sum().alias("reassignments"),
        pl.col("resolution_breached").is_not_null().sum().alias("resolution_measured"),
        (pl.col("resolution_breached") == False).sum().alias("resolution_met"),  # noqa: E712
    ).sort(["tickets", "assignment_group"], descending=[True, False])
    histogram = teams.group_by("assignment_group", "reassignment_count").len()
    values = histogram["reassignment_count"].unique().sort()
    every = histogram.group_by("reassignment_count").agg(pl.col("len").sum())
    every_counts = pl.DataFrame({"reassignment_count": values}).join(
        every, on="reassignment_count", how="left")["len"].fill_null(0).to_numpy()
    total_tickets, total_reopened = int(per_team["tickets"].sum()), int(per_team["reopened"].sum())
    total_reassignments = int(per_team["reassignments"].sum())
    out = []
    for row in per_team.iter_rows(named=True):
        n, reopened = int(row["tickets"]), int(row["reopened"])
        rest_n, rest_reopened = total_tickets - n, total_reopened - reopened
        rest_reassignments = total_reassignments - int(row["reassignments"])
        item = {
            "team": row["assignment_group"], "tickets": n, "reopened": reopened, "reopen_rate": _rate(reopened, n),
            "others_tickets": rest_n, "others_reopened": rest_reopened,
            "others_reopen_rate": _rate(rest_reopened, rest_n),
            "mean_reassignments": round(int(row["reassignments"]) / n, 3),
            "others_mean_reassignments": round(rest_reassignments / rest_n, 3) if rest_n else None,
            "resolution_measured": int(row["resolution_measured"]), "resolution_met": int(row["resolution_met"]),
            "resolution_attainment": _rate(int(row["resolution_met"]), int(row["resolution_measured"])),
            "comparable": n >= comparison.min_tickets and rest_n >= comparison.min_tickets,
            "reopen_p_value": None, "reassignment_p_value": None,
        }
        if item["comparable"]:
            item["reopen_p_value"] = float(f"{stats.two_proportions(reopened, n, rest_reopened, rest_n).p_value:.3g}")
            mine = pl.DataFrame({"reassignment_count": values}).join(
                histogram.filter(pl.col("assignment_group") == row["assignment_group"]),
                on="reassignment_count", how="left")["len"].fill_null(0).to_numpy()
            test = stats.mann_whitney_u_counts(values.to_numpy(), mine, every_counts - mine)
            item["reassignment_p_value"] = float(f"{test.p_value:.3g}")
        out.append(item)
    return out


def opened_outside_hours(tickets: pl.DataFrame, comparison: Comparison = Comparison()) -> dict:
    """How many of Operations' and the other departments' tickets were opened outside the open
    hours of the schedule their SLA is measured in (``outside_hours``: bool per ticket, null when
    unknown), and whether the two shares differ (:func:`stats.two_proportions`, two-sided)."""
    segmented = tickets.with_columns(_segment(tickets).alias("segment")).filter(
        pl.col("segment").is_not_null() & pl.col("outside_hours").is_not_null())
    out: dict = {}
    for segment in ("operations", "others"):
        part = segmented.filter(pl.col("segment") == segment)
        outside = int(part["outside_hours"].sum()) if part.height else 0
        out[segment] = {"tickets": part.height, "outside": outside, "share": _rate(outside, part.height)}
    ops, others = out["operations"], out["others"]
    out["comparable"] = min(ops["tickets"], others["tickets"]) >= comparison.min_tickets
    out["p_value"] = float(f"{stats.two_proportions(ops['outside'], ops['tickets'], others['outside'], others['tickets']).p_value:.3g}") \
        if out["comparable"] else None
    return out


#: States in which a ticket has had its first response, whatever the source says.
RESPONDED_STATES = ("in_progress", "on_hold", "resolved", "closed")


def response_coverage(tickets: pl.DataFrame) -> list[dict]:
    """Per source (``source``): of the tickets that must have been answered (in progress, on hold,
    resolved or closed), how many carry a first-response time (``first_response_at``)."""
    if tickets.height == 0:
        return []
    per_source = tickets.group_by("source").agg(
        pl.len().alias("tickets"),
        pl.col("state").is_in(RESPONDED_STATES).sum().alias("answered"),
        (pl.col("state").is_in(RESPONDED_STATES) & pl.col("first_response_at").is_not_null()).sum()
        .alias("with_first_response"),
    ).sort(["tickets", "source"], descending=[True, False])
    return [{"source": r["source"], "tickets": int(r["tickets"]), "answered": int(r["answered"]),
             "with_first_response": int(r["with_first_response"]),
             "coverage": _rate(int(r["with_first_response"]), int(r["answered"]))}
            for r in per_source.iter_rows(named=True)]


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


def responsiveness(tickets: pl.DataFrame, *, timezone: str = "UTC", comparison: Comparison = Comparison()) -> dict:
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
        "comparison": {"min_tickets": comparison.min_tickets, "alpha": comparison.alpha,
                       "alert_ratio": comparison.alert_ratio, "confidence": comparison.confidence},
        "operations_vs_others": operations_vs_others(tickets, comparison),
        "monthly": monthly(tickets, timezone),
        "breakdowns": {key: breakdown(tickets, column) for key, (column, _title) in BREAKDOWNS.items()},
        "response_not_recorded_sources": sorted(
            tickets.filter(pl.col("response_basis") == "none")["source"].drop_nulls().unique().to_list()),
        "backlog_as_of": backlog_as_of(tickets),
        "source_verdicts": source_verdicts(tickets),
    }
