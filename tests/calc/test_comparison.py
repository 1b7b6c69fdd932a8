"""Comparisons that can carry a conclusion (metrics.compare_durations and the figures the findings
read) and whether an instant is inside a schedule's hours (business_hours.is_open_at)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from teamalign.calc import metrics
from teamalign.calc.business_hours import Schedule, is_open_at

from .test_metrics import HOUR, frame

WEEKDAYS_9_TO_5 = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def lognormal(median: float, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).lognormal(np.log(median), 0.6, n).round()


def test_too_few_tickets_are_not_compared_and_nothing_is_red():
    compared = metrics.compare_durations(lognormal(4 * HOUR, 7, 1), lognormal(HOUR, 1, 2))
    assert compared == {"operations_measured": 7, "others_measured": 1, "comparable": False, "p_value": None,
                        "ratio_low": None, "ratio_high": None, "significant": None, "verdict": "too_few",
                        "alert": False}


def test_an_empty_group_is_not_measured():
    assert metrics.compare_durations([], lognormal(HOUR, 50, 2))["verdict"] == "not_measured"


def test_a_clear_gap_is_significant_with_an_interval_and_an_alert():
    compared = metrics.compare_durations(lognormal(4 * HOUR, 300, 1), lognormal(HOUR, 200, 2))
    assert compared["comparable"] and compared["significant"] and compared["alert"]
    assert compared["verdict"] == "longer" and compared["p_value"] < 1e-10
    assert compared["ratio_low"] < 4 < compared["ratio_high"]


def test_the_same_distribution_is_no_difference_and_a_small_gap_is_no_alert():
    same = metrics.compare_durations(lognormal(HOUR, 400, 1), lognormal(HOUR, 400, 2))
    assert same["comparable"] and not same["significant"] and same["verdict"] == "no_difference"
    small = metrics.compare_durations(lognormal(1.2 * HOUR, 5000, 3), lognormal(HOUR, 5000, 4))
    assert small["significant"] and small["verdict"] == "longer" and not small["alert"]  # 1.2× < 1.5×
    faster = metrics.compare_durations(lognormal(HOUR, 400, 5), lognormal(3 * HOUR, 400, 6))
    assert faster["verdict"] == "shorter" and not faster["alert"]


def test_the_thresholds_decide():
    ops, others = lognormal(2 * HOUR, 30, 1), lognormal(HOUR, 30, 2)
    assert metrics.compare_durations(ops, others, metrics.Comparison(min_tickets=31))["verdict"] == "too_few"
    strict = metrics.compare_durations(ops, others, metrics.Comparison(alert_ratio=5))
    assert strict["significant"] and not strict["alert"]


def test_operations_vs_others_reports_what_was_measured():
    rows = ([{"priority": 2, "response_business_seconds": int(s)} for s in lognormal(4 * HOUR, 40, 1)]
            + [{"priority": 2, "department": "Finance", "department_kind": "other", "response_business_seconds": int(s)}
               for s in lognormal(HOUR, 30, 2)]
            + [{"priority": 3, "response_business_seconds": 600}] * 5
            + [{"priority": 3, "department": "Finance", "department_kind": "other"}] * 25)
    by_priority = {r["priority"]: r for r in metrics.operations_vs_others(frame(rows))}
    p2, p3 = by_priority[2], by_priority[3]
    assert (p2["operations_response_measured"], p2["others_response_measured"]) == (40, 30)
    assert p2["response_comparable"] and p2["response_alert"] and p2["response_verdict"] == "longer"
    # P3: the other departments' tickets carry no first-response time (a source without one).
    assert p3["others_response_measured"] == 0 and p3["response_verdict"] == "not_measured"
    assert p3["others_response_median"] is None and p3["response_ratio"] is None
    assert (p3["operations_tickets"], p3["others_tickets"]) == (5, 25)


def test_it_teams_are_compared_with_every_other_team():
    rows = ([{"assignment_group": "Apps", "reopen_count": int(i % 3 == 0), "reassignment_count": 3,
              "resolution_breached": False} for i in range(60)]
            + [{"assignment_group": "Desk", "reopen_count": int(i % 25 == 0), "reassignment_count": i % 2,
                "resolution_breached": i % 5 == 0} for i in range(200)]
            + [{"assignment_group": None}] * 4)
    teams = {t["team"]: t for t in metrics.it_team_outliers(frame(rows))}
    apps, desk = teams["Apps"], teams["Desk"]
    assert (apps["tickets"], apps["reopened"], apps["reopen_rate"]) == (60, 20, round(20 / 60, 4))
    assert (apps["others_tickets"], apps["others_reopened"]) == (200, 8)
    assert apps["mean_reassignments"] == 3.0 and apps["others_mean_reassignments"] == 0.5
    assert apps["resolution_attainment"] == 1.0 and desk["resolution_attainment"] == 0.8
    assert apps["comparable"] and apps["reopen_p_value"] < 1e-6 and apps["reassignment_p_value"] < 1e-6
    assert list(teams) == ["Desk", "Apps"]  # most tickets first
    few = metrics.it_team_outliers(frame(rows[:10] + rows[60:70]))
    assert not any(t["comparable"] for t in few) and all(t["reopen_p_value"] is None for t in few)
    assert metrics.it_team_outliers(frame([{"assignment_group": None}])) == []


def test_tickets_opened_outside_hours_per_group():
    rows = ([{"outside_hours": i < 30} for i in range(100)]
            + [{"department": "Finance", "department_kind": "other", "outside_hours": i < 10} for i in range(100)]
            + [{"department": "IT", "department_kind": "it", "outside_hours": True}] * 50
            + [{"outside_hours": None}] * 7)
    tickets = frame(rows).with_columns(pl.Series("outside_hours", [r["outside_hours"] for r in rows]))
    figures = metrics.opened_outside_hours(tickets)
    assert figures["operations"] == {"tickets": 100, "outside": 30, "share": 0.3}
    assert figures["others"] == {"tickets": 100, "outside": 10, "share": 0.1}
    assert figures["comparable"] and figures["p_value"] < 0.001


def test_first_response_coverage_per_source():
    rows = ([{"source": "servicenow", "state": "closed", "first_response_at": None}] * 8
            + [{"source": "servicenow", "state": "new", "first_response_at": None}] * 2
            + [{"source": "jira", "state": "resolved", "first_response_at": datetime(2026, 3, 2, 10, tzinfo=UTC)}] * 3)
    tickets = frame(rows).with_columns(
        pl.Series("source", [r["source"] for r in rows]),
        pl.Series("first_response_at", [r["first_response_at"] for r in rows], dtype=pl.Datetime("us", "UTC")))
    assert metrics.response_coverage(tickets) == [
        {"source": "servicenow", "tickets": 10, "answered": 8, "with_first_response": 0, "coverage": 0.0},
        {"source": "jira", "tickets": 3, "answered": 3, "with_first_response": 3, "coverage": 1.0}]


@pytest.mark.parametrize("instant, expected", [
    ("2026-03-02T09:00:00+00:00", True),  # Monday, opening time
    ("2026-03-02T16:59:59+00:00", True),
    ("2026-03-02T17:00:00+00:00", False),  # closing time is closed
    ("2026-03-02T08:59:59+00:00", False),
    ("2026-03-07T12:00:00+00:00", False),  # Saturday
    ("2026-12-25T12:00:00+00:00", False),  # a holiday (Friday)
    ("2026-06-01T08:30:00+00:00", True),  # 09:30 in London (summer time)
    ("2026-06-01T16:30:00+00:00", False),  # 17:30 in London
])
def test_is_open_at(instant, expected):
    schedule = Schedule("Europe/London", WEEKDAYS_9_TO_5, holidays=["2026-12-25"])
    at = np.array([datetime.fromisoformat(instant).astimezone(UTC).replace(tzinfo=None)], dtype="datetime64[us]")
    assert is_open_at(schedule, at).tolist() == [expected]


def test_is_open_at_agrees_with_business_time():
    from teamalign.calc.business_hours import business_seconds_between

    schedule = Schedule("Europe/London", {**WEEKDAYS_9_TO_5, "sat": [["22:00", "06:00"]]})
    rng = np.random.default_rng(5)
    start = np.datetime64("2026-01-01T00:00:00", "us")
    instants = start + rng.integers(0, 365 * 86_400, 5000).astype("timedelta64[s]")
    one_second_later = instants + np.timedelta64(1, "s")
    assert (is_open_at(schedule, instants) == (business_seconds_between(schedule, instants, one_second_later) > 0)).all()
    assert is_open_at(schedule, np.array([], dtype="datetime64[us]")).size == 0
