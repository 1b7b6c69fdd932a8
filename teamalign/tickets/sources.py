"""What a ticket export says besides its tickets' times, settled before they are measured.

Pure Polars (no Django), used by the import service:

* **When the export was taken** (:func:`as_of`): open tickets' ages and "still waiting" breaches
  are measured at one instant. In order: the instant the user gave (``--as-of``, the Data page's
  *As of* field, the API's ``as_of``); else the export's newest last-update time; else the import
  itself, with a warning, since an old export's open tickets would then all look old.
* **Where each first response comes from** (:func:`first_responses`): the source's first-response
  time; else, when the source gives only how long the first response took, opened + that
  calendar duration (then measured in our schedule like any other); else the source's own
  business-hours duration taken as it is; else, for an export that has no first-response data at
  all, nothing: response is "not measured" for those tickets instead of every new ticket ageing
  into a breach.
* **The source's own SLA verdicts**: kept beside ours. Jira exports give the time *left* on each
  SLA cycle (``source_timestamps["sla_remaining_seconds"]``); a negative value is Jira's
  "breached", a non-negative one on a finished cycle its "met".
* **Counts the export does not record** (reassignments, reopens) stay null, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl

from .importers import ParsedTickets

#: A first-response duration beyond this is not a duration anyone measured (bad source data).
LONGEST_DURATION_SECONDS = 20 * 366 * 86_400
OPEN_STATES = ("new", "in_progress", "on_hold")

BASIS_TEXT = {
    "time": "from the export's first-response times",
    "calendar_duration": "from the export's first-response durations: opened + the calendar duration, "
                         "business time then measured in our schedule",
    "business_duration": "from the export's first-response durations in its own business hours, taken as "
                         "they are (there is no calendar figure)",
    "none": "not measured: the export has no first-response data",
}


def local_text(instant: datetime, timezone: str) -> str:
    """"2026-03-05 14:02 (Europe/London)" — how messages show an instant."""
    return f"{instant.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M} ({timezone})"


@dataclass
class AsOf:
    at: datetime
    source: str  # models.AsOfSource: export, given or import
    warnings: list[str] = field(default_factory=list)

    def describe(self, timezone: str) -> str:
        why = {"export": "the export's last update", "given": "the as-of instant given with the import",
               "import": "the import: the export has no last-update time"}[self.source]
        return f"{local_text(self.at, timezone)}, {why}"


def _aware(value) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def as_of(parsed: ParsedTickets, *, now: datetime, given: datetime | None, timezone: str,
          open_tickets: int) -> AsOf:
    """When the export was taken, as well as we know it (see the module docstring).

    The newest time in the file bounds it from below: an export cannot hold an update made after
    it was taken, so a given or last-update instant before that time gives way to it (with a
    warning when the user gave it). ``now`` bounds it from above.
    """
    updated = _aware(parsed.source_timestamps.get("max_updated_at"))
    times = [updated] + [_aware(parsed.tickets[c].max()) for c in
                         ("opened_at", "first_response_at", "resolved_at", "closed_at")]
    known = [t for t in times if t is not None]
    latest = min(max(known), now) if known else None
    if given is not None:
        if latest is not None and latest > given:
            return AsOf(latest, "export", [
                f"the file has times after the as-of instant given ({local_text(given, timezone)}): its latest is "
                f"{local_text(latest, timezone)}, so open tickets are measured as of that time"])
        return AsOf(given, "given")
    if updated is not None and latest is not None:
        return AsOf(latest, "export")
    warnings = []
    if open_tickets:
        warnings.append(
            f"this export has no last-update column: open tickets' ages are measured as of the import, "
            f"{local_text(now, timezone)}; pass --as-of / the As of field to measure them as of the export")
    return AsOf(now, "import", warnings)


def first_responses(parsed: ParsedTickets) -> tuple[pl.DataFrame, dict[str, int], list[str]]:
    """The tickets with ``response_basis``, first responses filled from calendar durations, the
    source's verdicts (Jira's from its SLA fields) and unrecorded counts as null.

    Returns (tickets, tickets per basis, warnings).
    """
    tickets = parsed.tickets
    warnings: list[str] = []
    calendar, business = pl.col("source_response_seconds"), pl.col("source_response_business_seconds")
    usable = {name: pl.col(name).is_between(0, LONGEST_DURATION_SECONDS)
              for name in ("source_response_seconds", "source_response_business_seconds")}
    unusable = tickets.select(sum((pl.col(n).is_not_null() & ~u).sum() for n, u in usable.items())).item()
    if unusable:
        warnings.append(f"{unusable} first-response duration(s) are negative or longer than 20 years "
                        "(bad source data); they were ignored")
    first, opened = pl.col("first_response_at"), pl.col("opened_at")
    # Masked before the arithmetic: every branch is evaluated, and a wild value would overflow.
    responded = opened + pl.duration(seconds=pl.when(usable["source_response_seconds"]).then(calendar))
    from_calendar = first.is_null() & usable["source_response_seconds"]
    # An importer may have made the instant from the calendar duration itself.
    made_from_calendar = first.is_not_null() & (first == responded)
    basis = (pl.when(made_from_calendar.fill_null(False) | from_calendar.fill_null(False))
             .then(pl.lit("calendar_duration"))
             .when(first.is_not_null()).then(pl.lit("time"))
             .when(usable["source_response_business_seconds"].fill_null(False)).then(pl.lit("business_duration"))
             .when(pl.lit(not parsed.has_first_response)).then(pl.lit("none"))
             .otherwise(pl.lit("time")))
    tickets = tickets.with_columns(
        pl.when(from_calendar.fill_null(False)).then(responded).otherwise(first)
        .alias("first_response_at"),
        basis.alias("response_basis"),
        pl.when(usable["source_response_business_seconds"].fill_null(False)).then(business)
        .alias("source_response_business_seconds"))
    if not parsed.has_reassignment_count:
        tickets = tickets.with_columns(pl.lit(None, dtype=pl.Int32).alias("reassignment_count"))
    if not parsed.has_reopen_count:
        tickets = tickets.with_columns(pl.lit(None, dtype=pl.Int32).alias("reopen_count"))
    tickets = _jira_verdicts(tickets, parsed.source_timestamps.get("sla_remaining_seconds"))
    counts = dict(tickets["response_basis"].value_counts().iter_rows())
    return tickets, counts, warnings


def _jira_verdicts(tickets: pl.DataFrame, remaining) -> pl.DataFrame:
    """Fill the source verdicts the importer left empty from Jira's time left per SLA cycle."""
    if not isinstance(remaining, pl.DataFrame) or remaining.height == 0:
        return tickets
    left = remaining.select(
        "external_id", pl.col("time_to_first_response").alias("_left_response"),
        pl.col("time_to_resolution").alias("_left_resolution"))
    joined = tickets.join(left, on="external_id", how="left", maintain_order="left")
    done = {"response": pl.col("first_response_at").is_not_null(),
            "resolution": pl.col("resolved_at").is_not_null() | ~pl.col("state").is_in(OPEN_STATES)}
    return joined.with_columns(
        pl.coalesce(pl.col(f"source_{what}_breached"),
                    pl.when(pl.col(f"_left_{what}") < 0).then(pl.lit(True))
                    .when(pl.col(f"_left_{what}").is_not_null() & finished).then(pl.lit(False)))
        .alias(f"source_{what}_breached")
        for what, finished in done.items()).drop("_left_response", "_left_resolution")


def describe_bases(counts: dict[str, int]) -> str:
    """"3 from the export's first-response times; 2 from …" for the run's details."""
    order = ("time", "calendar_duration", "business_duration", "none")
    return "; ".join(f"{counts[b]:,} {BASIS_TEXT[b]}" for b in order if counts.get(b))
