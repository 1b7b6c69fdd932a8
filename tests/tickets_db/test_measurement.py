"""derive.measure: pauses, due times and breach flags, worked out by hand on the 9–5 schedule."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from teamalign.calc.business_hours import Schedule
from teamalign.tickets import derive
from teamalign.tickets.importers.base import HISTORY_SCHEMA

NINE_TO_FIVE = Schedule("UTC", {d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")})
HOUR = 3600


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)  # 2 March 2026 is a Monday


def rules(response: int | None = 4 * HOUR, resolution: int | None = 16 * HOUR, pause=("on_hold",)) -> derive.Rules:
    return derive.Rules(policies=[derive.Policy(1, "incident", 3, response, resolution, 7, tuple(pause))],
                        schedules={7: NINE_TO_FIVE}, default_schedule_id=7, as_of=at(13, 12))


def tickets(*rows: dict) -> pl.DataFrame:
    base = {"kind": "incident", "priority": 3, "state": "resolved", "first_response_at": None,
            "resolved_at": None, "closed_at": None}
    return pl.DataFrame([{**base, "external_id": f"T{i}", **r} for i, r in enumerate(rows)], schema={
        "external_id": pl.Utf8, "kind": pl.Utf8, "priority": pl.Int8, "state": pl.Utf8,
        "opened_at": derive.DERIVED_SCHEMA["as_of"], "first_response_at": derive.DERIVED_SCHEMA["as_of"],
        "resolved_at": derive.DERIVED_SCHEMA["as_of"], "closed_at": derive.DERIVED_SCHEMA["as_of"]})


def history(*events: tuple[str, datetime, str]) -> pl.DataFrame:
    return pl.DataFrame([{"external_id": e, "at": t, "state": s, "state_raw": s} for e, t, s in events],
                        schema=HISTORY_SCHEMA)


def test_a_pause_is_excluded_and_pushes_the_due_time():
    # Opened Mon 09:00, on hold Mon 10:00–Tue 10:00 (8 business hours), resolved Wed 12:00.
    frame = tickets({"opened_at": at(2, 9), "first_response_at": at(2, 9, 30), "resolved_at": at(4, 12)})
    events = history(("T0", at(2, 9), "new"), ("T0", at(2, 9, 30), "in_progress"), ("T0", at(2, 10), "on_hold"),
                     ("T0", at(3, 10), "in_progress"), ("T0", at(4, 12), "resolved"))
    out = derive.measure(frame, events, rules()).row(0, named=True)
    # Business: Mon 9–17 (8) + Tue 9–17 (8) + Wed 9–12 (3) = 19 h, minus the 8 h pause = 11 h.
    assert out["resolution_business_seconds"] == 11 * HOUR
    # Calendar: 51 h minus the 24 h pause.
    assert out["resolution_calendar_seconds"] == 27 * HOUR
    assert out["response_business_seconds"] == 30 * 60
    # 16 business hours from Mon 09:00 is Tue 17:00; the 8 paused hours push it to Wed 17:00.
    assert out["resolution_due_at"] == at(4, 17)
    assert out["resolution_breached"] is False and out["response_breached"] is False
    assert out["policy_id"] == 1


def test_only_the_policys_pause_states_stop_the_clock():
    frame = tickets({"opened_at": at(2, 9), "resolved_at": at(2, 15)})
    events = history(("T0", at(2, 9), "new"), ("T0", at(2, 10), "on_hold"), ("T0", at(2, 12), "in_progress"))
    paused = derive.measure(frame, events, rules()).row(0, named=True)
    not_paused = derive.measure(frame, events, rules(pause=())).row(0, named=True)
    assert (paused["resolution_business_seconds"], not_paused["resolution_business_seconds"]) == (4 * HOUR, 6 * HOUR)


def test_waiting_tickets_breach_once_their_business_age_passes_the_target():
    # As of Fri 13 March 12:00. T0 opened Fri 12:00 → 0 h old; T1 opened Mon 9 March → 35 h old.
    frame = tickets({"opened_at": at(13, 12), "state": "new"}, {"opened_at": at(9, 9), "state": "in_progress",
                                                                 "first_response_at": at(9, 10)})
    out = derive.measure(frame, history(), rules()).to_dicts()
    assert (out[0]["response_breached"], out[0]["resolution_breached"]) == (None, None)
    assert (out[1]["response_breached"], out[1]["resolution_breached"]) == (False, True)
    assert out[1]["resolution_business_seconds"] is None  # not resolved: no time to resolution


def test_a_closed_ticket_without_a_resolved_time_uses_its_closed_time_and_canceled_is_not_measured():
    frame = tickets({"opened_at": at(2, 9), "state": "closed", "closed_at": at(2, 11)},
                    {"opened_at": at(2, 9), "state": "canceled", "closed_at": at(2, 11)})
    out = derive.measure(frame, history(), rules()).to_dicts()
    assert out[0]["resolution_business_seconds"] == 2 * HOUR
    assert out[1]["resolution_business_seconds"] is None and out[1]["resolution_breached"] is None


def test_tickets_without_a_policy_are_measured_without_targets():
    frame = tickets({"opened_at": at(2, 9), "resolved_at": at(2, 10), "kind": "change"})
    out = derive.measure(frame, history(), rules()).row(0, named=True)
    assert out["policy_id"] is None and out["resolution_business_seconds"] == HOUR
    assert out["resolution_due_at"] is None and out["resolution_breached"] is None


def test_a_stop_before_the_start_is_not_measured():
    frame = tickets({"opened_at": at(2, 12), "resolved_at": at(2, 10)})
    out = derive.measure(frame, history(), rules()).row(0, named=True)
    assert out["resolution_business_seconds"] is None and out["resolution_breached"] is None
