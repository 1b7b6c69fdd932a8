"""SLA measurements of a batch of tickets, in bulk: business and calendar seconds to first
response and to resolution (pauses excluded), due times and breach flags.

Pure Polars/NumPy (no Django), so the import and the recompute services share it and it can
be tested on its own. Every step works on whole columns; the only Python loops are over the
few schedules and policies, never over tickets.

The rules (PRODUCT.md, "Metric definitions"):

* Response is measured from ``opened_at`` to ``first_response_at``; resolution from
  ``opened_at`` to ``resolved_at`` (a resolved or closed ticket whose source gives no resolved
  time uses its closed time instead). Canceled tickets are not measured for resolution. A stop
  time before the opening time (bad source data) is not measured.
* Pauses come from the state history: from each change into one of the policy's pause states
  until the next change. They are excluded from both the business and the calendar seconds.
  History intervals never overlap, so summing them per ticket counts each paused second once.
* A measured ticket breaches a target when its business seconds exceed it (met when ≤).
* A ticket still waiting (no first response and still ``new``; not resolved and still open)
  breaches once its business age at ``as_of`` exceeds the target and is otherwise "not yet due"
  (null), as are tickets whose policy has no such target.
* The due time is the instant the business clock, pauses excluded, reaches the target.
* Tickets with no policy (no kind/priority match) are still measured, in the default schedule,
  so medians exist for them; they have no due times and no breach flags.
* ``response_basis`` (optional column, default ``time``) says where the first response comes
  from. ``none``: the source records no first responses, so response is not measured at all (no
  seconds, no due time, no breach flag: a ticket is never "waiting" for a response nobody
  records). ``business_duration``: the source gives only its business-hours duration
  (``source_response_business_seconds``), which is taken as the business seconds, unchanged by
  our pauses; there is no calendar figure. ``time`` and ``calendar_duration`` are measured from
  ``first_response_at`` as above (the service fills it from the calendar duration for the latter).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from teamalign.calc.business_hours import Schedule, add_business_seconds, business_seconds_between

US = 1_000_000
DEFAULT_PAUSE_STATES = ("on_hold",)
OPEN_STATES = ("new", "in_progress", "on_hold")
_NULL = np.iinfo(np.int64).min  # stands for a missing instant in the int64 microsecond arrays
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Policy:
    id: int
    kind: str
    priority: int
    response_target_seconds: int | None
    resolution_target_seconds: int | None
    schedule_id: int
    pause_states: tuple[str, ...] = DEFAULT_PAUSE_STATES


@dataclass
class Rules:
    """What the measurement needs besides the tickets."""

    policies: Sequence[Policy]
    schedules: Mapping[int, Schedule]  # by schedule id
    default_schedule_id: int
    as_of: datetime
    default_pause_states: tuple[str, ...] = DEFAULT_PAUSE_STATES
    notes: list[str] = field(default_factory=list)


DERIVED_SCHEMA: dict[str, pl.DataType] = {
    "policy_id": pl.Int64,
    "response_business_seconds": pl.Int64,
    "resolution_business_seconds": pl.Int64,
    "response_calendar_seconds": pl.Int64,
    "resolution_calendar_seconds": pl.Int64,
    "response_due_at": pl.Datetime("us", "UTC"),
    "resolution_due_at": pl.Datetime("us", "UTC"),
    "response_breached": pl.Boolean,
    "resolution_breached": pl.Boolean,
    "as_of": pl.Datetime("us", "UTC"),
}


def _us(frame: pl.DataFrame, column: str) -> np.ndarray:
    return frame[column].dt.epoch("us").fill_null(_NULL).to_numpy().astype(np.int64, copy=False)


def _int(frame: pl.DataFrame, column: str) -> np.ndarray:
    return frame[column].cast(pl.Int64).fill_null(_NULL).to_numpy().astype(np.int64, copy=False)


def _instant_us(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // timedelta(microseconds=1)


def _as_datetime(us: np.ndarray) -> pl.Series:
    return pl.Series(us, dtype=pl.Int64).replace(_NULL, None).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _business(schedule: Schedule, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    if start.size == 0:
        return np.empty(0, dtype=np.int64)
    return business_seconds_between(schedule, start.view("datetime64[us]"), end.view("datetime64[us]"))


def _pause_table(tickets: pl.DataFrame, history: pl.DataFrame, pause_states: pl.Series,
                 horizon_us: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pause intervals as (ticket row, start µs, end µs): from each change into one of the ticket's
    pause states until its next change (the last one runs to ``horizon_us``)."""
    if history.height == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    index = tickets.select(pl.col("external_id"), pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
                           pause_states.alias("pause_states"))
    events = (history.select("external_id", "at", "state")
              .join(index, on="external_id", how="inner")
              .sort("row", "at")
              .with_columns(pl.col("at").shift(-1).over("row").alias("until"))
              .filter(pl.col("pause_states").list.contains(pl.col("state"))))
    rows = events["row"].to_numpy().astype(np.int64, copy=False)
    starts = _us(events, "at")
    ends = _us(events, "until")
    ends = np.where(ends == _NULL, np.maximum(horizon_us, starts), ends)
    return rows, starts, ends


def _paused(schedule: Schedule, rows: np.ndarray, p_start: np.ndarray, p_end: np.ndarray,
            window_start: np.ndarray, window_end: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Business and calendar microseconds/seconds of pauses inside each row's [start, end) window.

    ``rows`` index the windows; windows with a missing end contribute nothing.
    Returns (business seconds, calendar seconds) per window, length ``n``.
    """
    business = np.zeros(n, dtype=np.int64)
    calendar = np.zeros(n, dtype=np.int64)
    if rows.size == 0:
        return business, calendar
    lo, hi = window_start[rows], window_end[rows]
    valid = hi != _NULL
    start = np.clip(p_start, lo, np.where(valid, hi, lo))
    end = np.clip(p_end, lo, np.where(valid, hi, lo))
    keep = valid & (end > start)
    if not keep.any():
        return business, calendar
    rows, start, end = rows[keep], start[keep], end[keep]
    # Each pause is floored to whole seconds on its own; exports carry whole seconds, so this is exact.
    np.add.at(business, rows, _business(schedule, start, end))
    np.add.at(calendar, rows, (end - start) // US)
    return business, calendar


def _due(schedule: Schedule, opened: np.ndarray, target: np.ndarray, rows: np.ndarray,
         p_start: np.ndarray, p_end: np.ndarray) -> np.ndarray:
    """Due instants (µs) for the given targets (seconds), pauses pushing them later.

    Iterates due = opened + target + paused business time before due, to its fixed point; the
    paused time only grows with the due time, so it converges (after at most one step per pause).
    """
    n = opened.size
    due = add_business_seconds(schedule, opened.view("datetime64[us]"), target).view(np.int64).copy()
    if rows.size == 0:
        return due
    has_pause = np.zeros(n, dtype=bool)
    has_pause[rows] = True
    for _ in range(64):
        paused, _cal = _paused(schedule, rows, p_start, p_end, opened, due, n)
        candidates = has_pause & (paused > 0)
        if not candidates.any():
            break
        new_due = due.copy()
        new_due[candidates] = add_business_seconds(
            schedule, opened[candidates].view("datetime64[us]"),
            target[candidates] + paused[candidates]).view(np.int64)
        if np.array_equal(new_due, due):
            break
        due = new_due
    return due


def measure(tickets: pl.DataFrame, history: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """The derived columns (:data:`DERIVED_SCHEMA`) for ``tickets``, row for row.

    ``tickets`` needs external_id, kind, priority, state, opened_at, first_response_at,
    resolved_at, closed_at (UTC), and may have response_basis and
    source_response_business_seconds; ``history`` needs external_id, at, state.
    """
    n = tickets.height
    as_of_us = _instant_us(rules.as_of)
    policy_frame = pl.DataFrame(
        {"kind": [p.kind for p in rules.policies], "priority": [p.priority for p in rules.policies],
         "policy_id": [p.id for p in rules.policies],
         "response_target": [p.response_target_seconds for p in rules.policies],
         "resolution_target": [p.resolution_target_seconds for p in rules.policies],
         "schedule_id": [p.schedule_id for p in rules.policies],
         "pause_states": [list(p.pause_states) for p in rules.policies]},
        schema={"kind": pl.Utf8, "priority": pl.Int8, "policy_id": pl.Int64, "response_target": pl.Int64,
                "resolution_target": pl.Int64, "schedule_id": pl.Int64, "pause_states": pl.List(pl.Utf8)})
    basis = (tickets["response_basis"] if "response_basis" in tickets.columns
             else pl.repeat("time", n, dtype=pl.Utf8, eager=True)).fill_null("time").to_numpy()
    source_business = (_int(tickets, "source_response_business_seconds") if "source_response_business_seconds"
                       in tickets.columns else np.full(n, _NULL, dtype=np.int64))
    joined = tickets.select("external_id", "kind", pl.col("priority").cast(pl.Int8), "state", "opened_at",
                            "first_response_at", "resolved_at", "closed_at") \
        .join(policy_frame, on=["kind", "priority"], how="left", maintain_order="left") \
        .with_columns(pl.col("schedule_id").fill_null(rules.default_schedule_id),
                      pl.col("pause_states").fill_null(list(rules.default_pause_states)))

    opened = _us(joined, "opened_at")
    first_response = _us(joined, "first_response_at")
    resolved = _us(joined, "resolved_at")
    closed = _us(joined, "closed_at")
    state = joined["state"].to_numpy()
    is_open = np.isin(state, OPEN_STATES)
    resolution_end = np.where((resolved == _NULL) & np.isin(state, ("resolved", "closed")), closed, resolved)
    resolution_end = np.where(state == "canceled", _NULL, resolution_end)
    # A stop before the start is bad source data: not measured (the parser warned about it).
    first_response = np.where(first_response < opened, _NULL, first_response)
    resolution_end = np.where(resolution_end < opened, _NULL, resolution_end)
    not_recorded = basis == "none"
    # The source's business duration stands in for a first response it gives no instant for.
    from_source_business = (basis == "business_duration") & (source_business != _NULL) & (source_business >= 0)
    first_response = np.where(not_recorded | from_source_business, _NULL, first_response)
    response_waiting = (first_response == _NULL) & (state == "new") & ~not_recorded & ~from_source_business
    resolution_waiting = (resolution_end == _NULL) & is_open
    age_end = np.maximum(opened, as_of_us)

    horizon = max(as_of_us, int(opened.max()) if n else 0,
                  int(resolution_end.max()) if n else 0, int(first_response.max()) if n else 0)
    p_rows, p_start, p_end = _pause_table(tickets, history, joined["pause_states"], horizon)

    response_target = joined["response_target"].fill_null(-1).to_numpy()
    resolution_target = joined["resolution_target"].fill_null(-1).to_numpy()
    schedule_ids = joined["schedule_id"].to_numpy()

    out = {name: np.full(n, _NULL, dtype=np.int64) for name in (
        "response_business_seconds", "resolution_business_seconds", "response_calendar_seconds",
        "resolution_calendar_seconds", "response_due_at", "resolution_due_at")}
    breached = {"response": np.zeros(n, dtype=np.int8) - 1, "resolution": np.zeros(n, dtype=np.int8) - 1}

    for schedule_id in np.unique(schedule_ids):
        schedule = rules.schedules[int(schedule_id)]
        in_group = schedule_ids == schedule_id
        group = np.flatnonzero(in_group)
        # Pauses of this group's tickets, re-indexed to positions within the group.
        position = np.full(n, -1, dtype=np.int64)
        position[group] = np.arange(group.size)
        mine = in_group[p_rows] if p_rows.size else np.zeros(0, dtype=bool)
        g_rows, g_start, g_end = position[p_rows[mine]], p_start[mine], p_end[mine]
        g_opened = opened[group]
        for what, stop, waiting, target in (
                ("response", first_response[group], response_waiting[group], response_target[group]),
                ("resolution", resolution_end[group], resolution_waiting[group], resolution_target[group])):
            measured = stop != _NULL
            m = np.flatnonzero(measured)
            business = np.full(group.size, _NULL, dtype=np.int64)
            calendar = np.full(group.size, _NULL, dtype=np.int64)
            business[m] = _business(schedule, g_opened[m], stop[m])
            calendar[m] = (stop[m] - g_opened[m]) // US
            paused_b, paused_c = _paused(schedule, g_rows, g_start, g_end, g_opened, stop, group.size)
            business[m] = np.maximum(business[m] - paused_b[m], 0)
            calendar[m] = np.maximum(calendar[m] - paused_c[m], 0)
            if what == "response":
                given = from_source_business[group]
                business[given] = source_business[group][given]
                measured = measured | given
            out[f"{what}_business_seconds"][group] = business
            out[f"{what}_calendar_seconds"][group] = calendar

            flag = np.full(group.size, -1, dtype=np.int8)
            has_target = target >= 0
            measured_t = measured & has_target
            flag[measured_t] = (business[measured_t] > target[measured_t]).astype(np.int8)
            w = np.flatnonzero(waiting & has_target)
            if w.size:
                age_stop = age_end[group][w]
                age = _business(schedule, g_opened[w], age_stop)
                paused_age, _ = _paused(schedule, g_rows, g_start, g_end, g_opened,
                                        np.where(waiting & has_target, age_end[group], _NULL), group.size)
                age -= paused_age[w]
                flag[w] = np.where(age > target[w], 1, -1)
            breached[what][group] = flag
            t = np.flatnonzero(has_target)
            if t.size:
                due = np.full(group.size, _NULL, dtype=np.int64)
                # Pauses re-indexed to the targeted subset.
                sub = np.full(group.size, -1, dtype=np.int64)
                sub[t] = np.arange(t.size)
                keep = sub[g_rows] >= 0 if g_rows.size else np.zeros(0, dtype=bool)
                due[t] = _due(schedule, g_opened[t], target[t], sub[g_rows[keep]], g_start[keep], g_end[keep])
                if what == "response":
                    due[not_recorded[group]] = _NULL  # nothing is due that nobody records
                out[f"{what}_due_at"][group] = due

    columns = {
        "policy_id": joined["policy_id"],
        "response_business_seconds": pl.Series(out["response_business_seconds"]).replace(_NULL, None),
        "resolution_business_seconds": pl.Series(out["resolution_business_seconds"]).replace(_NULL, None),
        "response_calendar_seconds": pl.Series(out["response_calendar_seconds"]).replace(_NULL, None),
        "resolution_calendar_seconds": pl.Series(out["resolution_calendar_seconds"]).replace(_NULL, None),
        "response_due_at": _as_datetime(out["response_due_at"]),
        "resolution_due_at": _as_datetime(out["resolution_due_at"]),
        "response_breached": pl.Series(breached["response"]).replace(-1, None).cast(pl.Boolean),
        "resolution_breached": pl.Series(breached["resolution"]).replace(-1, None).cast(pl.Boolean),
        "as_of": _as_datetime(np.full(n, as_of_us, dtype=np.int64)),
    }
    return pl.DataFrame({name: columns[name].alias(name).cast(dtype) for name, dtype in DERIVED_SCHEMA.items()})
