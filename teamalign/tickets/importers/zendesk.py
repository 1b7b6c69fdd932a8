"""Zendesk Support tickets with their metrics, shared by the JSON and CSV/Excel formats.

Not a format itself: :mod:`.zendesk_json` and :mod:`.zendesk_csv` read the two export shapes
into a table and this module turns it into tickets.

Zendesk facts the mapping relies on:

* ``status`` is new / open / pending / hold / solved / closed (the CSV shows them
  capitalised, "On-hold" for hold): open → in_progress, pending and hold → on_hold,
  solved → resolved; ``deleted`` (incremental exports) → canceled.
* ``priority`` urgent / high / normal / low → P1–P4; ``type`` incident / problem map as
  such, question and task are requests, an untyped ticket is an incident.
* Ticket metrics: ``reply_time_in_minutes`` and ``full_resolution_time_in_minutes`` come as
  ``{calendar, business}``; ``solved_at`` is the latest solve time, used as
  ``resolved_at``; ``reopens``; ``group_stations`` counts the groups a ticket went
  through, so ``reassignment_count`` = group stations − 1 (as ServiceNow counts group
  changes).
* ``first_response_at`` = ``created_at`` + the calendar first-reply minutes: Zendesk keeps
  the duration, not the instant, so it is minute-precise (the run's details say so).
* The durations Zendesk computed are kept as they are: ``source_response_seconds`` /
  ``source_resolution_seconds`` the calendar first-reply and full-resolution minutes × 60,
  ``source_response_business_seconds`` / ``source_resolution_business_seconds`` the
  business-hours ones. The standard exports carry no SLA verdict.
* ``closed_at`` = ``updated_at`` for closed tickets: Zendesk locks a ticket when it closes,
  so its last update is the closing.
* Satisfaction ``good`` → 10, ``bad`` → 0 (Zendesk's classic rating is binary); a numeric
  score 1–5 (CSAT surveys) → 0/3/5/8/10 as Jira's stars; offered / unoffered → null;
  anything else is ignored with a warning.
* The requester's Zendesk user id is kept (``requester_id``), so a requester known only by
  id can still be placed (by the side-loaded users, or a requester rule on the id).
"""

from __future__ import annotations

import polars as pl

from teamalign.ingest.dates import ISO_WITH_OFFSET, max_timestamp, parse_datetimes
from teamalign.ingest.numbers import parse_decimals, parse_whole_numbers
from teamalign.ingest.table import Table, text_values

from . import base
from .base import ParsedTickets, ProgressCallback
from .mapping import ImportMapping
from .vocabulary import STARS_TO_RATING, StateGuesses, count_labels, label_key, map_labels

SOURCE = "zendesk"

STATES = {"new": "new", "open": "in_progress", "pending": "on_hold", "hold": "on_hold",
          "on hold": "on_hold", "solved": "resolved", "closed": "closed",
          "deleted": "canceled"}

#: ISO 8601 as the API writes it; the CSV exports' formats follow.
DATE_FORMATS = (ISO_WITH_OFFSET, "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M",
                "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M")

_NO_RATING = {"offered", "unoffered", "not offered"}


def satisfaction_of(label: str) -> int | None:
    key = label_key(label)
    if key.startswith("good"):
        return 10
    if key.startswith("bad"):
        return 0
    try:
        stars = float(key.replace(",", "."))
    except ValueError:
        return None
    return STARS_TO_RATING.get(int(stars)) if stars.is_integer() else None


def _ratings(table: Table, column: str | None, warnings: list[str]) -> pl.Series:
    raw = text_values(table, column, strip=True)
    rating, unknown = map_labels(raw, satisfaction_of, dtype=pl.Int8)
    dropped = [label for label in unknown if label_key(label) not in _NO_RATING]
    if dropped:
        warnings.append(f"satisfaction values that are not a rating (good/bad, or 1–5) were "
                        f"ignored: {count_labels(raw, dropped)}")
    return rating


def parse_table(table: Table, cols: dict[str, str], *, format: str, rows_read: int,
                timezone: str, mapping: ImportMapping, progress: ProgressCallback | None,
                has_first_response: bool) -> ParsedTickets:
    """Turn a table of Zendesk fields (CSV columns or flattened JSON) into tickets."""
    total = table.height
    base.report_progress(progress, total // 4, total)
    warnings: list[str] = []
    guesses = StateGuesses()
    dates = parse_datetimes(
        table, {f: cols.get(f) for f in ("opened_at", "updated_at", "resolved_at")},
        mapping.date_formats or DATE_FORMATS, timezone=timezone, required=("opened_at",))
    base.report_progress(progress, total // 2, total)

    frame = base.shape_tickets(table, cols, dates, mapping=mapping, warnings=warnings,
                               default_kind="incident", state_overrides=STATES, guesses=guesses)

    def seconds(fld: str) -> pl.Series:
        minutes = parse_decimals(table, cols.get(fld), what="a number of minutes")
        return (minutes * 60).round().cast(pl.Int64)

    stations = parse_whole_numbers(table, cols.get("group_stations"), what="a count")
    updated = dates["updated_at"]
    frame = frame.with_columns(
        seconds("reply_calendar").alias("source_response_seconds"),
        seconds("reply_business").alias("source_response_business_seconds"),
        seconds("full_resolution_calendar").alias("source_resolution_seconds"),
        seconds("full_resolution_business").alias("source_resolution_business_seconds"),
        updated.alias("_updated"), stations.alias("_stations"),
        _ratings(table, cols.get("satisfaction"), warnings).alias("feedback_rating"),
    ).with_columns(
        (pl.col("opened_at") + pl.duration(seconds=pl.col("source_response_seconds")))
        .alias("first_response_at"),
        pl.when(pl.col("state") == "closed").then(pl.col("_updated")).alias("closed_at"),
        # Left empty without group stations: finish() tells "not recorded" from 0.
        (pl.col("_stations") - 1).clip(lower_bound=0).alias("reassignment_count"),
    ).drop("_updated", "_stations")
    base.report_progress(progress, 3 * total // 4, total)
    details = {}
    if has_first_response:
        details["first_response_from"] = ("Zendesk's first-reply time (the creation time plus the "
                                          "calendar minutes to the first reply)")
    result = base.finish(
        table, frame, source=SOURCE, format=format, rows_read=rows_read, warnings=warnings,
        columns=cols, guesses=guesses, has_first_response=has_first_response, details=details,
        source_timestamps={"max_updated_at": max_timestamp(updated)})
    base.report_progress(progress, total, total)
    return result
