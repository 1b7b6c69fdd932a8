"""ServiceNow incident event log: one row per update of an incident (CSV).

This is the shape of an audit snapshot export, as in the "Incident management
process enriched event log" published in the UCI Machine Learning Repository: every
row is the incident as it was after one update, with ServiceNow field names as
headers (``number``, ``incident_state``, ``sys_updated_at``, ``opened_at``,
``resolved_at``, ``closed_at``, ``priority``, ``assignment_group``, ``caller_id``,
``location``, ``reassignment_count``, ``reopen_count``…), ``?`` for missing values
and day-first dates (``29-02-2016 01:16``, no time zone).

Detection: a CSV whose header has ``number``, ``incident_state`` and
``sys_updated_at``.

How events become tickets (one ticket per ``number``):

* events are ordered by ``sys_updated_at``, ties kept in file order;
* the ticket's attributes (priority, state, counts, group, caller, dates…) are those
  of its **last** event;
* ``first_response_at`` is the ``sys_updated_at`` of the first event whose state is
  no longer New (null if the incident never left New);
* ``resolved_at`` is ``resolved_at`` of the last event; when that is empty and the
  incident ends Resolved or Closed, it is the time the state last *became*
  Resolved (what ServiceNow's own field would hold, since each resolution
  overwrites it; for an incident never reopened that is the first time);
* ``closed_at`` is ``closed_at`` of the last event;
* the history holds one row per event (``at`` = ``sys_updated_at``), consecutive
  events with the same raw state collapsed into the first, so each row is a state
  change (an "Awaiting User Info" → "Awaiting Vendor" change is kept: both are
  on_hold, but the reason changed).

``rows_read`` counts events, not tickets. The log may come as CSV or as a workbook.
"""

from __future__ import annotations

import polars as pl

from teamalign.ingest.dates import max_timestamp, parse_datetimes
from teamalign.ingest.numbers import parse_whole_numbers
from teamalign.ingest.table import first_true, row_error, text_column

from . import base, servicenow_list
from .base import ROW, ParsedTickets, ProgressCallback, Sniff
from .mapping import label_overrides
from .vocabulary import (
    StateGuesses,
    kind_from_number,
    normalise_kind,
    normalise_priority,
    normalise_state,
    strip_labels,
)

FORMAT = "servicenow-eventlog"
SOURCE = "servicenow"
LABEL = "ServiceNow incident event log (CSV, one row per update)"
DETECT_ORDER = 10  # before servicenow-csv: an event log also has `number` and `opened_at`

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("number",),
    "state_raw": ("incident_state", "state"),
    "updated_at": ("sys_updated_at", "sys_updated_on"),
    "opened_at": ("opened_at",),
    "resolved_at": ("resolved_at",),
    "closed_at": ("closed_at",),
    "kind": ("sys_class_name",),
    "title": ("short_description",),
    "priority_raw": ("priority",),
    "category": ("category",),
    "requester_name": ("caller_id",),
    "requester_email": ("caller_id.email",),
    "requester_location": ("location",),
    "requester_company": ("company", "caller_id.company"),
    "requester_department": ("caller_id.department", "u_department", "department"),
    "assignment_group": ("assignment_group",),
    "assigned_to": ("assigned_to",),
    "business_service": ("business_service", "cmdb_ci"),
    "reassignment_count": ("reassignment_count",),
    "reopen_count": ("reopen_count",),
}
REQUIRED = ("external_id", "state_raw", "updated_at", "opened_at")

#: Day-first is what the published event log uses; the list formats follow.
DATE_FORMATS = ("%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S") + servicenow_list.DATE_FORMATS


def detect(snf: Sniff) -> bool:
    return snf.tabular and snf.has("number", "incident_state", "sys_updated_at")


def parse(snf: Sniff, *, timezone: str = "UTC", mapping=None,
          progress: ProgressCallback | None = None) -> ParsedTickets:
    overrides = label_overrides(mapping, FORMAT)
    table, cols = base.read_export(snf, COLUMNS, format=FORMAT, mapping=overrides,
                                   required=REQUIRED, null_values=("?",))
    rows_read = table.height + table.rows_rejected
    total = table.height
    base.report_progress(progress, total // 4, total)
    warnings: list[str] = []
    guesses = StateGuesses()

    dates = parse_datetimes(
        table, {f: cols.get(f) for f in ("opened_at", "updated_at", "resolved_at", "closed_at")},
        overrides.date_formats or DATE_FORMATS, timezone=timezone,
        required=("opened_at", "updated_at"))
    no_update = dates["updated_at"].is_null()
    if no_update.any():
        raise row_error(table, first_true(no_update), cols["updated_at"],
                        "the update time is empty; every event needs one")
    base.report_progress(progress, total // 2, total)

    events = table.df.select(
        text_column(cols["external_id"], "external_id", strip=True),
        text_column(cols.get("kind"), "kind_raw"),
        text_column(cols.get("priority_raw"), "priority_raw"),
        text_column(cols["state_raw"], "state_raw"),
        *(text_column(cols.get(f), f) for f in base.TEXT_FIELDS),
        text_column(cols.get("requester_email"), "requester_email", strip=True)
        .str.to_lowercase(),
        pl.col(ROW))
    events = events.with_columns(strip_labels(events["priority_raw"]),
                                 strip_labels(events["state_raw"]))
    state = normalise_state(
        table, events["state_raw"], cols["state_raw"],
        overrides={**servicenow_list.STATE_CODES, **overrides.state_values}, guesses=guesses)
    no_number = events["external_id"].is_null()
    if no_number.any():
        raise row_error(table, first_true(no_number), cols["external_id"],
                        "the incident number is empty")
    events = events.with_columns(
        state.alias("state"),
        parse_whole_numbers(table, cols.get("reassignment_count"), what="a count")
        .alias("reassignment_count"),
        parse_whole_numbers(table, cols.get("reopen_count"), what="a count").alias("reopen_count"),
        *dates.get_columns(),
    ).sort(["external_id", "updated_at", ROW], maintain_order=True)
    same_ticket = pl.col("external_id").eq_missing(pl.col("external_id").shift(1))
    events = events.with_columns(
        new_state=~(same_ticket & pl.col("state_raw").eq_missing(pl.col("state_raw").shift(1))),
        became_resolved=(pl.col("state") == "resolved")
        & ~(same_ticket & pl.col("state").shift(1).eq_missing(pl.lit("resolved"))))
    base.report_progress(progress, 3 * total // 4, total)

    last_fields = [c for c in events.columns
                   if c not in ("external_id", "new_state", "became_resolved", "updated_at")]
    tickets = events.group_by("external_id", maintain_order=True).agg(
        pl.col(last_fields).last(),
        pl.col("updated_at").filter(pl.col("state") != "new").first()
        .alias("first_response_at"),
        pl.col("updated_at").filter(pl.col("became_resolved")).last().alias("_became_resolved"),
        pl.col(ROW).min().alias("_first_row"),
    ).sort("_first_row")
    tickets = tickets.with_columns(
        pl.coalesce(
            "resolved_at",
            pl.when(pl.col("state").is_in(["resolved", "closed"]))
            .then(pl.col("_became_resolved"))).alias("resolved_at"))
    tickets = tickets.with_columns(
        normalise_priority(tickets["priority_raw"], warnings,
                           overrides=overrides.priority_values).alias("priority"),
        normalise_kind(
            tickets["kind_raw"] if "kind" in cols else None, warnings,
            default=overrides.default_kind or "incident", height=tickets.height,
            overrides=overrides.kind_values,
            fallback=kind_from_number(tickets["external_id"])).alias("kind"),
    ).drop("kind_raw", "_became_resolved", "_first_row")

    history = events.filter("new_state").select(
        "external_id", pl.col("updated_at").alias("at"), "state", "state_raw")
    result = base.finish(
        table, tickets, source=SOURCE, format=FORMAT, rows_read=rows_read,
        warnings=warnings, history=history, columns=cols, guesses=guesses,
        source_timestamps={"max_updated_at": max_timestamp(events["updated_at"])})
    base.report_progress(progress, total, total)
    return result
