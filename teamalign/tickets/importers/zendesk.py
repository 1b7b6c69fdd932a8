"""Zendesk Support tickets with their metrics, shared by the JSON and CSV formats.

Not a format itself: :mod:`.zendesk_json` and :mod:`.zendesk_csv` read the two
export shapes into a table and this module turns it into tickets.

Zendesk facts the mapping relies on:

* ``status`` is new / open / pending / hold / solved / closed (the CSV shows them
  capitalised, "On-hold" for hold): open → in_progress, pending and hold →
  on_hold, solved → resolved; ``deleted`` (incremental exports) → canceled.
* ``priority`` urgent / high / normal / low → P1–P4; ``type`` incident / problem
  map as such, question and task are requests, an untyped ticket is an incident.
* Ticket metrics: ``reply_time_in_minutes`` and ``full_resolution_time_in_minutes``
  come as ``{calendar, business}``; ``solved_at`` is the latest solve time, used as
  ``resolved_at``; ``reopens``; ``group_stations`` counts the groups a ticket went
  through, so ``reassignment_count`` = group stations − 1 (as ServiceNow counts
  group changes).
* ``first_response_at`` = ``created_at`` + the calendar first-reply minutes (Zendesk
  keeps the duration, not the instant, so it is minute-precise).
* ``source_response_seconds`` / ``source_resolution_seconds`` = the business-hours
  first-reply and full-resolution minutes × 60, as Zendesk computed them.
* ``closed_at`` = ``updated_at`` for closed tickets: Zendesk locks a ticket when it
  closes, so its last update is the closing.
* Satisfaction ``good`` → 10, ``bad`` → 0 (Zendesk's rating is binary); offered /
  unoffered → null.
"""

from __future__ import annotations

import polars as pl

from . import base
from .base import ImportMapping, ParsedTickets, ProgressCallback, Table

SOURCE = "zendesk"

STATES = {"new": "new", "open": "in_progress", "pending": "on_hold", "hold": "on_hold",
          "on hold": "on_hold", "solved": "resolved", "closed": "closed",
          "deleted": "canceled"}

#: ISO 8601 as the API writes it; the CSV exports' formats follow.
DATE_FORMATS = (base.ISO_WITH_OFFSET, "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M",
                "%d.%m.%Y %H:%M")

def satisfaction_of(label: str) -> int | None:
    key = base.label_key(label)
    if key.startswith("good"):
        return 10
    if key.startswith("bad"):
        return 0
    return None


def parse_table(table: Table, cols: dict[str, str], *, format: str, rows_read: int,
                timezone: str, mapping: ImportMapping,
                progress: ProgressCallback | None) -> ParsedTickets:
    """Turn a table of Zendesk fields (CSV columns or flattened JSON) into tickets."""
    total = table.height
    base.report_progress(progress, total // 4, total)
    warnings: list[str] = []
    dates = base.parse_datetimes(
        table, {f: cols[f] for f in ("opened_at", "updated_at", "resolved_at") if f in cols},
        mapping.date_formats or DATE_FORMATS, timezone=timezone)
    base.report_progress(progress, total // 2, total)

    frame = base.shape_tickets(table, cols, dates, mapping=mapping, warnings=warnings,
                               default_kind="incident", state_overrides=STATES)

    def minutes(fld: str) -> pl.Series:
        return base.parse_ints(table, cols.get(fld), dtype=pl.Int64, what="a number of minutes")

    stations = base.parse_ints(table, cols.get("group_stations"), what="a count")
    satisfaction = base.text_values(table, cols.get("satisfaction"))
    rating, _ = base.map_labels(satisfaction, satisfaction_of, dtype=pl.Int8)
    updated = dates["updated_at"] if "updated_at" in dates.columns else \
        base.nulls("", table.height, base.UTC)
    frame = frame.with_columns(
        minutes("reply_calendar").alias("_reply"), updated.alias("_updated"),
        stations.alias("_stations"), rating.alias("feedback_rating"),
        (minutes("reply_business") * 60).alias("source_response_seconds"),
        (minutes("full_resolution_business") * 60).alias("source_resolution_seconds"),
    ).with_columns(
        (pl.col("opened_at") + pl.duration(minutes=pl.col("_reply")))
        .alias("first_response_at"),
        pl.when(pl.col("state") == "closed").then(pl.col("_updated")).alias("closed_at"),
        (pl.col("_stations") - 1).clip(lower_bound=0).fill_null(0)
        .alias("reassignment_count"),
    ).drop("_reply", "_updated", "_stations")
    base.report_progress(progress, 3 * total // 4, total)
    result = base.finish(
        table, frame, source=SOURCE, format=format, rows_read=rows_read, warnings=warnings,
        columns=cols, source_timestamps={"max_updated_at": base.max_timestamp(updated)})
    base.report_progress(progress, total, total)
    return result
