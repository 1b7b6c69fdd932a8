"""teamalign.calc.metrics against figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from teamalign.calc import metrics

AS_OF = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
HOUR = 3600


def frame(rows: list[dict]) -> pl.DataFrame:
    base = {"department": "Operations", "department_kind": "operations", "team": "Warehouse", "priority": 2,
            "category": "Hardware", "assignment_group": "Service Desk", "state": "closed",
            "opened_at": datetime(2026, 3, 2, 9, tzinfo=UTC), "as_of": AS_OF,
            "response_business_seconds": None, "resolution_business_seconds": None,
            "response_breached": None, "resolution_breached": None, "reopen_count": 0, "reassignment_count": 0}
    return pl.DataFrame([{**base, **r} for r in rows], schema=metrics.TICKET_COLUMNS)


def test_median_p90_and_attainment_of_a_group():
    tickets = frame([
        {"response_business_seconds": s, "response_breached": s > 2 * HOUR} for s in (600, 1200, 1800, 3600, 36000)
    ] + [{"response_business_seconds": None, "state": "new", "response_breached": None}])
    figures = metrics.summary(tickets)
    assert figures["tickets"] == 6
    assert figures["response_median"] == 1800
    # p90 of [600, 1200, 1800, 3600, 36000]: rank 0.9 × 4 = 3.6 → 3600 + 0.6 × (36000 − 3600)
    assert figures["response_p90"] == 3600 + round(0.6 * 32400)
    # 4 met of 5 measured; the ticket still new is not yet due and left out.
    assert (figures["response_met"], figures["response_measured"], figures["response_attainment"]) == (4, 5, 0.8)
    assert figures["resolution_attainment"] is None


def test_open_backlog_is_bucketed_by_calendar_age_as_of_the_export():
    day = 86_400
    ages = [0.5, 1, 2.9, 3, 6, 7, 29, 30, 45]
    tickets = frame([{"state": "in_progress", "opened_at": datetime.fromtimestamp(AS_OF.timestamp() - a * day, UTC)}
                     for a in ages] + [{"state": "resolved", "opened_at": datetime(2025, 1, 1, tzinfo=UTC)}])
    figures = metrics.summary(tickets)
    assert figures["open"] == 9
    assert figures["backlog"] == [1, 2, 2, 2, 2]  # <1d, 1–3d, 3–7d, 7–30d, >30d


def test_reopen_rate_and_mean_reassignments():
    tickets = frame([{"reopen_count": 2, "reassignment_count": 4}, {"reopen_count": 0, "reassignment_count": 1},
                     {"reopen_count": 1, "reassignment_count": 0}, {"reopen_count": 0, "reassignment_count": 0}])
    figures = metrics.summary(tickets)
    assert figures["reopen_rate"] == 0.5
    assert figures["mean_reassignments"] == 1.25


def test_operations_against_the_other_departments_at_the_same_priority():
    tickets = frame([
        {"priority": 2, "response_business_seconds": 4 * HOUR},
        {"priority": 2, "response_business_seconds": 6 * HOUR},
        {"priority": 2, "department": "Finance", "department_kind": "other", "response_business_seconds": HOUR},
        {"priority": 2, "department": "Sales", "department_kind": "other", "response_business_seconds": 3 * HOUR},
        {"priority": 2, "department": "IT", "department_kind": "it", "response_business_seconds": 100 * HOUR},
        {"priority": 2, "department": None, "department_kind": None, "response_business_seconds": 100 * HOUR},
        {"priority": 4, "department": "Finance", "department_kind": "other", "response_business_seconds": HOUR},
    ])
    rows = {r["priority"]: r for r in metrics.operations_vs_others(tickets)}
    assert rows[2]["operations_response_median"] == 5 * HOUR
    assert rows[2]["others_response_median"] == 2 * HOUR  # IT and unknown departments are in neither group
    assert rows[2]["response_ratio"] == 2.5
    assert (rows[2]["operations_tickets"], rows[2]["others_tickets"]) == (2, 2)
    assert rows[4]["operations_response_median"] is None and rows[4]["response_ratio"] is None


def test_months_are_counted_in_the_organisations_time_zone():
    # 23:30 UTC on 31 January is already February in Helsinki (UTC+2).
    tickets = frame([{"opened_at": datetime(2026, 1, 31, 23, 30, tzinfo=UTC)},
                     {"opened_at": datetime(2026, 1, 15, tzinfo=UTC)}])
    months = {(r["month"], r["segment"]): r["tickets"] for r in metrics.monthly(tickets, "Europe/Helsinki")}
    assert months == {("2026-01", "operations"): 1, ("2026-02", "operations"): 1,
                      ("2026-01", "all"): 1, ("2026-02", "all"): 1}


def test_breakdowns_list_the_biggest_groups_first_with_their_key():
    tickets = frame([{"assignment_group": "Network"}, {"assignment_group": "Service Desk"},
                     {"assignment_group": "Service Desk"}, {"assignment_group": None}])
    rows = metrics.breakdown(tickets, "assignment_group")
    assert [(r["key"], r["tickets"]) for r in rows] == [("Service Desk", 2), ("Network", 1), (None, 1)]


def test_the_whole_view_on_no_tickets_is_empty_not_an_error():
    view = metrics.responsiveness(frame([]).head(0), timezone="Europe/London")
    assert view["tickets"] == 0 and view["operations"]["tickets"] == 0
    assert view["operations_vs_others"] == [] and view["monthly"] == []


@pytest.mark.parametrize("state", ["new", "in_progress", "on_hold"])
def test_every_open_state_counts_in_the_backlog(state):
    assert metrics.summary(frame([{"state": state}]))["open"] == 1
